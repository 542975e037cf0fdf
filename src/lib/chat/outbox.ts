// Replies written in the agent console wait here until the server has them. Each carries the
// client_id the server keeps unique per conversation, so a send repeated after a lost answer is
// stored once (docs/api/chat.md). Kept in localStorage per staff member: survives reloads.

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
		let items: OutgoingMessage[] = [];
		try {
			items = JSON.parse(kv?.getItem(key) ?? '[]');
		} catch {
			items = [];
		}
		this.items = Array.isArray(items) ? items : [];
	}

	add(m: Omit<OutgoingMessage, 'client_id' | 'created'> & Partial<Pick<OutgoingMessage, 'client_id' | 'created'>>): OutgoingMessage {
		const item: OutgoingMessage = { client_id: m.client_id ?? newClientId(), created: m.created ?? new Date().toISOString(), conversation: m.conversation, body: m.body, internal: m.internal };
		this.items = [...this.items, item];
		this.save();
		return item;
	}

	discard(clientId: string): void {
		this.items = this.items.filter((i) => i.client_id !== clientId);
		this.save();
	}

	/** A refused message the agent sends again. */
	retry(clientId: string): void {
		this.items = this.items.map((i) => (i.client_id === clientId ? { ...i, failed: undefined } : i));
		this.save();
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
						this.items = this.items.filter((i) => i.client_id !== next.client_id);
						this.save();
						onSent(next, record);
					} else if (outcome.retry) {
						return;
					} else {
						const reason = outcome.reason;
						this.items = this.items.map((i) => (i.client_id === next.client_id ? { ...i, failed: reason } : i));
						this.save();
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

	private save(): void {
		this.kv?.setItem(this.key, JSON.stringify(this.items));
		this.onChange(this.items);
	}
}
