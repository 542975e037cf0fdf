// Replies written in the agent console wait here until the server has them. Each carries the
// client_id the server keeps unique per conversation, so a send repeated after a lost answer is
// stored once (docs/api/chat.md). Kept in localStorage per staff member: survives reloads.
// Each reply is stored under a key of its own (`<key>:<client_id>`), sealed under the device key
// (lock/sealed-local) when a sealer is given: IndexedDB and localStorage read directly hold no reply
// in clear (issue 13). Several tabs of the console share those keys: a change writes or removes only
// its own reply's key, so one tab never writes over a reply another tab queued, and a `storage`
// event brings another tab's replies in (opened before they show).

export interface OutgoingMessage {
	client_id: string;
	conversation: string;
	body: string;
	internal: boolean;
	/** When it was written (ISO), for ordering and display. */
	created: string;
	/** The server refused it for good (a reason code); it stays until sent again or discarded. */
	failed?: string;
	/** Where it goes among those waiting (ms × 1000 + a counter: two replies of one millisecond keep their order). */
	order?: number;
}

export interface KeyValueLike {
	getItem(k: string): string | null;
	setItem(k: string, v: string): void;
	removeItem(k: string): void;
	readonly length: number;
	key(i: number): string | null;
}

/** Seals a stored reply (the storage key is the associated data) and opens it (null: it does not open). */
export interface Sealer {
	seal(storageKey: string, text: string): Promise<string>;
	open(storageKey: string, stored: string): Promise<string | null>;
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

let counter = 0;
const orderOf = (m: OutgoingMessage) => m.order ?? (Date.parse(m.created.replace(' ', 'T')) || 0) * 1000;
const byOrder = (a: OutgoingMessage, b: OutgoingMessage) => orderOf(a) - orderOf(b) || (a.client_id < b.client_id ? -1 : a.client_id > b.client_id ? 1 : 0);

const isReply = (m: unknown): m is OutgoingMessage => {
	const r = m as Partial<OutgoingMessage> | null;
	return !!r && typeof r === 'object' && typeof r.client_id === 'string' && typeof r.conversation === 'string' && typeof r.body === 'string';
};

function parse(text: string | null): OutgoingMessage | null {
	try {
		const m: unknown = JSON.parse(text ?? 'null');
		return isReply(m) ? m : null;
	} catch {
		return null;
	}
}

export class MessageOutbox {
	items: OutgoingMessage[] = [];
	/** Settles once the replies kept on the device are opened and in `items`. */
	readonly ready: Promise<void>;
	#flushing: Promise<void> | null = null;
	readonly #prefix: string;
	/** Sealed values opened: stored text → the reply (null: it does not open with this key). */
	#opened = new Map<string, OutgoingMessage | null>();
	/** This tab's writes not stored yet (sealing is asynchronous), by client_id; null: a removal. */
	#pending = new Map<string, OutgoingMessage | null>();
	/** Per reply, its writes in the order made. */
	#chains = new Map<string, Promise<void>>();
	#shown = '';

	constructor(
		private kv: KeyValueLike | null,
		private key: string,
		private onChange: (items: OutgoingMessage[]) => void = () => {},
		private sealer: Sealer | null = null
	) {
		this.#prefix = `${key}:`;
		this.#moveLegacy();
		this.items = this.#read();
		this.#shown = this.#signature(this.items);
		this.ready = this.refresh();
	}

