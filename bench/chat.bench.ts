// Live chat delivery (issue 5, docs/api/chat.md), all on one real server:
//   chat.delivery_p95_ms      1,000 widget clients (each its own visitor session and realtime SSE
//                             connection subscribed to the topic crm/chat, on which the server sends
//                             it its conversation's messages, like the widget)
//                             send a message every 10 s on average (Poisson), 50 agents (console
//                             subscription: the topic crm/chat, server/chatrealtime.go) with
//                             20 claimed conversations each reply to every visitor message at once.
//                             Latency: just before the POST to the realtime event at the counterpart's
//                             subscription, both directions, over BENCH_CHAT_SECONDS (75) after ramp-up.
//   chat.lost, chat.duplicated every message whose POST succeeded must be heard exactly once by its
//                             counterpart (visitor → its agent, agent → its visitor); lost = not heard
//                             within 30 s after the sending stopped. Heard: by its realtime event or,
//                             as in the apps, by the client's refetch from its checkpoint after its
//                             stream was ended and reconnected (events are not replayed; the server
//                             ends idle streams after 5 minutes: issue 14); the output counts both.
//   chat.sse_clients_max      connected visitor SSE clients ramped in steps (250, 500, 1000, 2000,
//                             3000, 5000, 7500, 10000; the first two locate the limit when 1000 fails): the largest
//                             step where the p95 delivery of a sending sample (100 visitors every 10 s,
//                             agents replying, 30 s) stayed under 500 ms with nothing lost; stops at
//                             the first failing step.
//   chat.server_rss_mib_1000  the server's VmRSS with 1,000 widget + 50 agent clients connected, before
//                             the load; chat.server_rss_mib_1000_load_peak the most seen under the load.
// BENCH_CHAT_TYPING=1 sends a typing notice (a conversation update) before every message, as the apps do
// while someone writes.
// The ramp runs first (each step from a quiet server), the full load last (it may leave a backlog).
// The load generator is this one Node process (raw node:http: a keep-alive agent of 512 sockets for
// the POSTs, one socket per SSE client) sharing the machine's CPUs with the server; the table shows
// the server's and the generator's CPU (% of one core). The session endpoint's per-address limit is
// lifted for the bench server (CRM_CHAT_SESSIONS_PER_MINUTE), as every client comes from 127.0.0.1.
// File descriptors: each SSE client holds a socket in this process and one in the server, so 5,000
// clients need `ulimit -n` above ~10,100 for each (printed at the start; raise it in the shell if not).
import http from 'node:http';
import { execFileSync, execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SERVER_BIN, seedStaff, startServer, type RunningServer } from '../tests/fixtures/pocketbase';
import { advance, fetchFrom } from '../src/lib/chat/watermark';

const CLIENTS = Number(process.env.BENCH_CHAT_CLIENTS ?? 1000);
const AGENTS = Number(process.env.BENCH_CHAT_AGENTS ?? 50);
const MEAN_GAP_MS = Number(process.env.BENCH_CHAT_GAP_MS ?? 10_000);
const RUN_S = Number(process.env.BENCH_CHAT_SECONDS ?? 75);
const STEPS = (process.env.BENCH_CHAT_STEPS ?? '250,500,1000,2000,3000,5000,7500,10000').split(',').map(Number);
const STEP_S = Number(process.env.BENCH_CHAT_STEP_SECONDS ?? 30);
const SAMPLE = Number(process.env.BENCH_CHAT_SAMPLE ?? 100);
const STEP_P95_MS = 500;
const DRAIN_MS = 30_000;
const TYPING = process.env.BENCH_CHAT_TYPING === '1';
let typingErrors = 0;

let base = { host: '127.0.0.1', port: 0 };
const pool = new http.Agent({ keepAlive: true, maxSockets: 512 });

/** The server the clients below talk to (run() sets it; tests/hooks/chat-reconnect.spec.ts too). */
export function useServer(url: string) {
	const u = new URL(url);
	base = { host: u.hostname, port: Number(u.port) };
}

