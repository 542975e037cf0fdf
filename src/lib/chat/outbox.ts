// Replies written in the agent console wait here until the server has them. Each carries the
// client_id the server keeps unique per conversation, so a send repeated after a lost answer is
// stored once (docs/api/chat.md). Kept in localStorage per staff member: survives reloads.
// Several tabs of the console share that list: every change re-reads it and applies only itself
// (an add, a discard, a confirmed send), and a `storage` event brings another tab's changes in, so
// one tab never writes over a reply another tab queued.

import { requeue } from './restore';

export interface OutgoingMessage {
	client_id: string;
	conversation: string;
	body: string;
	internal: boolean;
	/** When it was written (ISO), for ordering and display. */
	created: string;
	/** The server refused it for good (a reason code); it stays until sent again or discarded. */
	failed?: string;
}

export interface KeyValueLike {
	getItem(k: string): string | null;
	setItem(k: string, v: string): void;
	removeItem(k: string): void;
}

/** What delivers another tab's writes (`window`): its `storage` events. */
export interface StorageEventsLike {
	addEventListener(type: 'storage', fn: (e: { key: string | null }) => void): void;
	removeEventListener(type: 'storage', fn: (e: { key: string | null }) => void): void;
}

export type SendOutcome = { ok: true } | { ok: false; retry: boolean; reason: string };

export function newClientId(): string {
	if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
	return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/** What a failed send means: network and overload are retried, a refusal is kept and shown. */
export function classifySend(err: unknown): SendOutcome {
	const e = err as { status?: number; response?: { data?: Record<string, { code?: string }>; message?: string } };
	const status = typeof e?.status === 'number' ? e.status : 0;
	if (status === 0 || status === 429 || status >= 500) return { ok: false, retry: true, reason: status === 0 ? 'network' : status === 429 ? 'rate_limited' : 'server_error' };
	// Sent before and stored (the first answer was lost): the unique client_id refuses the copy.
	if (status === 400 && e.response?.data?.client_id?.code === 'validation_not_unique') return { ok: true };
	if (status === 401) return { ok: false, retry: true, reason: 'session_expired' };
	return { ok: false, retry: false, reason: status === 403 || status === 404 ? 'forbidden' : 'bad_request' };
}

export class MessageOutbox {
	items: OutgoingMessage[];
	#flushing: Promise<void> | null = null;

	constructor(
		private kv: KeyValueLike | null,
		private key: string,
		private onChange: (items: OutgoingMessage[]) => void = () => {}
	) {
		this.items = this.read() ?? [];
	}

	/** The list as stored now (null: no storage, or unreadable). */
	private read(): OutgoingMessage[] | null {
		if (!this.kv) return null;
		try {
			const items = JSON.parse(this.kv.getItem(this.key) ?? '[]');
			return Array.isArray(items) ? items.filter((i) => i && typeof i.client_id === 'string') : null;
		} catch {
			return null;
		}
	}

	/** Another tab's changes, when it tells (`storage` events of this key); returns the way to stop. */
	listen(events: StorageEventsLike): () => void {
		const fn = (e: { key: string | null }) => {
			if (e.key !== this.key && e.key !== null) return;
			this.items = this.read() ?? this.items;
			this.onChange(this.items);
		};
		events.addEventListener('storage', fn);
		return () => events.removeEventListener('storage', fn);
	}

	add(m: Omit<OutgoingMessage, 'client_id' | 'created'> & Partial<Pick<OutgoingMessage, 'client_id' | 'created'>>): OutgoingMessage {
		const item: OutgoingMessage = { client_id: m.client_id ?? newClientId(), created: m.created ?? new Date().toISOString(), conversation: m.conversation, body: m.body, internal: m.internal };
		this.change((items) => (items.some((i) => i.client_id === item.client_id) ? items : [...items, item]));
		return item;
	}

	discard(clientId: string): void {
		this.change((items) => items.filter((i) => i.client_id !== clientId));
	}

	/**
	 * Messages the server acknowledged and then lost in a restore (./restore.ts), queued again with their
	 * client_id and time, in order among those waiting (the oldest goes first).
	 */
	requeue(lost: OutgoingMessage[]): void {
		if (!lost.length) return;
		this.change((items) => requeue(items, lost, (m) => Date.parse(m.created.replace(' ', 'T'))));
	}

	/** A refused message the agent sends again. */
	retry(clientId: string): void {
		this.change((items) => items.map((i) => (i.client_id === clientId ? { ...i, failed: undefined } : i)));
	}

	/**
	 * Sends what waits, oldest first, one at a time (so a conversation keeps its order). Stops at the
	 * first error worth retrying (network, overload); a refused message is marked and skipped.
	 */
	flush(send: (m: OutgoingMessage) => Promise<unknown>, onSent: (m: OutgoingMessage, record: unknown) => void = () => {}): Promise<void> {
		if (this.#flushing) return this.#flushing;
		const run = async () => {
			await Promise.resolve(); // #flushing is set before the loop can end and clear it
			try {
				for (;;) {
					this.items = this.read() ?? this.items; // another tab may have queued or sent some
					const next = this.items.find((i) => !i.failed);
					if (!next) return;
					let outcome: SendOutcome;
					let record: unknown = null;
					try {
						record = await send(next);
						outcome = { ok: true };
					} catch (err) {
						outcome = classifySend(err);
					}
					if (outcome.ok) {
						// Only the confirmed one leaves: what was queued meanwhile (here or in another tab) stays.
						this.change((items) => items.filter((i) => i.client_id !== next.client_id));
						onSent(next, record);
					} else if (outcome.retry) {
						return;
					} else {
						const reason = outcome.reason;
						this.change((items) => items.map((i) => (i.client_id === next.client_id ? { ...i, failed: reason } : i)));
					}
				}
			} finally {
				this.#flushing = null;
			}
		};
		this.#flushing = run();
		return this.#flushing;
	}

	clear(): void {
		this.items = [];
		this.kv?.removeItem(this.key);
		this.onChange(this.items);
	}

	/** Applies one change to the list as stored now (not to this tab's older copy), and keeps it. */
	private change(fn: (items: OutgoingMessage[]) => OutgoingMessage[]): void {
		this.items = fn(this.read() ?? this.items);
		this.kv?.setItem(this.key, JSON.stringify(this.items));
		this.onChange(this.items);
	}
}