	/** A list kept whole under `key` (before each reply had its own key): each reply moved to its own. */
	#moveLegacy(): void {
		let list: unknown;
		try {
			list = JSON.parse(this.kv?.getItem(this.key) ?? 'null');
		} catch {
			list = null;
		}
		if (!Array.isArray(list)) return;
		const base = Date.now() * 1000;
		const writes = list.map((m: unknown, i) => (isReply(m) ? this.#put(m.client_id, { ...m, order: m.order ?? base + i }, false) : Promise.resolve()));
		// The old list goes once every reply is stored under its own key.
		void Promise.all(writes).then(() => this.kv?.removeItem(this.key));
	}

	/** The stored keys of this outbox's replies. */
	#keys(): string[] {
		const keys: string[] = [];
		if (!this.kv) return keys;
		for (let i = 0; i < this.kv.length; i++) {
			const k = this.kv.key(i);
			if (k?.startsWith(this.#prefix)) keys.push(k);
		}
		return keys;
	}

	/** The replies stored now that this tab can read, with its own writes under way, in order. */
	#read(): OutgoingMessage[] {
		const byId = new Map<string, OutgoingMessage>();
		for (const k of this.#keys()) {
			const stored = this.kv!.getItem(k);
			const m = this.sealer ? (stored == null ? null : (this.#opened.get(stored) ?? null)) : parse(stored);
			if (m) byId.set(m.client_id, m);
		}
		for (const [id, m] of this.#pending) {
			if (m) byId.set(id, m);
			else byId.delete(id);
		}
		return [...byId.values()].sort(byOrder);
	}

	#signature(items: OutgoingMessage[]): string {
		return JSON.stringify(items.map((i) => [i.client_id, i.failed ?? '', i.body]));
	}

	/** Re-reads the stored replies and tells when the list changed. */
	#show(): void {
		this.items = this.#read();
		const sig = this.#signature(this.items);
		if (sig === this.#shown) return;
		this.#shown = sig;
		this.onChange(this.items);
	}

	/** Opens the stored replies not opened yet (another tab's, or kept from before a reload), then shows the list. */
	async refresh(): Promise<void> {
		if (this.sealer) {
			const live = new Set<string>();
			for (const k of this.#keys()) {
				const stored = this.kv!.getItem(k);
				if (stored == null) continue;
				live.add(stored);
				if (this.#opened.has(stored)) continue;
				let m: OutgoingMessage | null = null;
				try {
					m = parse(await this.sealer.open(k, stored));
				} catch {
					m = null;
				}
				this.#opened.set(stored, m);
			}
			for (const stored of this.#opened.keys()) if (!live.has(stored)) this.#opened.delete(stored);
		}
		this.#show();
	}

	/**
	 * Stores (or with null removes) one reply under its own key. Without a sealer it is stored at once;
	 * with one, it shows at once and is stored once sealed, in the order of this tab's writes. A reply
	 * that cannot be sealed (the device key not open) stays in this tab's memory and is still sent.
	 */
	#put(id: string, m: OutgoingMessage | null, show = true): Promise<void> {
		const k = this.#prefix + id;
		let done: Promise<void> = Promise.resolve();
		if (!this.kv) {
			if (m) this.#pending.set(id, m);
			else this.#pending.delete(id);
		} else if (!this.sealer) {
			if (m) this.kv.setItem(k, JSON.stringify(m));
			else this.kv.removeItem(k);
		} else {
			this.#pending.set(id, m);
			const kv = this.kv;
			const sealer = this.sealer;
			done = (this.#chains.get(id) ?? Promise.resolve())
				.then(async () => {
					if (!m) return kv.removeItem(k);
					const stored = await sealer.seal(k, JSON.stringify(m));
					this.#opened.set(stored, m);
					kv.setItem(k, stored);
				})
				.then(
					() => {
						if (this.#chains.get(id) !== done) return;
						this.#chains.delete(id);
						this.#pending.delete(id);
					},
					(err) => {
						if (this.#chains.get(id) === done) this.#chains.delete(id);
						console.warn('A waiting reply is kept in memory only:', (err as Error)?.message ?? err);
					}
				);
			this.#chains.set(id, done);
		}
		if (show) this.#show();
		return done;
	}

	/** Another tab's changes, when it tells (`storage` events of this outbox's keys); returns the way to stop. */
	listen(events: StorageEventsLike): () => void {
		const fn = (e: { key: string | null }) => {
			if (e.key !== null && !e.key.startsWith(this.#prefix)) return;
			if (this.sealer) void this.refresh();
			else this.#show();
		};
		events.addEventListener('storage', fn);
		return () => events.removeEventListener('storage', fn);
	}

	add(m: Omit<OutgoingMessage, 'client_id' | 'created'> & Partial<Pick<OutgoingMessage, 'client_id' | 'created'>>): OutgoingMessage {
		const item: OutgoingMessage = {
			client_id: m.client_id ?? newClientId(),
			created: m.created ?? new Date().toISOString(),
			conversation: m.conversation,
			body: m.body,
			internal: m.internal,
			// Written now: after everything waiting. A reply given its time goes by that time.
			order: m.created ? undefined : Date.now() * 1000 + (counter++ % 1000)
		};
		if (!this.#read().some((i) => i.client_id === item.client_id)) void this.#put(item.client_id, item);
		return item;
	}

	discard(clientId: string): void {
		void this.#put(clientId, null);
	}

	/**
	 * Messages the server acknowledged and then lost in a restore (./restore.ts), queued again with their
	 * client_id and time, in order among those waiting (the oldest goes first).
	 */
	requeue(lost: OutgoingMessage[]): void {
		const have = new Set(this.#read().map((i) => i.client_id));
		for (const m of lost) if (!have.has(m.client_id)) void this.#put(m.client_id, { ...m, order: undefined });
	}

	/** A refused message the agent sends again. */
	retry(clientId: string): void {
		const m = this.#read().find((i) => i.client_id === clientId);
		if (m) void this.#put(clientId, { ...m, failed: undefined });
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
					await this.refresh(); // another tab may have queued or sent some
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
						void this.#put(next.client_id, null);
						onSent(next, record);
					} else if (outcome.retry) {
						return;
					} else {
						void this.#put(next.client_id, { ...next, failed: outcome.reason });
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
		for (const k of this.#keys()) this.kv?.removeItem(k);
		this.kv?.removeItem(this.key);
		this.#pending.clear();
		this.#opened.clear();
		this.#show();
	}
}