/** A JSON request through the keep-alive pool. */
function api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> {
	const data = body === undefined ? undefined : JSON.stringify(body);
	return new Promise((ok, fail) => {
		const req = http.request(
			{
				...base,
				agent: pool,
				method,
				path,
				headers: { ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...(token ? { authorization: token } : {}) }
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (d) => (text += d));
				res.on('end', () => {
					let json: any = null;
					try {
						json = text ? JSON.parse(text) : null;
					} catch {
						json = text;
					}
					ok({ status: res.statusCode ?? 0, json });
				});
			}
		);
		req.on('error', fail);
		req.end(data);
	});
}

async function must(method: string, path: string, body?: unknown, token?: string) {
	const r = await api(method, path, body, token);
	if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
	return r.json;
}

/** Runs fn over items with at most n at a time. */
async function pmap<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
	const out: R[] = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(n, items.length) }, async () => {
			while (next < items.length) {
				const i = next++;
				out[i] = await fn(items[i], i);
			}
		})
	);
	return out;
}

/** Reconnect delays (ms), as the SDK's (its predefinedReconnectIntervals): it keeps trying. */
const RECONNECT_MS = [200, 300, 500, 1000, 1200, 1500, 2000];

/**
 * One realtime connection (GET /api/realtime, its own socket), subscribed after PB_CONNECT as the SDK does.
 * The server ends streams on its own: PocketBase after 5 minutes without an event (the ramp's idle shoppers)
 * and after 30 in any case, server/chatrealtime.go a stalled one. Like the SDK this reconnects, and like the
 * apps (src/lib/chat/inbox.svelte.ts, src/lib/chat-widget/chat.svelte.ts) every reconnect then calls
 * `resync` (once subscribed again, as the SDK calls PB_CONNECT listeners), since events sent while the
 * client was away are not replayed (issue 14: a message lost after the ramp, this client not refetching).
 */
export class Sse {
	clientId = '';
	reconnects = 0;
	/** The client's checkpoint: the newest `created` among the messages its fetches answered (as the apps). */
	mark: string | undefined;
	/** How each message (client_id) reached this client first: its event, or a fetch after a reconnect. */
	heard = new Map<string, 'event' | 'fetch'>();
	private req?: http.ClientRequest;
	private closing = false;
	private opened = 0;
	constructor(
		private token: string,
		private subs: string[],
		private onEvent: (name: string, data: string) => void,
		private resync?: () => void,
		private delays = RECONNECT_MS
	) {}

	connect(): Promise<void> {
		return new Promise((ok, fail) => {
			let settled = false;
			let live = false; // subscribed: from now on an end of the stream means reconnecting
			const failed = (e: Error) => {
				if (settled) return;
				settled = true;
				req.destroy();
				fail(e);
			};
			const req = http.get({ ...base, agent: false, path: '/api/realtime', headers: { accept: 'text/event-stream' } }, (res) => {
				if (res.statusCode !== 200) return (res.resume(), failed(new Error(`realtime: ${res.statusCode}`)));
				res.setEncoding('utf8');
				let buf = '';
				res.on('data', (chunk: string) => {
					buf += chunk;
					let end: number;
					while ((end = buf.indexOf('\n\n')) >= 0) {
						const block = buf.slice(0, end);
						buf = buf.slice(end + 2);
						let name = 'message';
						let data = '';
						for (const line of block.split('\n')) {
							if (line.startsWith('event:')) name = line.slice(6).trim();
							else if (line.startsWith('data:')) data += line.slice(5);
						}
						if (name === 'PB_CONNECT') {
							this.clientId = JSON.parse(data).clientId;
							api('POST', '/api/realtime', { clientId: this.clientId, subscriptions: this.subs }, this.token).then(
								(r) => {
									if (r.status !== 204) return failed(new Error(`subscribe: ${r.status} ${JSON.stringify(r.json)}`));
									if (settled) return;
									settled = live = true;
									ok();
									if (this.opened++ > 0) this.resync?.();
								},
								(e) => failed(e)
							);
						} else this.onEvent(name, data);
					}
				});
				res.on('close', () => {
					if (this.closing || this.req !== req) return;
					if (!live) return failed(new Error('realtime: closed before subscribing'));
					this.reconnects++;
					this.reconnect(0);
				});
			});
			req.on('error', (e) => failed(e));
			this.req = req;
		});
	}

