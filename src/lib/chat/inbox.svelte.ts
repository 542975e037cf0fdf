import { openLocal, sealLocal } from '../lock/sealed-local';
import type { RecordModel } from 'pocketbase';
import { pb } from '$lib/pb/client';
import { msOrZero } from '$lib/pb/time';
import type { StaffRecord } from '$lib/pb/client';
import { beep } from './beep';
import { FileToken } from './file-token.svelte';
import { MessageOutbox, type OutgoingMessage } from './outbox';
import type { ChatMessage, Conversation, ConversationStatus } from './types';
import { advance, fetchFrom, mergeMessages, readMarks, type Marks } from './watermark';
import { lostMessages, sawEpoch, watchEpoch } from './restore';

/** An event on the console's realtime topic `crm/chat` (server/chatrealtime.go). */
interface ChatEvent {
	collection: 'conversations' | 'messages';
	action: 'create' | 'update' | 'leave';
	record: RecordModel;
}

// The agent console's live state: conversations (the queue and the user's own), the messages of the
// conversations open in tabs, and the replies waiting to upload. Chats are fetched live from the
// server (list rules decide what each user sees, so a conversation another agent claims leaves the
// queue at once) and kept current by realtime events; every (re)connect refetches what was missed,
// from each open conversation's watermark (./watermark.ts: the newest message a fetch answered, never
// the device's own sends), so a shopper's message written while the agent was offline is not skipped.
// Replies go through a persistent outbox with a client_id, so a cut network loses nothing and
// a repeated send is stored once.

const RECENT_DAYS = 30;
const MESSAGES_PER_CONVERSATION = 500;
const CONVERSATION_LIMIT = 300;

const time = msOrZero;

/** The file token the console's images are shown with. */
export const fileToken = new FileToken(pb);

export function visitorName(c: Conversation | undefined): string {
	if (!c) return '';
	const rec = c as Conversation & { visitor_name?: string };
	return c.expand?.visitor?.name || rec.visitor_name || '';
}

export class Inbox {
	conversations = $state<Record<string, Conversation>>({});
	messages = $state<Record<string, ChatMessage[]>>({});
	outgoing = $state<OutgoingMessage[]>([]);
	openIds = $state<string[]>([]);
	activeId = $state<string | null>(null);
	unread = $state<Record<string, number>>({});
	loaded = $state(false);
	error = $state<string | null>(null);
	online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
	/** Changes once a second: wait times tick. */
	now = $state(Date.now());
	/** The page is in front and the inbox is on screen (then the active conversation counts as read). */
	visible = $state(false);
	/** When this device saw that the server was restored from a backup and sent its lost replies again. */
	restored = $state<number | null>(null);

	readonly outbox: MessageOutbox;
	/** Per conversation: the newest `created` a fetch answered (where the next fetch starts, less an overlap). */
	#marks: Marks = {};
	#cleanups: (() => void)[] = [];
	#started = false;
	/** Conversation events heard while a refetch was under way: applied over its (older) answer. */
	#heard = new Map<string, { action: string; record: RecordModel; seq: number }>();
	#seq = 0;
	#resyncing = 0;

	constructor(readonly user: StaffRecord) {
		// Replies waiting to go out are sealed under the device key, like the kept chats.
		const sealer = { seal: (k: string, text: string) => sealLocal(user.id, k, text), open: (k: string, stored: string) => openLocal(user.id, k, stored) };
		this.outbox = new MessageOutbox(globalThis.localStorage ?? null, `crm:chat-outbox:${user.id}`, (items) => (this.outgoing = items), sealer);
		this.outgoing = this.outbox.items;
		try {
			const saved = JSON.parse(localStorage.getItem(this.#tabsKey) ?? '{}') as { open?: string[]; active?: string | null };
			this.openIds = saved.open ?? [];
			this.activeId = saved.active ?? null;
		} catch {
			// no tabs kept
		}
	}

	get #tabsKey() {
		return `crm:inbox-tabs:${this.user.id}`;
	}

	get #cacheKey() {
		return `crm:inbox-cache:${this.user.id}`;
	}

