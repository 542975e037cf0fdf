// The shopper's side of the live chat (docs/api/chat.md): the visitor session, the conversation, its
// messages over realtime, and an outbox that sends what was written offline exactly once (client_id).
import PocketBase, { BaseAuthStore, ClientResponseError, type RecordModel } from 'pocketbase';
import { clientId, merge, msOrZero } from './text';
import { advanceWidgetMark, isStale, refetchFrom, sendOutcome } from './sync';
import type { ChatContact } from '$lib/shared/chat-contact';
import type { HoursRule } from './hours';
import { newRecordId } from '$lib/db/ids';
import { FileToken } from '$lib/chat/file-token.svelte';
import type { Topic } from '$lib/chat/types';
import { lostMessages, requeue, sawEpoch, watchEpoch } from '$lib/chat/restore';

/** Kept in the iframe's own storage (the CRM origin), apart from any staff session on this origin. */
const VISITOR_KEY = 'crm_chat_visitor';
const OUTBOX_KEY = 'crm_chat_outbox';
const AUTH_KEY = 'crm_chat_auth';
/**
 * Visitors the shop identified on this device, by the shop's customer id: `{ [customer_id]: { id, secret } }`.
 * The server resumes such a visitor only with that customer's signed identity, so what is kept here opens
 * nothing for the next shopper; it lets a shopper who signs in again get their own chats back.
 */
const KNOWN_KEY = 'crm_chat_known';
/** A campaign's chat messages handed to this visitor (the server hands each over once). */
const CAMPAIGN_KEY = 'crm_chat_campaign';
/** How long a campaign's message stays in the widget. */
const CAMPAIGN_KEPT_MS = 14 * 86_400_000;
/** The server epochs a visitor saw on this device (`${EPOCH_KEY}:${visitor}`), to tell a restore of the server ($lib/chat/restore). */
const EPOCH_KEY = 'crm_chat_epoch';

/** A campaign's message for this shopper (server: pb_hooks/lib/campaign-chat.js), shown from the shop. */
export interface CampaignMessage {
	delivery: string;
	campaign: string;
	body: string;
	/** When this device got it (ms). */
	at: number;
	seen: boolean;
}
/** How long the widget waits for the shop page's first word on who the shopper is (static/chat.js answers at once). */
export const HELLO_WAIT_MS = 1500;
const TYPING_EVERY = 3000;
const TYPING_SHOWN = 6000;

export { TOPICS, type Topic } from '$lib/chat/types';

export interface Identity {
	customer_id: string;
	/** seconds since 1970 */
	ts: number;
	sig: string;
}

export interface ChatConfig {
	open: boolean;
	hours?: string;
	schedule?: HoursRule[];
	timezone?: string;
	tz_offset_minutes?: number;
	message_zh?: string;
	message_en?: string;
}

export interface Message extends RecordModel {
	conversation: string;
	client_id: string;
	author_kind: 'visitor' | 'agent' | 'system';
	body: string;
	attachments: string[];
	created: string;
}

export interface Conversation extends RecordModel {
	topic: Topic;
	status: 'open' | 'pending' | 'resolved';
	rating: number;
	visitor_read_at: string;
	agent_read_at: string;
	agent_typing_at: string;
	after_hours: boolean;
	first_response_at: string;
	contact: ChatContact | null;
}

/** A message written on this device and not yet confirmed by the server. */
export interface Outgoing {
	client_id: string;
	/** Empty while the conversation itself waits to be created (chosen offline). */
	conversation: string;
	topic: Topic;
	body: string;
	at: number;
	/** Images stay in memory only: a reload keeps the text of a message, not its pictures. */
	files?: File[];
	/** How many images it had (kept across reloads, to know one that lost them). */
	images?: number;
	error?: string;
	/** Left after hours: how to reach the shopper, sent with the new conversation. */
	contact?: ChatContact;
	/** The id the new conversation gets (chosen here, so a create whose answer was lost is not made twice). */
	conversation_id?: string;
	/** The visitor who wrote it: another visitor on this device (a sign-out, another shopper) never sends it. */
	visitor?: string;
}

interface SavedVisitor {
	id: string;
	secret: string;
	/** The shop's customer id the visitor is linked to ('' = anonymous). */
	external_id?: string;
}

const sameIdentity = (a: Identity | null, b: Identity | null) => (a?.customer_id ?? '') === (b?.customer_id ?? '');

/**
 * The iframe's localStorage, or memory when the browser refuses it (third-party storage blocked):
 * then the chat still works, but a reload starts a new visitor and drops what waited to be sent.
 */