	private reconnect(attempt: number) {
		setTimeout(
			() => {
				if (!this.closing) this.connect().catch(() => this.reconnect(attempt + 1));
			},
			this.delays[Math.min(attempt, this.delays.length - 1)]
		);
	}

	/** Ends the stream as the server or the network would (a test's cut); the client reconnects. */
	cut() {
		this.req?.socket?.destroy();
	}

	close() {
		this.closing = true;
		this.req?.destroy();
	}
}

/**
 * What the apps do after a reconnect: fetch the messages matching `filter` from the client's checkpoint
 * less the overlap (src/lib/chat/watermark.ts), page by page, and advance the checkpoint; each record goes
 * to `onMessage`. A failed fetch is tried again (the apps: at the next reconnect or refresh); false if
 * it never answered.
 */
export async function catchUp(sse: Sse, token: string, filter: string, onMessage: (rec: any) => void): Promise<boolean> {
	const PER_PAGE = 500;
	for (let attempt = 0; attempt < 10; attempt++) {
		const from = fetchFrom(sse.mark);
		const f = from ? `(${filter}) && created >= "${from}"` : filter;
		let page = 1;
		for (;;) {
			const q = new URLSearchParams({ filter: f, sort: 'created,id', perPage: String(PER_PAGE), page: String(page), skipTotal: '1' });
			const r = await api('GET', `/api/collections/messages/records?${q}`, undefined, token).catch(() => null);
			if (r?.status !== 200) break;
			for (const rec of r.json.items) onMessage(rec);
			sse.mark = advance(sse.mark, r.json.items);
			if (r.json.items.length < PER_PAGE) return true;
			page++;
		}
		await new Promise((ok) => setTimeout(ok, 1000));
	}
	return false;
}

/**
 * A message reaching a client by its event or by a fetch after a reconnect, merged by id as the apps do:
 * 'first' the first time, 'overlap' when fetched and heard both (the fetch reaches back before the
 * reconnect: not a duplicate), 'duplicate' when its event came twice.
 */
export function hear(by: Sse, clientId: string, how: 'event' | 'fetch'): 'first' | 'overlap' | 'duplicate' {
	const before = by.heard.get(clientId);
	if (before === undefined) return (by.heard.set(clientId, how), 'first');
	if (how === 'fetch') return 'overlap';
	if (before === 'fetch') return (by.heard.set(clientId, 'event'), 'overlap');
	return 'duplicate';
}

interface Sent {
	at: number;
	phase: string;
	to: Sse | null; // the counterpart subscription expected to hear it
	ok: boolean | null; // the POST's outcome (null while in flight)
	got: number;
	recovered?: boolean; // heard first by its recipient's fetch after a reconnect, not by its event
}