	/** The server epochs this user's console saw (./restore.ts): apart from the sync engine's, which heals on its own. */
	get #epochKey() {
		return `crm:chat-epoch:${this.user.id}`;
	}

	/**
	 * The last answer is kept on the device, sealed under the device key: an offline start shows the
	 * chats as they were. Read before the first fetch; nothing is written over it before.
	 */
	async #restoreKept(): Promise<void> {
		try {
			const text = await openLocal(this.user.id, this.#cacheKey, localStorage.getItem(this.#cacheKey));
			const kept = JSON.parse(text ?? 'null') as { conversations: Record<string, Conversation>; messages: Record<string, ChatMessage[]>; marks?: Marks } | null;
			if (kept) {
				this.conversations = kept.conversations ?? {};
				this.messages = kept.messages ?? {};
				// Without a watermark (a cache from before them) a conversation's next fetch is a full load.
				this.#marks = readMarks(kept.marks);
			}
		} catch {
			// unreadable: start empty
		}
		this.#keptRead = true;
	}

	#keptRead = false;
	/** Sealed writes of the snapshot, one after another (the last one written wins). */
	#writing: Promise<void> = Promise.resolve();
	#saveTimer: ReturnType<typeof setTimeout> | null = null;
	/** Keeps the conversations and the open tabs' latest messages on the device (bounded). */
	#saveSnapshot(now = false): void {
		if (now) {
			if (this.#saveTimer) clearTimeout(this.#saveTimer);
			this.#saveTimer = null;
			return this.#writeSnapshot();
		}
		if (this.#saveTimer) return;
		this.#saveTimer = setTimeout(() => {
			this.#saveTimer = null;
			this.#writeSnapshot();
		}, 300);
	}

	#writeSnapshot(): void {
		if (!this.#started || !this.#keptRead) return;
		try {
			const messages: Record<string, ChatMessage[]> = {};
			const marks: Marks = {};
			for (const id of this.openIds) {
				if (this.messages[id]) messages[id] = this.messages[id].slice(-100);
				if (this.messages[id] && this.#marks[id]) marks[id] = this.#marks[id];
			}
			const text = JSON.stringify({ conversations: this.conversations, messages, marks });
			const key = this.#cacheKey;
			const write = async () => {
				try {
					const sealed = await sealLocal(this.user.id, key, text);
					// Not after sign-out (stopInbox deletes the kept chats).
					if (this.#started) localStorage.setItem(key, sealed);
				} catch (err) {
					console.warn('inbox: not kept on the device', err); // storage full: the live view still works
				}
			};
			this.#writing = this.#writing.then(write);
		} catch (err) {
			console.warn('inbox: not kept on the device', err);
		}
	}

	get queue(): Conversation[] {
		return Object.values(this.conversations)
			.filter((c) => !c.assignee && c.status !== 'resolved')
			.sort((a, b) => time(a.created) - time(b.created));
	}

	get mine(): Conversation[] {
		return Object.values(this.conversations)
			.filter((c) => c.assignee === this.user.id)
			.sort((a, b) => Number(a.status === 'resolved') - Number(b.status === 'resolved') || time(b.last_message_at || b.updated) - time(a.last_message_at || a.updated));
	}

	/** Managers and admins: everyone else's conversations that are not resolved. */
	get others(): Conversation[] {
		return Object.values(this.conversations)
			.filter((c) => c.assignee && c.assignee !== this.user.id && c.status !== 'resolved')
			.sort((a, b) => time(b.last_message_at || b.updated) - time(a.last_message_at || a.updated));
	}

	get unreadTotal(): number {
		return Object.values(this.unread).reduce((a, b) => a + b, 0);
	}

	/** The number on the Inbox tab: conversations waiting in the queue and unread visitor messages. */
	get badge(): number {
		return this.queue.length + this.unreadTotal;
	}

	/** Messages of a conversation as shown: the server's, then this device's waiting ones. */
	thread(id: string): ChatMessage[] {
		const held = this.messages[id] ?? [];
		const sentIds = new Set(held.map((m) => m.client_id));
		const waiting = this.outgoing
			.filter((o) => o.conversation === id && !sentIds.has(o.client_id))
			.map<ChatMessage>((o) => ({
				id: `local-${o.client_id}`,
				conversation: id,
				client_id: o.client_id,
				author_kind: 'agent',
				author_staff: this.user.id,
				body: o.body,
				internal: o.internal,
				created: o.created,
				pending: !o.failed,
				failed: o.failed
			}));
		return [...held, ...waiting];
	}

	start(): void {
		if (this.#started) return;
		this.#started = true;
		const tick = setInterval(() => (this.now = Date.now()), 1000);
		this.#cleanups.push(() => clearInterval(tick));
		const online = () => {
			this.online = true;
			void this.resync();
		};
		const offline = () => (this.online = false);
		// Replies queued or sent in another tab of the console.
		this.#cleanups.push(this.outbox.listen(window));
		const hide = () => this.#saveSnapshot(true);
		window.addEventListener('pagehide', hide);
		this.#cleanups.push(() => window.removeEventListener('pagehide', hide));
		window.addEventListener('online', online);
		window.addEventListener('offline', offline);
		this.#cleanups.push(() => {
			window.removeEventListener('online', online);
			window.removeEventListener('offline', offline);
		});
		// Retry waiting replies now and then (a 429 or a server restart has no event).
		const retry = setInterval(() => {
			if (this.outgoing.some((o) => !o.failed) && navigator.onLine) void this.flush();
		}, 5000);
		this.#cleanups.push(() => clearInterval(retry));
		// Realtime tells a user only about records they may still see: a conversation another agent
		// claimed (or a manager moved away) sends them nothing. A light refetch now and then drops it.
		const refresh = setInterval(() => {
			if (navigator.onLine && document.visibilityState === 'visible') void this.resync();
		}, 15_000);
		this.#cleanups.push(() => clearInterval(refresh));
		// The server restored from a backup (a new epoch on any answer of the app's client, which the sync
		// engine watches too: both wrappers chain): this agent's lost replies are sent again.
		const kv = globalThis.localStorage ?? null;
		if (kv) this.#cleanups.push(watchEpoch(pb, (epoch) => void (sawEpoch(kv, this.#epochKey, epoch) && this.#heal(Object.keys(this.messages)))));
		void this.#restoreKept().then(() => {
			if (!this.#started) return;
			void this.#subscribe();
			void this.resync();
		});
	}

	stop(): void {
		this.#cleanups.splice(0).forEach((c) => c());
		this.#started = false;
	}

	async #subscribe(): Promise<void> {
		try {
			// The server sends each chat event only to the staff it concerns (server/chatrealtime.go):
			// cheaper than PocketBase's per-client rule check of `conversations/*` and `messages/*`.
			const off = await pb.realtime.subscribe('crm/chat', (e: ChatEvent) => {
				if (e.collection === 'conversations') this.#onConversation(e.action, e.record);
				else if (e.collection === 'messages') this.#onMessage(e.action, e.record);
			});
			// The subscription is now known to the server: what changed before it (after the first
			// fetch started) would otherwise wait for the next refresh.
			void this.resync();
			// Every reconnect of the realtime stream may follow missed events.
			const offConnect = await pb.realtime.subscribe('PB_CONNECT', () => void this.resync());
			this.#cleanups.push(() => {
				void off().catch(() => undefined);
				void offConnect().catch(() => undefined);
			});
		} catch {
			// Offline at start: the online event resyncs and subscribes again.
			const again = () => {
				window.removeEventListener('online', again);
				if (this.#started) void this.#subscribe();
			};
			window.addEventListener('online', again);
			this.#cleanups.push(() => window.removeEventListener('online', again));
		}
	}

	#onConversation(action: string, r: RecordModel): void {
		const c = r as unknown as Conversation;
		if (this.#resyncing > 0) this.#heard.set(c.id, { action, record: r, seq: ++this.#seq });
		// 'leave': taken over by someone else, so this agent no longer sees it.
		if (action === 'delete' || action === 'leave' || (c as { deleted?: boolean }).deleted) {
			delete this.conversations[c.id];
			return;
		}
		const before = this.conversations[c.id];
		// An older state arriving after a newer one (a refetch racing an event) is ignored.
		if (before && c.updated && before.updated && c.updated < before.updated) return;
		// A realtime record may come without the expanded visitor: keep the one held.
		this.conversations[c.id] = { ...c, expand: c.expand?.visitor ? c.expand : before?.expand };
		// Back in sight (assigned to this user again) with its tab still open: what was written while it
		// was out of sight, or while it moved (a message's event goes to whom it was assigned to when
		// sent: server/chatrealtime.go), sent this user no event. Fetched from the watermark (issue 14).
		if (!before && this.messages[c.id]) void this.loadMessages(c.id);
		if (!before && !c.assignee && action === 'create') this.#alert(c.id, false);
	}

	#onMessage(action: string, r: RecordModel): void {
		if (action !== 'create') return;
		const m = r as unknown as ChatMessage;
		const list = this.messages[m.conversation];
		const isNew = !list?.some((x) => x.id === m.id);
		// Held, but the watermark stays: an event does not prove the messages before it were heard.
		if (list && isNew) this.messages[m.conversation] = mergeMessages(list, [m]);
		if (isNew && m.author_kind === 'visitor') this.#alert(m.conversation, true);
		if (isNew) this.#saveSnapshot();
		// A conversation the device has not heard of yet (a new one, or one just assigned): fetch it.
		if (!this.conversations[m.conversation]) void this.#fetchConversation(m.conversation);
	}

	#alert(conversationId: string, message: boolean): void {
		const looking = this.visible && document.visibilityState === 'visible' && this.activeId === conversationId;
		if (message && !looking) this.unread[conversationId] = (this.unread[conversationId] ?? 0) + 1;
		if (looking) return;
		beep();
		if (document.visibilityState !== 'visible' && globalThis.Notification?.permission === 'granted') {
			try {
				const c = this.conversations[conversationId];
				new Notification(visitorName(c) || 'Chat', { body: c?.last_message_preview ?? '', tag: `chat-${conversationId}` });
			} catch {
				// some browsers allow notifications from a service worker only
			}
		}
	}

	async #fetchConversation(id: string): Promise<void> {
		try {
			const c = await pb.collection('conversations').getOne<Conversation>(id, { expand: 'visitor', requestKey: null });
			this.conversations[id] = c;
		} catch {
			// not visible to this user
		}
	}

	#healing: Promise<void> = Promise.resolve();
	/** Conversations still to heal after a restore (a fetch failed): again on the next resync. */
	#toHeal = new Set<string>();

	/**
	 * After a restore of the server (./restore.ts): for each conversation held, the messages this agent
	 * wrote (replies and internal notes) that the server no longer has go back to the outbox with their
	 * client_id and time, the held list becomes the server's from the start (the lost ones show as
	 * waiting until sent again), and its watermark restarts from that fetch.
	 *
	 * A conversation the server lost entirely (or no longer shows this agent: the restore may predate its
	 * claim) is let go: its tab closes and its messages and watermark are forgotten, and this agent's
	 * replies in it are not sent again. The conversation was the shopper's: their widget starts a new one
	 * and sends their messages there, and it comes to the queue like any new chat, to be answered there.
	 */
	#heal(ids: string[]): Promise<void> {
		for (const id of ids) this.#toHeal.add(id);
		const run = async () => {
			for (const id of [...this.#toHeal]) {
				if (!this.#started) return;
				let server: ChatMessage[];
				try {
					await pb.collection('conversations').getOne(id, { requestKey: null });
					server = await pb.collection('messages').getFullList<ChatMessage>({ filter: pb.filter('conversation = {:id}', { id }), sort: 'created,id', requestKey: null });
				} catch (err) {
					const status = (err as { status?: number }).status ?? 0;
					if (status === 404 || status === 403) {
						this.#toHeal.delete(id);
						this.close(id);
						delete this.conversations[id];
					}
					continue; // offline or busy: again on the next resync
				}
				this.#toHeal.delete(id);
				const lost = lostMessages(this.messages[id] ?? [], server, (m) => m.author_kind === 'agent' && m.author_staff === this.user.id && !!m.body?.trim());
				this.outbox.requeue(lost.map((m) => ({ client_id: m.client_id, conversation: id, body: m.body, internal: !!m.internal, created: new Date(time(m.created)).toISOString() })));
				this.messages[id] = mergeMessages([], server);
				delete this.#marks[id];
				const mark = advance(undefined, server);
				if (mark) this.#marks[id] = mark;
			}
			this.restored = Date.now();
			this.#saveSnapshot();
			await this.flush();
		};
		this.#healing = this.#healing.then(run, run);
		return this.#healing;
	}

	/** Refetches the conversations and the open ones' messages, and uploads waiting replies. */
	async resync(): Promise<void> {
		if (!navigator.onLine) return;
		if (this.#toHeal.size) void this.#heal([]);
		const from = this.#seq;
		this.#resyncing++;
		try {
			const since = new Date(Date.now() - RECENT_DAYS * 86_400_000).toISOString().replace('T', ' ');
			const page = await pb.collection('conversations').getList<Conversation>(1, CONVERSATION_LIMIT, {
				filter: pb.filter('status != "resolved" || updated >= {:since}', { since }),
				sort: '-updated',
				expand: 'visitor',
				skipTotal: true,
				requestKey: null
			});
			const next: Record<string, Conversation> = {};
			for (const c of page.items) if (!(c as { deleted?: boolean }).deleted) next[c.id] = c;
			// Keep open tabs of older conversations the user is looking at.
			for (const id of this.openIds) if (!next[id] && this.conversations[id]?.status === 'resolved') next[id] = this.conversations[id];
			// Events heard while the answer was on its way are newer than it (a claim by someone else
			// would otherwise come back with the answer and stay until the next refresh).
			for (const [id, e] of this.#heard) {
				if (e.seq <= from) continue;
				const c = e.record as unknown as Conversation;
				if (e.action === 'delete' || e.action === 'leave' || (c as { deleted?: boolean }).deleted) delete next[id];
				else if (!next[id] || !next[id].updated || (c.updated && c.updated >= next[id].updated)) next[id] = { ...c, expand: c.expand?.visitor ? c.expand : next[id]?.expand };
			}
			this.conversations = next;
			this.error = null;
			this.loaded = true;
			this.online = true;
			// What others wrote meanwhile first, then the replies waiting on this device.
			await Promise.all(Object.keys(this.messages).map((id) => this.loadMessages(id)));
			await this.flush();
			this.#saveSnapshot();
		} catch (err) {
			const status = (err as { status?: number }).status ?? 0;
			this.error = status === 0 ? 'offline' : status === 403 ? 'forbidden' : status === 404 ? 'not_ready' : 'server';
			if (status === 0) this.online = false;
			for (const id of this.openIds) if (!this.messages[id]) this.messages[id] = [];
			this.loaded = true;
		} finally {
			if (--this.#resyncing === 0) this.#heard.clear();
		}
	}

	/**
	 * Loads (or completes after a reconnect) the messages of one conversation: the latest page the first
	 * time, then everything from the watermark less an overlap (./watermark.ts), merged by id.
	 */
	async loadMessages(id: string): Promise<void> {
		if (!navigator.onLine) return;
		try {
			const from = fetchFrom(this.#marks[id]);
			for (let pageNo = 1; pageNo <= 20; pageNo++) {
				const filter = from ? pb.filter('conversation = {:id} && created >= {:from}', { id, from }) : pb.filter('conversation = {:id}', { id });
				const page = await pb.collection('messages').getList<ChatMessage>(pageNo, MESSAGES_PER_CONVERSATION, { filter, sort: from ? 'created,id' : '-created,-id', skipTotal: true, requestKey: null });
				// Merged with what is held now: realtime may have added messages while this was loading.
				this.messages[id] = mergeMessages(this.messages[id] ?? [], page.items);
				const mark = advance(this.#marks[id], page.items);
				if (mark) this.#marks[id] = mark;
				// The first load shows the latest page; a catch-up reads on while pages are full.
				if (!from || page.items.length < MESSAGES_PER_CONVERSATION) break;
			}
			this.#saveSnapshot();
		} catch {
			if (!this.messages[id]) this.messages[id] = [];
		}
	}

	open(id: string): void {
		if (!this.openIds.includes(id)) this.openIds = [...this.openIds, id];
		this.activeId = id;
		this.unread[id] = 0;
		this.#saveTabs();
		if (!this.messages[id]) void this.loadMessages(id);
		if (!this.conversations[id]) void this.#fetchConversation(id);
	}

	close(id: string): void {
		this.openIds = this.openIds.filter((x) => x !== id);
		if (this.activeId === id) this.activeId = this.openIds.at(-1) ?? null;
		delete this.messages[id];
		delete this.#marks[id];
		this.#saveTabs();
	}

	#saveTabs(): void {
		localStorage.setItem(this.#tabsKey, JSON.stringify({ open: this.openIds, active: this.activeId }));
	}

	/** Queues a reply or internal note; it uploads now if the network allows, else when it is back. */
	send(conversation: string, body: string, internal: boolean): void {
		const text = body.trim();
		if (!text) return;
		this.outbox.add({ conversation, body: text, internal });
		void this.flush();
	}

	retry(clientId: string): void {
		this.outbox.retry(clientId);
		void this.flush();
	}

	discard(clientId: string): void {
		this.outbox.discard(clientId);
	}

	flush(): Promise<void> {
		return this.outbox.flush(
			(m) =>
				pb
					.collection('messages')
					.create<ChatMessage>({ conversation: m.conversation, client_id: m.client_id, author_kind: 'agent', author_staff: this.user.id, body: m.body, internal: m.internal }, { requestKey: null }),
			(m, record) => {
				// Shown at once, but never a watermark: others may have written before it while this
				// device was offline, and the next fetch must still ask for those.
				const rec = record as ChatMessage | null;
				const list = this.messages[m.conversation];
				if (rec?.id && list && !list.some((x) => x.id === rec.id)) this.messages[m.conversation] = mergeMessages(list, [rec]);
				else if (!rec?.id) void this.loadMessages(m.conversation);
			}
		);
	}

	async #patch(id: string, data: Partial<Conversation>): Promise<void> {
		const updated = await pb.collection('conversations').update<Conversation>(id, data, { expand: 'visitor', requestKey: null });
		this.conversations[id] = { ...updated, expand: updated.expand?.visitor ? updated.expand : this.conversations[id]?.expand };
		this.#saveSnapshot();
	}

	async claim(id: string): Promise<void> {
		try {
			await this.#patch(id, { assignee: this.user.id });
		} catch (err) {
			// Someone was quicker: the list is refetched, so it leaves the queue here too.
			void this.resync();
			throw err;
		}
		this.open(id);
	}

	/** Assign (managers: anyone, or '' for the queue) or transfer (an agent: to another agent, who then has it alone). */
	async assign(id: string, staffId: string): Promise<void> {
		if (this.user.role === 'agent' && staffId !== this.user.id) {
			// The agent loses the conversation: the answer may already be out of their sight.
			await pb
				.collection('conversations')
				.update(id, { assignee: staffId }, { requestKey: null })
				.catch((err) => {
					if ((err as { status?: number }).status !== 404) throw err;
				});
			this.close(id);
			delete this.conversations[id];
			return;
		}
		return this.#patch(id, { assignee: staffId });
	}

	setStatus(id: string, status: ConversationStatus): Promise<void> {
		return this.#patch(id, { status });
	}

	setTags(id: string, tags: string[]): Promise<void> {
		return this.#patch(id, { tags });
	}

	markRead(id: string): void {
		this.unread[id] = 0;
		const c = this.conversations[id];
		if (!c || !navigator.onLine) return;
		if (c.assignee !== this.user.id) return;
		if (time(c.agent_read_at) >= time(c.last_message_at)) return;
		void this.#patch(id, { agent_read_at: new Date().toISOString() }).catch(() => undefined);
	}

	#lastTyping = 0;
	typing(id: string): void {
		const c = this.conversations[id];
		if (!c || c.assignee !== this.user.id || !navigator.onLine || Date.now() - this.#lastTyping < 3000) return;
		this.#lastTyping = Date.now();
		void pb
			.collection('conversations')
			.update(id, { agent_typing_at: new Date().toISOString() }, { requestKey: null })
			.catch(() => undefined);
	}
}

let current: Inbox | null = null;

/** The signed-in user's inbox, started once (the nav badge and the inbox screen share it). */
export function inboxFor(user: StaffRecord): Inbox {
	if (current && current.user.id !== user.id) {
		current.stop();
		current = null;
	}
	if (!current) {
		current = new Inbox(user);
		current.start();
	}
	return current;
}

/** Sign-out: stop, and (forget) remove the kept chats, replies still waiting, open tabs and canned replies from the device. */
export function stopInbox(forget = false): void {
	current?.stop();
	current = null;
	if (forget && typeof localStorage !== 'undefined') {
		const keys = Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i) ?? '');
		for (const k of keys) if (/^crm:(chat-outbox|chat-epoch|inbox-tabs|inbox-cache|canned):/.test(k)) localStorage.removeItem(k);
	}
}

export const INBOX_ROLES = ['agent', 'manager', 'admin'];