const memory = new Map<string, string>();
export const store = {
	get(key: string): string | null {
		try {
			return localStorage.getItem(key);
		} catch {
			return memory.get(key) ?? null;
		}
	},
	set(key: string, value: string): void {
		try {
			localStorage.setItem(key, value);
		} catch {
			memory.set(key, value);
		}
	},
	remove(key: string): void {
		try {
			localStorage.removeItem(key);
		} catch {
			// refused: memory only
		}
		memory.delete(key);
	}
};

/** The visitor's token under its own key, never the staff session's (both live on the CRM origin). */
class VisitorAuthStore extends BaseAuthStore {
	constructor() {
		super();
		try {
			const saved = JSON.parse(store.get(AUTH_KEY) ?? 'null');
			if (saved?.token) super.save(saved.token, saved.record);
		} catch {
			// nothing kept
		}
	}
	save(token: string, record: RecordModel | null): void {
		super.save(token, record);
		store.set(AUTH_KEY, JSON.stringify({ token, record }));
	}
	clear(): void {
		super.clear();
		store.remove(AUTH_KEY);
	}
}

function readJson<T>(key: string, fallback: T): T {
	try {
		const raw = store.get(key);
		return raw ? (JSON.parse(raw) as T) : fallback;
	} catch {
		return fallback;
	}
}

/** Only a blocked visitor gets 403 from the chat's session, conversation and message writes. */
const isBlocked = (e: unknown) => e instanceof ClientResponseError && e.status === 403;
const isNetwork = (e: unknown) => e instanceof ClientResponseError && (e.status === 0 || e.isAbort);

export class ChatWidget {
	readonly pb: PocketBase;
	/** The file token images are shown with: fetched with the session, again when an image fails. */
	readonly files: FileToken;
	/** 'blocked': the shop blocked this visitor (403); the widget says so and starts no new visitor. */
	phase = $state<'connecting' | 'error' | 'ready' | 'blocked'>('connecting');
	online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
	config = $state<ChatConfig | null>(null);
	conversation = $state<Conversation | null>(null);
	messages = $state<Message[]>([]);
	outbox = $state<Outgoing[]>([]);
	/** The topic chosen while no conversation exists yet (the conversation is created with the first message). */
	topic = $state<Topic | null>(null);
	visible = $state(true);
	now = $state(Date.now());
	rateLimited = $state(false);
	rated = $state(false);
	/** When the widget saw that the server was restored from a backup and sent the shopper's lost messages again. */
	restored = $state<number | null>(null);
	/** Campaign messages for the current visitor, newest last. */
	campaignMessages = $state<CampaignMessage[]>([]);
	onUnread: (n: number) => void = () => {};
	/** A new campaign message arrived while the chat is closed: the shop page shows a teaser. */
	onTeaser: (text: string) => void = () => {};

	#flushing = false;
	#lastTyping = 0;
	#readSent = 0;
	#timers: ReturnType<typeof setInterval>[] = [];
	#retry: ReturnType<typeof setTimeout> | undefined;
	#backoff = 0;
	#again = false;
	#listening = false;
	#identity: Identity | null = null;
	/** The identity the current session was asked with. */
	#sessionIdentity: Identity | null = null;
	/** Whose campaign messages are kept (CAMPAIGN_KEY). */
	#campaignVisitor = '';
	#identifying: Promise<void> = Promise.resolve();
	#locale: string;
	/**
	 * The newest `created` among fetched messages: refetches start 10 s before it. Own sends (the POST's
	 * answer) never move it, nor do realtime events: after a reconnect the SDK hands the new connection's
	 * events over before the PB_CONNECT callback's fetch, which would then skip what came during the cut.
	 */
	#watermark = '';
	#reauthAt = 0;
	/** The conversation whose record this widget listens to, and how to stop. */
	#watching: string | null = null;
	#unwatch: (() => Promise<void>) | null = null;
	#fetching: Promise<void> | null = null;
	#fetchAgain = false;
	/** A new server epoch was seen: the shopper's lost messages are still to be sent again (#heal). */
	#healPending = false;
	#healing: Promise<void> | null = null;
	#unwatchEpoch: () => void;

	constructor(origin: string, locale: string) {
		this.pb = new PocketBase(origin, new VisitorAuthStore());
		this.files = new FileToken(this.pb);
		this.pb.autoCancellation(false);
		this.#unwatchEpoch = watchEpoch(this.pb, (epoch) => this.#sawEpoch(epoch));
		this.#locale = locale;
		// A message of images only, whose images a reload took away, has nothing left to send.
		this.outbox = readJson<Outgoing[]>(OUTBOX_KEY, []).filter((o) => o.body || !o.images);
	}