function pct(sorted: number[], p: number) {
	if (!sorted.length) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

const round = (x: number) => Math.round(x * 10) / 10;

function rssMiB(pid: number) {
	const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function cpuTicks(pid: number) {
	const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	return Number(f[11]) + Number(f[12]); // utime + stime, clock ticks (1/100 s)
}

export async function run() {
	console.log(`file descriptors: ulimit -n = ${execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim()} (need about 2 × ${Math.max(...STEPS, CLIENTS) + AGENTS} for client and server sockets)`);
	process.env.CRM_CHAT_SESSIONS_PER_MINUTE ??= '1000000';
	const server: RunningServer = await startServer();
	const pid = server.process.pid!;
	useServer(server.url);
	const conns: Sse[] = [];
	try {
		const { ownerToken } = await seedStaff(server.url);
		// Password sign-in is rate limited per address (15 in 15 s) and every agent here comes from one:
		// a superuser of this machine opens their sessions instead (impersonation).
		execFileSync(SERVER_BIN, ['superuser', 'upsert', 'bench@example.test', 'bench-password-1', '--dir', server.dataDir]);
		const su = await must('POST', '/api/collections/_superusers/auth-with-password', { identity: 'bench@example.test', password: 'bench-password-1' });

		// 50 agents, created by the admin, each signed in.
		const agents = await pmap(
			Array.from({ length: AGENTS }, (_, i) => i),
			8,
			async (i) => {
				const email = `bench-agent-${i}@example.test`;
				const password = `bench-agent-${i}-pw`;
				const rec = await must('POST', '/api/collections/staff/records', { email, password, passwordConfirm: password, name: `客服 ${i}`, role: 'agent' }, ownerToken);
				const auth = await must('POST', `/api/collections/staff/impersonate/${rec.id}`, { duration: 3 * 3600 }, su.token);
				return { id: rec.id as string, token: auth.token as string, sse: null as Sse | null };
			}
		);

		// Visitors: a session each (as the widget's first start); the 1,000 senders open a conversation,
		// which their agent claims (20 each).
		type V = { id: string; token: string; conv: string; agent: number; sse: Sse | null };
		const visitors: V[] = [];
		// Sessions are made when a step needs them (each costs the server a password hash).
		const ensureVisitors = async (n: number) => {
			if (visitors.length >= n) return;
			const t0 = performance.now();
			const made = await pmap(
				Array.from({ length: n - visitors.length }, (_, i) => visitors.length + i),
				32,
				async (i) => {
					const s = await must('POST', '/api/crm/chat/session', { name: `访客 ${i}`, locale: 'zh-CN' });
					return { id: s.visitor.id as string, token: s.token as string, conv: '', agent: -1, sse: null } as V;
				}
			);
			visitors.push(...made);
			console.log(`${made.length} visitor sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
		};
		await ensureVisitors(CLIENTS);
		let t = performance.now();
		const convVisitor = new Map<string, number>();
		await pmap(visitors.slice(0, CLIENTS), 32, async (v, i) => {
			const c = await must('POST', '/api/collections/conversations/records', { visitor: v.id, topic: 'pre_sale' }, v.token);
			v.conv = c.id;
			v.agent = i % AGENTS;
			convVisitor.set(c.id, i);
			await must('PATCH', `/api/collections/conversations/records/${c.id}`, { assignee: agents[v.agent].id }, agents[v.agent].token);
		});
		console.log(`${CLIENTS} conversations opened and claimed (${Math.ceil(CLIENTS / AGENTS)} per agent) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

		// Delivery bookkeeping.
		const sent = new Map<string, Sent>();
		const lat = new Map<string, number[]>();
		let phase = 'main';
		let seq = 0;
		let misdelivered = 0;
		const errorSamples: string[] = [];

		let catchUpFailures = 0;

		/** A message heard by `by` (its event, or its fetch after a reconnect); true the first time. */
		const receive = (clientId: string, by: Sse, how: 'event' | 'fetch' = 'event'): boolean => {
			const s = sent.get(clientId);
			if (!s) return false;
			if (s.to !== by) return (misdelivered++, false);
			const h = hear(by, clientId, how);
			if (h === 'overlap') return false;
			if (h === 'first' && how === 'fetch') s.recovered = true;
			if (++s.got === 1) {
				const ms = performance.now() - s.at;
				let l = lat.get(s.phase);
				if (!l) lat.set(s.phase, (l = []));
				l.push(ms);
			}
			return h === 'first';
		};

		const send = (kind: 'v' | 'a', from: string, to: Sse, conv: string) => {
			// BENCH_CHAT_TYPING=1: each message follows a typing notice, as the widget and console send one
			// (at most every 3 s) while someone writes: a conversation update through its JS checks.
			if (TYPING)
				void api('PATCH', `/api/collections/conversations/records/${conv}`, { [kind === 'v' ? 'visitor_typing_at' : 'agent_typing_at']: new Date().toISOString() }, from).then(
					(r) => {
						if (r.status !== 200) typingErrors++;
					},
					() => typingErrors++
				);
			const clientId = `${kind}${++seq}`;
			const s: Sent = { at: performance.now(), phase, to, ok: null, got: 0 };
			sent.set(clientId, s);
			api('POST', '/api/collections/messages/records', { conversation: conv, client_id: clientId, body: `bench ${kind} ${clientId} 你好，请问这个还有货吗？` }, from).then(
				(r) => {
					s.ok = r.status === 200;
					if (!s.ok) {
						if (errorSamples.length < 5) errorSamples.push(`${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
					}
				},
				(e) => {
					s.ok = false;
					if (errorSamples.length < 5) errorSamples.push(String(e));
				}
			);
		};

		// Agents' console subscriptions; they reply to every visitor message they hear.
		// As the console does (src/lib/chat/inbox.svelte.ts): the topic the server fills with the events
		// of the conversations each agent may see (server/chatrealtime.go).
		// After a reconnect the console refetches its conversations' messages from its checkpoint; here one
		// fetch covers the agent's 20 conversations.
		const consoleSubs = ['crm/chat'];
		for (const a of agents) {
			const heardVisitor = (record: any, how: 'event' | 'fetch') => {
				if (!receive(record.client_id, sse, how)) return;
				const vi = convVisitor.get(record.conversation);
				if (vi !== undefined) send('a', a.token, visitors[vi].sse!, record.conversation);
			};
			const sse: Sse = new Sse(
				a.token,
				consoleSubs,
				(name, data) => {
					if (name !== 'crm/chat') return;
					const { collection, action, record } = JSON.parse(data);
					if (collection !== 'messages' || action !== 'create' || record.author_kind !== 'visitor') return;
					heardVisitor(record, 'event');
				},
				() =>
					void catchUp(sse, a.token, `conversation.assignee = "${a.id}" && author_kind = "visitor"`, (r) => heardVisitor(r, 'fetch')).then((ok) => {
						if (!ok) catchUpFailures++;
					})
			);
			a.sse = sse;
		}
		await pmap(agents, 10, (a) => a.sse!.connect());
		conns.push(...agents.map((a) => a.sse!));

		// As the widget does (src/lib/chat-widget/chat.svelte.ts): it listens to the topic crm/chat, on
		// which the server sends it its own conversation's changes and messages (server/chatrealtime.go).
		const connectVisitors = async (from: number, to: number) => {
			await pmap(visitors.slice(from, to), 50, async (v) => {
				const sse: Sse = new Sse(
					v.token,
					['crm/chat'],
					(name, data) => {
						if (name !== 'crm/chat') return;
						const { collection, action, record } = JSON.parse(data);
						if (collection !== 'messages' || action !== 'create' || record.author_kind !== 'agent') return;
						receive(record.client_id, sse);
					},
					// The widget's resync after a reconnect: its conversation's messages from its checkpoint.
					() =>
						void catchUp(sse, v.token, `conversation = "${v.conv}" && author_kind = "agent"`, (r) => receive(r.client_id, sse, 'fetch')).then((ok) => {
							if (!ok) catchUpFailures++;
						})
				);
				v.sse = sse;
				await sse.connect();
				conns.push(sse);
			});
		};

		// Visitors sending: exponential gaps (Poisson arrivals), the first one too.
		let sending = new Set<number>();
		const timers = new Map<number, NodeJS.Timeout>();
		const gap = () => -Math.log(1 - Math.random()) * MEAN_GAP_MS;
		const startSending = (ids: number[]) => {
			sending = new Set(ids);
			for (const i of ids) {
				const tick = () => {
					if (!sending.has(i)) return;
					const v = visitors[i];
					send('v', v.token, agents[v.agent].sse!, v.conv);
					timers.set(i, setTimeout(tick, gap()));
				};
				timers.set(i, setTimeout(tick, gap()));
			}
		};
		const stopSending = () => {
			sending = new Set();
			for (const t of timers.values()) clearTimeout(t);
			timers.clear();
		};
		const outstanding = (p: string) => [...sent.values()].filter((s) => s.phase === p && s.ok !== false && s.got === 0).length;
		const drain = async (p: string) => {
			const end = Date.now() + DRAIN_MS;
			while (Date.now() < end && outstanding(p) > 0) await new Promise((r) => setTimeout(r, 250));
		};
		// Before the next step: every POST answered and every message heard (or 60 s).
		const quiet = async () => {
			const end = Date.now() + 60_000;
			while (Date.now() < end && [...sent.values()].some((s) => s.ok === null || (s.ok && s.got === 0))) await new Promise((r) => setTimeout(r, 250));
		};
		const tally = (p: string) => {
			let count = 0,
				ok = 0,
				lost = 0,
				dup = 0,
				failed = 0,
				recovered = 0;
			for (const s of sent.values()) {
				if (s.phase !== p) continue;
				count++;
				if (s.ok === false) failed++;
				else {
					ok++;
					if (s.got === 0) lost++;
					if (s.got > 1) dup += s.got - 1;
					if (s.recovered) recovered++;
				}
			}
			const l = [...(lat.get(p) ?? [])].sort((a, b) => a - b);
			// A message never heard counts at its age when the drain gave up (a lower bound).
			const now = performance.now();
			const ages = [...sent.values()].filter((s) => s.phase === p && s.ok !== false && s.got === 0).map((s) => now - s.at);
			const withLost = [...l, ...ages].sort((a, b) => a - b);
			return { count, ok, lost, dup, failed, recovered, p50: pct(withLost, 0.5), p95: pct(withLost, 0.95), p99: pct(withLost, 0.99), max: l[l.length - 1] ?? NaN };
		};

		// The periodic table: counts over the last interval.
		const header = `${'t s'.padStart(5)} ${'clients'.padStart(7)} ${'sent'.padStart(6)} ${'heard'.padStart(6)} ${'waiting'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'srv cpu%'.padStart(8)} ${'gen cpu%'.padStart(8)} ${'srv MiB'.padStart(7)}`;
		let mark = { t: performance.now(), srv: cpuTicks(pid), gen: process.cpuUsage(), lat: 0, seq: 0 };
		let rssMax = 0;
		const row = (p: string, t0: number) => {
			const now = performance.now();
			const l = lat.get(p) ?? [];
			const recent = l.slice(mark.lat).sort((a, b) => a - b);
			const dt = (now - mark.t) / 1000;
			const srv = cpuTicks(pid);
			const gen = process.cpuUsage(mark.gen);
			const rss = rssMiB(pid);
			rssMax = Math.max(rssMax, rss);
			console.log(
				`${((now - t0) / 1000).toFixed(0).padStart(5)} ${String(conns.length).padStart(7)} ${String(seq - mark.seq).padStart(6)} ${String(recent.length).padStart(6)} ${String(outstanding(p)).padStart(7)} ${pct(recent, 0.5).toFixed(0).padStart(7)} ${pct(recent, 0.95).toFixed(0).padStart(7)} ${(recent[recent.length - 1] ?? NaN).toFixed(0).padStart(7)} ${(((srv - mark.srv) / dt) | 0).toString().padStart(8)} ${(((gen.user + gen.system) / 1e4 / dt) | 0).toString().padStart(8)} ${String(rss).padStart(7)}`
			);
			mark = { t: now, srv, gen: process.cpuUsage(), lat: l.length, seq };
		};
		const window = async (p: string, seconds: number, senders: number[]) => {
			phase = p;
			mark = { t: performance.now(), srv: cpuTicks(pid), gen: process.cpuUsage(), lat: 0, seq };
			console.log(header);
			const t0 = performance.now();
			const reconnects0 = totalReconnects();
			startSending(senders);
			const every = setInterval(() => row(p, t0), 10_000);
			await new Promise((r) => setTimeout(r, seconds * 1000));
			stopSending();
			clearInterval(every);
			row(p, t0);
			await drain(p);
			return { ...tally(p), reconnects: totalReconnects() - reconnects0 };
		};
		const totalReconnects = () => conns.reduce((n, c) => n + c.reconnects, 0);

		// The ramp first (a sample sending, so that each step starts from a quiet server), then the full
		// load with 1,000 clients, which may leave the server with a backlog (it is stopped right after).
		let best = 0;
		let rssIdle1000 = NaN;
		const sample = Array.from({ length: Math.min(SAMPLE, CLIENTS) }, (_, i) => i);
		const visitorConns = () => conns.length - AGENTS;
		for (const step of STEPS) {
			t = performance.now();
			if (visitorConns() < step) {
				await ensureVisitors(step);
				await connectVisitors(visitorConns(), step);
			}
			await new Promise((r) => setTimeout(r, 2000));
			if (step === CLIENTS) rssIdle1000 = rssMiB(pid);
			console.log(
				`\n-- ramp: ${step} visitor SSE clients (connected in ${((performance.now() - t) / 1000).toFixed(1)} s, server RSS ${rssMiB(pid)} MiB), ${sample.length} of them sending every ${MEAN_GAP_MS / 1000} s on average, agents replying, ${STEP_S} s --`
			);
			const r = await window(`step${step}`, STEP_S, sample);
			const passed = r.p95 < STEP_P95_MS && r.lost === 0 && r.failed === 0;
			console.log(
				`step ${step}: ${r.count} sent, p50 ${round(r.p50)} ms, p95 ${round(r.p95)} ms, lost ${r.lost}, failed ${r.failed}, duplicated ${r.dup}; SSE reconnects ${r.reconnects}, heard by the refetch after one ${r.recovered} → ${passed ? 'ok' : 'FAILED'}`
			);
			if (!passed) break;
			best = step;
		}
		// Back to 1,000 connected widgets for the full load.
		await quiet();
		if (visitorConns() > CLIENTS) {
			for (const v of visitors.slice(CLIENTS)) {
				if (!v.sse) continue;
				v.sse.close();
				conns.splice(conns.indexOf(v.sse), 1);
				v.sse = null;
			}
		} else if (visitorConns() < CLIENTS) await connectVisitors(visitorConns(), CLIENTS);
		await new Promise((r) => setTimeout(r, 2000));
		if (Number.isNaN(rssIdle1000)) rssIdle1000 = rssMiB(pid);
		console.log(`\n${visitorConns()} visitor + ${AGENTS} agent SSE clients connected; server RSS ${rssIdle1000} MiB before the load`);

		console.log(`\n-- full load: ${CLIENTS} clients sending every ${MEAN_GAP_MS / 1000} s on average, agents replying, ${RUN_S} s --`);
		rssMax = 0;
		const main = await window(
			'main',
			RUN_S,
			visitors.slice(0, CLIENTS).map((_, i) => i)
		);
		const rssPeak = rssMax;
		console.log(
			`full load: ${main.count} sent (${main.failed} POSTs failed), ${main.ok - main.lost} heard; p50 ${round(main.p50)} ms, p95 ${round(main.p95)} ms, p99 ${round(main.p99)} ms, max heard ${round(main.max)} ms; not heard within ${DRAIN_MS / 1000} s after sending stopped (lost) ${main.lost}, duplicated ${main.dup}, misdelivered ${misdelivered}; SSE reconnects ${main.reconnects}, heard by the refetch after one ${main.recovered}; server RSS peak ${rssPeak} MiB`
		);
		if (main.lost) console.log(`(the percentiles count each unheard message at its age when the drain gave up: a lower bound)`);
		if (errorSamples.length) console.log(`failed POSTs, e.g.: ${errorSamples.join(' | ')}`);
		console.log(
			`SSE reconnects during the run: ${totalReconnects()} (each followed by a refetch from the client's checkpoint, as the apps do; ${catchUpFailures} refetches never answered); misdelivered events: ${misdelivered}${TYPING ? `; typing notices refused or failed: ${typingErrors}` : ''}`
		);

		return {
			'chat.delivery_p95_ms': { value: round(main.p95), unit: 'ms', target: 150 },
			'chat.lost': { value: main.lost, unit: 'msgs', target: 0 },
			'chat.duplicated': { value: main.dup, unit: 'msgs', target: 0 },
			'chat.sse_clients_max': { value: best, unit: 'clients', target: null },
			'chat.server_rss_mib_1000': { value: rssIdle1000, unit: 'MiB', target: null },
			'chat.server_rss_mib_1000_load_peak': { value: rssPeak, unit: 'MiB', target: null }
		};
	} finally {
		for (const c of conns) c.close();
		pool.destroy();
		await server.stop();
	}
}