	/** The shop identified the shopper (a customer of theirs): a message left after hours needs no contact. */
	get identified(): boolean {
		return !!this.pb.authStore.record?.customer;
	}

	/** Messages from the agent the shopper has not seen yet. */
	get unread(): number {
		const seen = msOrZero(this.conversation?.visitor_read_at);
		return this.messages.filter((m) => m.author_kind !== 'visitor' && msOrZero(m.created) > seen).length + this.campaignMessages.filter((m) => !m.seen).length;
	}

	// Derived, not a getter: it reads the 1-second clock, and what depends on it (the list's scroll)
	// should run when it flips, not every second.
	agentTyping = $derived.by((): boolean => {
		const at = msOrZero(this.conversation?.agent_typing_at);
		if (!at || this.now - at >= TYPING_SHOWN || this.conversation?.status === 'resolved') return false;
		// What they were typing has arrived.
		const said = this.messages.findLast((m) => m.author_kind === 'agent');
		return !said || msOrZero(said.created) < at;
	});

	/** The conversation is resolved and waits for the shopper's rating. */
	get wantsRating(): boolean {
		return this.conversation?.status === 'resolved' && !this.conversation.rating && !this.rated;
	}

	async start(identity: Identity | null): Promise<void> {
		this.#identity = identity;
		this.phase = 'connecting';
		addEventListener('online', this.#onOnline);
		addEventListener('offline', this.#onOffline);
		addEventListener('storage', this.#onStorage);
		document.addEventListener('visibilitychange', this.#onVisibility);
		this.#timers.push(setInterval(() => (this.now = Date.now()), 1000));
		// File tokens last a few minutes; images shown later need a fresh one.
		await this.#open();
	}

	async #open(): Promise<void> {
		this.phase = 'connecting';
		try {
			if (await this.#session()) await this.#switched();
			this.config = await this.pb.send<ChatConfig>('/api/crm/chat/config', {});
			await this.#listen();
			await this.#connect();
			this.phase = 'ready';
			if (this.#healPending) void this.#heal();
			// The shop said who the shopper is (or that they signed out) while this session was being made.
			if (!sameIdentity(this.#sessionIdentity, this.#identity)) void this.identify(this.#identity);
			void this.flush();
		} catch (e) {
			if (isBlocked(e)) return void (this.phase = 'blocked');
			console.warn('[chat] start failed', e);
			this.phase = 'error';
			// Opened without a network (or the server was away): again once the device is back online.
			if (isNetwork(e)) addEventListener('online', () => void this.#open(), { once: true });
		}
	}

	/** The realtime connection (PB_CONNECT resyncs every (re)connect), made with the current visitor's token. */
	async #listen(): Promise<void> {
		if (this.#listening) return;
		await this.pb.realtime.subscribe('PB_CONNECT', () => this.#resync());
		this.#listening = true;
	}

	/**
	 * Another visitor now: nothing of the previous one's stays on screen, and the realtime connection
	 * is dropped altogether (PocketBase refuses, 403, a realtime client whose auth changes), so the next
	 * subscription opens a new one with the new token.
	 */
	async #switched(): Promise<void> {
		this.startNew();
		this.#unwatch = null;
		this.#watching = null;
		if (this.#listening) {
			this.#listening = false;
			await this.pb.realtime.unsubscribe().catch(() => undefined);
		}
	}

	/** The "try again" button. */
	retry(): void {
		if (this.phase === 'error') void this.#open();
	}

	/**
	 * The visitor's latest conversation, and the realtime subscription to it (again after the visitor
	 * changed). The widget listens to the topic crm/chat, on which the server sends each visitor the
	 * changes of their own conversation and its messages, and nothing else (not messages/* or
	 * conversations/*, which PocketBase checks against every connected shopper for each event: the
	 * chat benchmark, docs/api/chat.md).
	 */
	async #connect(): Promise<void> {
		const previous = this.#unwatch;
		this.#unwatch = null;
		this.#watching = null;
		await previous?.().catch(() => undefined);
		await this.#loadConversation();
		// A message that came between the first fetch and the subscription.
		if (this.conversation) await this.#resync();
	}

	/** Listens to conversation `id` (once per id): its changes and its new messages. */
	async #watch(id: string): Promise<void> {
		if (this.#watching === id) return;
		this.#watching = id;
		const previous = this.#unwatch;
		this.#unwatch = null;
		await previous?.().catch(() => undefined);
		try {
			// The server sends a visitor their own conversation's changes and its messages themselves
			// (server/chatrealtime.go); a reconnect fetches what came meanwhile (#resync).
			const unwatch = await this.pb.realtime.subscribe('crm/chat', (e: { collection: string; record: RecordModel }) => {
				const c = this.conversation;
				if (!c) return;
				if (e.collection === 'conversations' && e.record.id === c.id) this.#setConversation(e.record as unknown as Conversation);
				else if (e.collection === 'messages' && e.record.conversation === c.id) this.#receive([e.record as unknown as Message]);
			});
			if (this.#watching === id) {
				this.#unwatch = unwatch;
				// Subscribed only now: a message stored after the last fetch and before this (a new
				// conversation's first reply, or one during #connect's resync, which does not wait for this)
				// sent no event here, and no reconnect may come to fetch it (issue 14).
				void this.#fetchNew();
			} else await unwatch().catch(() => undefined);
		} catch (e) {
			this.#watching = null; // subscribed again on the next (re)connect
			if (!isNetwork(e)) console.warn('[chat] subscribe failed', e);
		}
	}

	/** The messages after the last one held (one fetch at a time; a change during it fetches again). */
	async #fetchNew(): Promise<void> {
		if (this.#fetching) {
			this.#fetchAgain = true;
			return this.#fetching;
		}
		const run = async () => {
			do {
				this.#fetchAgain = false;
				const c = this.conversation;
				if (!c) return;
				// From shortly before the newest message fetched (own sends do not count: an agent's reply made
				// just before one may not have been heard yet); merging drops what is already held.
				const from = refetchFrom(this.#watermark);
				const filter = from ? this.pb.filter('conversation = {:c} && created >= {:at}', { c: c.id, at: from }) : this.pb.filter('conversation = {:c}', { c: c.id });
				try {
					this.#receive(await this.pb.collection('messages').getFullList<Message>({ filter, sort: 'created,id' }), true);
				} catch (e) {
					if (!isNetwork(e)) console.warn('[chat] fetching new messages failed', e);
					return;
				}
			} while (this.#fetchAgain);
		};
		this.#fetching = run().finally(() => (this.#fetching = null));
		return this.#fetching;
	}

	stop(): void {
		removeEventListener('online', this.#onOnline);
		removeEventListener('offline', this.#onOffline);
		removeEventListener('storage', this.#onStorage);
		document.removeEventListener('visibilitychange', this.#onVisibility);
		for (const t of this.#timers) clearInterval(t);
		clearTimeout(this.#retry);
		this.#unwatch?.().catch(() => undefined);
		this.#unwatchEpoch();
		this.pb.realtime.unsubscribe().catch(() => undefined);
	}

	/** The epoch of a server answer, remembered per visitor: a new one means the server was restored. */
	#sawEpoch(epoch: string): void {
		const me = this.pb.authStore.record?.id;
		if (!me || !sawEpoch({ getItem: store.get, setItem: store.set }, `${EPOCH_KEY}:${me}`, epoch)) return;
		this.#healPending = true;
		if (this.phase === 'ready') void this.#heal();
	}

	/**
	 * After a restore of the server ($lib/chat/restore): the shopper's own messages held here that the
	 * server no longer has go back to the outbox (same client_id, oldest first, before what waited), the
	 * messages shown become the server's from the start, and the watermark restarts from that fetch.
	 * A conversation the server lost entirely is left as when it is gone: a new one is started (its id
	 * chosen here, with the old one's topic and contact) and the held messages and those that waited go
	 * there. Images are not kept on the device: a lost message of images only is not sent again.
	 */
	#heal(): Promise<void> {
		if (this.#healing) return this.#healing;
		const run = async () => {
			this.#healPending = false;
			const c = this.conversation;
			const me = this.pb.authStore.record?.id;
			if (c && me) {
				let server: Message[] | null = null;
				try {
					await this.pb.collection('conversations').getOne(c.id);
					server = await this.pb.collection('messages').getFullList<Message>({ filter: this.pb.filter('conversation = {:c}', { c: c.id }), sort: 'created,id' });
				} catch (e) {
					if (!(e instanceof ClientResponseError) || e.status !== 404) {
						this.#healPending = true; // offline or busy: again on the next start or online
						return;
					}
				}
				if (this.conversation?.id !== c.id) return;
				const lost = lostMessages(this.messages, server ?? [], (m) => m.author_kind === 'visitor' && !!m.body.trim());
				const again = lost.map<Outgoing>((m) => ({ client_id: m.client_id, conversation: c.id, topic: c.topic, body: m.body, at: msOrZero(m.created), visitor: me }));
				if (server) {
					this.messages = merge([], server);
					this.#watermark = advanceWidgetMark('', server);
					this.#saveOutbox(requeue(this.outbox, again, (o) => o.at));
				} else {
					const id = newRecordId();
					const moved = (o: Outgoing): Outgoing => ({ ...o, conversation: '', conversation_id: id, topic: c.topic, ...(c.contact ? { contact: c.contact } : {}) });
					this.startNew();
					this.#saveOutbox(
						requeue(
							this.outbox.map((o) => (o.conversation === c.id || !o.conversation ? moved(o) : o)),
							again.map(moved),
							(o) => o.at
						)
					);
				}
				this.restored = Date.now();
			}
			void this.flush();
		};
		this.#healing = run().finally(() => (this.#healing = null));
		return this.#healing;
	}

	/**
	 * The shop signed the shopper in (or out: null). Signed in: the same visitor, now linked to that
	 * customer, or the visitor this customer had on this device; a different customer than the one this
	 * visitor belongs to gets a visitor (and conversations) of their own. Signed out after being identified:
	 * the visitor, its token and what waited to be sent are forgotten here, and a new anonymous visitor starts.
	 */
	identify(identity: Identity | null): Promise<void> {
		this.#identity = identity;
		const run = () => this.#applyIdentity();
		this.#identifying = this.#identifying.then(run, run);
		return this.#identifying;
	}

	async #applyIdentity(): Promise<void> {
		// Not connected yet: #open asks with the latest identity, and checks again once ready.
		if (this.phase !== 'ready') return;
		const identity = this.#identity;
		const me = this.pb.authStore.record;
		const linked = (me?.external_id as string | undefined) ?? '';
		if (!identity ? !linked : linked === identity.customer_id && sameIdentity(this.#sessionIdentity, identity)) return;
		try {
			if (!identity) this.#forget();
			if (await this.#session()) {
				await this.#switched();
				await this.#listen();
			}
			await this.#connect();
			void this.flush();
		} catch (e) {
			if (isBlocked(e)) this.phase = 'blocked';
			else console.warn('[chat] identify failed', e);
		}
	}

	/** Signed out: this device forgets the visitor as the current one, its token and its outbox. */
	#forget(): void {
		store.remove(VISITOR_KEY);
		this.pb.authStore.clear();
		this.#saveOutbox([]);
		this.startNew();
	}

	/** A session for the visitor kept here (or the one the identified customer had here); true when the visitor changed. */
	async #session(): Promise<boolean> {
		const before = this.pb.authStore.record;
		const identity = this.#identity;
		const known = readJson<Record<string, SavedVisitor>>(KNOWN_KEY, {});
		const current = readJson<SavedVisitor | null>(VISITOR_KEY, null);
		const saved = (identity && known[identity.customer_id]) || current;
		const ask = (body: Record<string, unknown>) =>
			this.pb.send<{ token: string; visitor: RecordModel; secret?: string; proactive?: { delivery: string; campaign: string; body: string }[] }>('/api/crm/chat/session', { method: 'POST', body });
		const base: Record<string, unknown> = { locale: this.#locale };
		if (identity) base.identity = identity;
		let res;
		try {
			res = await ask(saved ? { ...base, visitor_id: saved.id, secret: saved.secret } : base);
		} catch (e) {
			// The visitor kept here is unknown to the server (or its secret is wrong): start as a new one.
			// A blocked visitor (403) stays this visitor: a new one would undo the block.
			if (!saved || !(e instanceof ClientResponseError) || e.status < 400 || e.status >= 500 || e.status === 429 || isBlocked(e)) throw e;
			if (saved === current) store.remove(VISITOR_KEY);
			else if (identity) delete known[identity.customer_id];
			res = await ask(base);
		}
		const secret = res.secret ?? (saved?.id === res.visitor.id ? saved.secret : '');
		const mine: SavedVisitor = { id: res.visitor.id, secret, external_id: (res.visitor.external_id as string) || '' };
		// The identified visitor this device had before stays known by its customer (useless without their identity).
		const previousExt = current?.external_id || (before?.id === current?.id ? (before?.external_id as string | undefined) : '') || '';
		if (current && previousExt && current.id !== mine.id && !known[previousExt]) known[previousExt] = { id: current.id, secret: current.secret };
		if (mine.external_id && secret) known[mine.external_id] = { id: mine.id, secret };
		store.set(KNOWN_KEY, JSON.stringify(known));
		store.set(VISITOR_KEY, JSON.stringify(mine));
		this.#sessionIdentity = identity;
		this.pb.authStore.save(res.token, res.visitor);
		const changed = before?.id !== res.visitor.id;
		this.#takeCampaignMessages(res.visitor.id, res.proactive ?? []);
		// Kept on this device: now the server counts them delivered (an answer lost before this line
		// offers them again at the next visit, and the kept list takes each delivery once).
		const offered = (res.proactive ?? []).map((p) => p.delivery).filter((d) => typeof d === 'string');
		if (offered.length) void this.pb.send('/api/crm/chat/campaign-received', { method: 'POST', body: { deliveries: offered.slice(0, 20) } }).catch(() => undefined);
		// What another visitor wrote on this device is not this one's to send.
		if (changed) this.#saveOutbox(this.outbox.filter((o) => o.visitor === res.visitor.id || (!before && !o.visitor)));
		await this.files.ensure();
		return changed;
	}

	async #loadConversation(): Promise<void> {
		const list = await this.pb.collection('conversations').getList<Conversation>(1, 1, { sort: '-created' });
		const last = list.items[0];
		// A rated, resolved conversation is over: the shopper starts a new one with a topic.
		if (last && !(last.status === 'resolved' && last.rating > 0)) {
			this.#setConversation(last);
			this.messages = await this.pb.collection('messages').getFullList<Message>({
				filter: this.pb.filter('conversation = {:c}', { c: last.id }),
				sort: 'created,id'
			});
			this.#watermark = advanceWidgetMark('', this.messages);
			this.#dropConfirmed();
			this.#reportUnread();
		}
	}

	#setConversation(c: Conversation): void {
		// An older state arriving after a newer one (a fetch and a realtime event crossed) is ignored, and
		// so is a conversation of another visitor: an answer asked for before identify() switched visitor.
		if (isStale(this.conversation, c)) return;
		const me = this.pb.authStore.record?.id;
		if (me && c.visitor && c.visitor !== me) return;
		const changed = c.id !== this.conversation?.id;
		this.conversation = c;
		void this.#watch(c.id);
		if (changed) {
			this.topic = null;
			// Messages written before the conversation existed belong to it now.
			if (this.outbox.some((o) => !o.conversation)) this.#saveOutbox(this.outbox.map((o) => (o.conversation ? o : { ...o, conversation: c.id })));
		}
		this.#reportUnread();
	}

	/** Every (re)connect: what arrived while away, then what waits to be sent. */
	async #resync(): Promise<void> {
		if (this.#healPending) return this.#heal();
		const c = this.conversation;
		if (c) {
			try {
				this.#setConversation(await this.pb.collection('conversations').getOne<Conversation>(c.id));
				await this.#fetchNew();
			} catch (e) {
				if (!isNetwork(e)) console.warn('[chat] resync failed', e);
			}
		}
		void this.flush();
	}

	/** Messages of the conversation; `fetched`: a list answer from the server (moves the watermark). */
	#receive(records: Message[], fetched = false): void {
		const c = this.conversation;
		const mine = records.filter((m) => !c || m.conversation === c.id);
		if (!mine.length) return;
		if (fetched) this.#watermark = advanceWidgetMark(this.#watermark, mine);
		this.messages = merge(this.messages, mine);
		this.#dropConfirmed();
		if (this.visible) void this.markRead();
		this.#reportUnread();
	}

	#dropConfirmed(): void {
		const have = new Set(this.messages.map((m) => m.client_id));
		if (this.outbox.some((o) => have.has(o.client_id))) this.#saveOutbox(this.outbox.filter((o) => !have.has(o.client_id)));
	}

	#reportUnread(): void {
		this.onUnread(this.visible ? 0 : this.unread);
	}

	chooseTopic(topic: Topic): void {
		this.topic = topic;
	}

	/** Writes a message: it waits in the outbox (kept on the device) until the server has it. */
	send(body: string, files: File[] = []): void {
		const text = body.trim();
		if (!text && !files.length) return;
		const open = this.#current();
		const item: Outgoing = {
			client_id: clientId(),
			conversation: open?.id ?? '',
			topic: this.conversation?.topic ?? this.topic ?? 'other',
			body: text,
			at: Date.now(),
			visitor: this.pb.authStore.record?.id
		};
		// The new conversation's id is chosen here: a create whose answer was lost, or two tabs sending at
		// once, give one conversation (the server answers a create with a known id with the stored one).
		if (!open) item.conversation_id = this.#newConversationId();
		if (files.length) Object.assign(item, { files, images: files.length });
		this.#saveOutbox([...this.outbox, item]);
		void this.flush();
	}

	/**
	 * A message left after hours, with how to reach the shopper: it opens a conversation (id chosen here)
	 * through the same outbox as any message, so it is sent once, also after being written offline.
	 */
	leaveMessage(topic: Topic, body: string, contact: ChatContact): void {
		const text = body.trim();
		if (!text) return;
		this.topic = topic;
		const open = this.#current();
		const item: Outgoing = { client_id: clientId(), conversation: open?.id ?? '', topic, body: text, at: Date.now(), visitor: this.pb.authStore.record?.id };
		if (!open) Object.assign(item, { contact, conversation_id: this.#newConversationId() });
		this.#saveOutbox([...this.outbox, item]);
		void this.flush();
	}

	/** The id for the conversation the waiting messages open: the one already chosen for them, else a new one. */
	#newConversationId(): string {
		return this.outbox.find((o) => !o.conversation && o.conversation_id)?.conversation_id ?? newRecordId();
	}

	/** Sends what waits, oldest first, one at a time; a resend of the same client_id is answered with the first. */
	async flush(): Promise<void> {
		if (this.phase !== 'ready') return;
		// A message written while a flush runs is sent by another pass right after it.
		if (this.#flushing) return void (this.#again = true);
		this.#flushing = true;
		try {
			for (const item of [...this.outbox]) {
				if (!navigator.onLine) break;
				if (item.error) continue;
				try {
					const conversation = item.conversation || (await this.#ensureConversation(item));
					const data = new FormData();
					data.append('conversation', conversation);
					data.append('client_id', item.client_id);
					data.append('author_kind', 'visitor');
					data.append('body', item.body);
					for (const f of item.files ?? []) data.append('attachments', f);
					const rec = await this.pb.collection('messages').create<Message>(data);
					this.rateLimited = false;
					this.#backoff = 0;
					this.#receive([rec]);
					this.#saveOutbox(this.outbox.filter((o) => o.client_id !== item.client_id));
				} catch (e) {
					const outcome = e instanceof ClientResponseError ? sendOutcome(e.status, e.response?.data, e.isAbort) : 'failed';
					// Not answered (the server may have it: the same client_id again is answered with the first),
					// busy or refusing for now: again later, waiting longer each time; 'online' and a realtime
					// reconnect try at once.
					if (outcome === 'retry') {
						this.rateLimited = e instanceof ClientResponseError && e.status === 429;
						this.#later(this.rateLimited ? 10_000 : 0);
						break;
					}
					if (outcome === 'blocked') {
						this.phase = 'blocked';
						break;
					}
					// Another tab sent the same message at the same moment: the server has it.
					if (outcome === 'stored') {
						this.#saveOutbox(this.outbox.filter((o) => o.client_id !== item.client_id));
						void this.#fetchNew();
						continue;
					}
					// The token expired: a new session (the same visitor), then the outbox again.
					if (outcome === 'reauth' && Date.now() - this.#reauthAt > 30_000) {
						this.#reauthAt = Date.now();
						try {
							if (await this.#session()) {
								await this.#switched();
								await this.#listen();
								await this.#connect();
							}
							this.#again = true;
						} catch (e2) {
							if (isBlocked(e2)) this.phase = 'blocked';
							else this.#later(0);
						}
						break;
					}
					const reason = e instanceof ClientResponseError ? firstError(e) : String(e);
					this.#saveOutbox(this.outbox.map((o) => (o.client_id === item.client_id ? { ...o, error: reason } : o)));
				}
			}
		} finally {
			this.#flushing = false;
			if (this.#again) {
				this.#again = false;
				void this.flush();
			}
		}
	}

	#later(atLeast: number): void {
		this.#backoff = Math.min(30_000, Math.max(2_000, this.#backoff * 2));
		clearTimeout(this.#retry);
		this.#retry = setTimeout(() => void this.flush(), Math.max(atLeast, this.#backoff));
	}

	/** The open conversation, created now when the shopper has none (with the topic they chose). */
	async #ensureConversation({ topic, contact, conversation_id: id }: Outgoing): Promise<string> {
		const open = this.#current();
		if (open) return open.id;
		const visitor = this.pb.authStore.record?.id;
		const c = await this.pb.collection('conversations').create<Conversation>({ id, visitor, topic, status: 'open', channel: 'web', contact });
		this.messages = [];
		this.#watermark = '';
		this.#setConversation(c);
		return c.id;
	}

	/** The conversation a new message goes to: not one resolved and rated (a resolved one without a rating reopens). */
	#current(): Conversation | null {
		const c = this.conversation;
		return c && !(c.status === 'resolved' && (c.rating > 0 || this.rated)) ? c : null;
	}

	discard(id: string): void {
		this.#saveOutbox(this.outbox.filter((o) => o.client_id !== id));
	}

	#saveOutbox(items: Outgoing[]): void {
		this.outbox = items;
		// Images stay in memory only: a reload keeps the text of a message, not its pictures.
		const kept = items.map(({ files, ...rest }) => rest);
		try {
			store.set(OUTBOX_KEY, JSON.stringify(kept));
		} catch {
			// storage full: the outbox lives on in memory
		}
	}

	/** The shopper is typing: the agent hears of it at most every 3 s. */
	typing(): void {
		const c = this.conversation;
		if (!c || !this.online || Date.now() - this.#lastTyping < TYPING_EVERY) return;
		this.#lastTyping = Date.now();
		this.pb
			.collection('conversations')
			.update(c.id, { visitor_typing_at: new Date().toISOString() })
			.catch(() => undefined);
	}

	/** The shopper has seen everything shown: a read receipt for the agent. */
	async markRead(): Promise<void> {
		const c = this.conversation;
		if (!c || !this.visible || !this.online || document.visibilityState !== 'visible') return;
		const last = this.messages.filter((m) => m.author_kind !== 'visitor').at(-1);
		if (!last || msOrZero(last.created) <= Math.max(msOrZero(c.visitor_read_at), this.#readSent)) return;
		this.#readSent = msOrZero(last.created);
		try {
			const at = new Date(Math.max(Date.now(), msOrZero(last.created))).toISOString();
			this.#setConversation(await this.pb.collection('conversations').update<Conversation>(c.id, { visitor_read_at: at }));
		} catch {
			this.#readSent = 0;
		}
	}

	setVisible(v: boolean): void {
		this.visible = v;
		if (v) {
			void this.markRead();
			if (this.campaignMessages.some((m) => !m.seen)) this.#saveCampaignMessages(this.campaignMessages.map((m) => ({ ...m, seen: true })));
		}
		this.#reportUnread();
	}

	/** The visitor's kept campaign messages plus those the session just handed over (each once, by delivery). */
	#takeCampaignMessages(visitor: string, fresh: { delivery: string; campaign: string; body: string }[]): void {
		const kept = readJson<{ visitor?: string; items?: CampaignMessage[] }>(CAMPAIGN_KEY, {});
		const now = Date.now();
		const items = (kept.visitor === visitor ? (kept.items ?? []) : []).filter((m) => now - m.at < CAMPAIGN_KEPT_MS);
		const added = fresh.filter((f) => typeof f.body === 'string' && f.body && !items.some((m) => m.delivery === f.delivery));
		for (const f of added) items.push({ delivery: f.delivery, campaign: f.campaign, body: f.body, at: now, seen: this.visible });
		this.#campaignVisitor = visitor;
		this.#saveCampaignMessages(items);
		// Every page view while one is unseen: the page may have been left before it showed the last one.
		const unseen = items.filter((m) => !m.seen);
		if (unseen.length && !this.visible) this.onTeaser(unseen[unseen.length - 1].body);
	}

	#saveCampaignMessages(items: CampaignMessage[]): void {
		this.campaignMessages = items;
		store.set(CAMPAIGN_KEY, JSON.stringify({ visitor: this.#campaignVisitor, items }));
		this.#reportUnread();
	}

	/** The shopper closes a campaign's message. */
	dismissCampaignMessage(delivery: string): void {
		this.#saveCampaignMessages(this.campaignMessages.filter((m) => m.delivery !== delivery));
	}

	async rate(rating: number, comment: string): Promise<void> {
		const c = this.conversation;
		if (!c) return;
		this.#setConversation(await this.pb.collection('conversations').update<Conversation>(c.id, { rating, rating_comment: comment.trim() }));
		this.rated = true;
	}

	/** After a resolved conversation: back to the topic choice. */
	startNew(): void {
		this.conversation = null;
		this.messages = [];
		this.#watermark = '';
		this.topic = null;
		this.rated = false;
	}

	#onOnline = () => {
		this.online = true;
		if (this.#healPending && this.phase === 'ready') void this.#heal();
		void this.files.ensure();
		void this.#resync();
	};
	#onOffline = () => (this.online = false);
	#onVisibility = () => void this.markRead();
	#onStorage = (e: StorageEvent) => {
		// Another tab of the shop sent (or wrote) something: the same outbox here.
		if (e.key === OUTBOX_KEY) {
			const files = new Map(this.outbox.filter((o) => o.files).map((o) => [o.client_id, o.files]));
			this.outbox = readJson<Outgoing[]>(OUTBOX_KEY, []).map((o) => (files.has(o.client_id) ? { ...o, files: files.get(o.client_id) } : o));
		}
	};
}

function firstError(e: ClientResponseError): string {
	const data = (e.response?.data ?? {}) as Record<string, { message?: string }>;
	for (const v of Object.values(data)) if (v?.message) return v.message;
	return e.response?.message || e.message;
}
