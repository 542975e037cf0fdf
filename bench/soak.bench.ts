// 24-hour stability, compressed: a shop's day of mixed load on one server at the same time, for
// CRM_SOAK_MINUTES (default 30; longer when asked), sampled every 10 s:
//   - ingestion: a steady BENCH_SOAK_EVENTS_PER_S (2,000) events/s through POST /api/crm/events (a
//     server key, batches every 100 ms, at most 500 each), 3× for 10 s every 2 minutes; every event
//     has its own id; a failed batch is sent again (the API keeps an id once)
//   - chat: BENCH_SOAK_SHOPPERS (1,000) widget clients (a visitor session, a conversation claimed by
//     its agent, one realtime SSE connection on the topic crm/chat) each sending a message every
//     BENCH_SOAK_CHAT_GAP_MS (60 s) on average (Poisson; the visitor limit is 20 a minute), and
//     BENCH_SOAK_AGENTS (50) console clients replying to every message at once. As in
//     bench/chat.bench.ts: raw node:http, a keep-alive pool for the POSTs, one socket per SSE client.
//     PocketBase ends a realtime connection after 30 minutes (5 when idle): the client reconnects and
//     fetches what came meanwhile, as the widget and the console do (counted as resynced).
//   - BENCH_SOAK_DEVICES (20) syncing devices, two per sales rep, editing their rep's customers with
//     POST /api/crm/sync/customers/push (base states; a conflict takes the server's state and pushes the
//     edit once more) and pulling by seq every 5 s
//   - reads: BENCH_SOAK_READS_PER_S (4) of the dashboard (stats overview, funnel, trends over 30 days)
//     and the campaign's results, as a manager
//   - a campaign: BENCH_SOAK_RECIPIENTS (3,000) customers with e-mail (9 in 10 consenting), a static
//     segment, a broadcast by e-mail published at the start and sent through Mailpit during the soak (its
//     e-mail rate set so that sending takes about 60 % of the run)
//   - the server's scheduled statistics refresh (every 10 minutes) on, as in production.
// Metrics:
//   soak.minutes            the run's length (target 30: a shorter run is a development run, not the soak)
//   soak.rss_growth_pct     server VmRSS at the end (median of the last 3 samples) over its level after
//                           5 minutes (median of the samples within 10 s of it) (target ≤ 10)
//   soak.rss_slope_mb_per_h least-squares slope of the server's RSS over the last half of the run; the
//                           run fails when it rises by more than 10 % of the level an hour
//   soak.p95_drift_pct      chat delivery and API (reads and pushes) p95 in the last 5 minutes over the
//                           first 5 after the 1-minute warm-up, the larger of the two (target ≤ 20); the
//                           last window starts at the same point of the 2-minute burst cycle as the first
//                           (the very end in a 30-minute run), so both hold the same bursts
//   soak.errors             non-2xx answers other than sync conflicts, failed requests, exceptions (0)
//   soak.lost               acknowledged events not stored + acknowledged device edits not on the server
//                           + chat messages not heard + e-mails marked sent but not in Mailpit (0)
//   soak.doubled            events stored more than once or acknowledged as duplicates + chat messages
//                           heard twice (0)
//   chat.lost               the chat part of soak.lost, from this run (target 0)
//   soak.events_per_s, soak.rss_mb_end, soak.agent_rss_mb_end, and the load actually used.
// Short runs (development: CRM_SOAK_MINUTES=4) scale the windows: warm-up max(20 s, 1 min × m/30),
// windows max(30 s, 5 min × m/30). Every sample is kept in .bench/soak-samples.json.
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { startWorld, type CampaignWorld } from '../tests/hooks/campaign-helpers';
import { fill } from './campaigns.bench';
import { shopCatalog } from '../tests/fixtures/shop-events';
import { CUSTOMER_FIELDS } from '../src/lib/shared/customer-fields';

const MINUTES = Number(process.env.CRM_SOAK_MINUTES ?? 30);
const EVENTS_PER_S = Number(process.env.BENCH_SOAK_EVENTS_PER_S ?? 2000);
const SHOPPERS = Number(process.env.BENCH_SOAK_SHOPPERS ?? 1000);
const AGENTS = Number(process.env.BENCH_SOAK_AGENTS ?? 50);
const DEVICES = Number(process.env.BENCH_SOAK_DEVICES ?? 20);
const READS_PER_S = Number(process.env.BENCH_SOAK_READS_PER_S ?? 4);
const RECIPIENTS = Number(process.env.BENCH_SOAK_RECIPIENTS ?? 3000);
const CHAT_GAP_MS = Number(process.env.BENCH_SOAK_CHAT_GAP_MS ?? 60_000);

const DURATION_S = MINUTES * 60;
const SCALE = Math.min(1, MINUTES / 30);
const WARM_S = Math.max(20, 60 * SCALE);
const WINDOW_S = Math.max(30, 300 * SCALE);
const SAMPLE_S = 10;
const BURST_EVERY_S = 120;
const BURST_S = 10;
const BURST_AT_S = 50; // within each 2 minutes: [50 s, 60 s)
const TICK_MS = 100;
const BATCH_MAX = 500;
const INGEST_INFLIGHT = 12;
const DEVICE_EDIT_GAP_MS = 3000;
const DEVICE_PULL_MS = 5000;
const CUSTOMERS_PER_REP = 50;
const DRAIN_MS = 30_000;
const TOKEN_S = Math.ceil((MINUTES + 60) * 60);

let base = { host: '127.0.0.1', port: 0 };
const pool = new http.Agent({ keepAlive: true, maxSockets: 256 });
const ingestPool = new http.Agent({ keepAlive: true, maxSockets: INGEST_INFLIGHT });

// ------------------------------------------------------------------------------------------------
// Errors: everything that is not a 2xx (or a sync conflict, which is a 200 with conflicts).

let errors = 0;
const errorKinds = new Map<string, number>();
const errorSamples: string[] = [];
function error(kind: string, detail: string) {
	errors++;
	errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
	if (errorSamples.length < 25) errorSamples.push(`${kind}: ${detail.slice(0, 240)}`);
}

interface Answer {
	status: number;
	json: any;
	ms: number;
}

/** A JSON request through a keep-alive pool (status 0: the request failed). */
function api(method: string, path: string, body?: unknown, token?: string, agent: http.Agent = pool): Promise<Answer> {
	const data = body === undefined ? undefined : JSON.stringify(body);
	const t = performance.now();
	return new Promise((ok) => {
		const req = http.request(
			{
				...base,
				agent,
				method,
				path,
				timeout: 120_000,
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
					ok({ status: res.statusCode ?? 0, json, ms: performance.now() - t });
				});
				res.on('error', (e) => ok({ status: 0, json: String(e), ms: performance.now() - t }));
			}
		);
		req.on('timeout', () => req.destroy(new Error('timed out after 120 s')));
		req.on('error', (e) => ok({ status: 0, json: String(e), ms: performance.now() - t }));
		req.end(data);
	});
}

async function must(method: string, path: string, body?: unknown, token?: string) {
	const r = await api(method, path, body, token);
	if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gap = (mean: number) => -Math.log(1 - Math.random()) * mean;
const round = (x: number) => Math.round(x * 10) / 10;
function pct(sorted: number[], p: number) {
	if (!sorted.length) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}
const p95 = (xs: number[]) =>
	pct(
		[...xs].sort((a, b) => a - b),
		0.95
	);
const median = (xs: number[]) =>
	pct(
		[...xs].sort((a, b) => a - b),
		0.5
	);
/** PocketBase's datetime text, for filters. */
const pbTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ');

// ------------------------------------------------------------------------------------------------
// The server's processes.

function rssMiB(pid: number | undefined) {
	if (!pid) return NaN;
	try {
		const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Math.round(Number(m[1]) / 1024) : NaN;
	} catch {
		return NaN; // gone
	}
}

function cpuTicks(pid: number) {
	try {
		const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
		return Number(f[11]) + Number(f[12]); // utime + stime, clock ticks (1/100 s)
	} catch {
		return NaN;
	}
}

/** The server's child `crm-server backup-agent` (it may be restarted, so looked up at every sample). */
function backupAgentPid(pid: number): number | undefined {
	const kids: number[] = [];
	try {
		for (const task of readdirSync(`/proc/${pid}/task`)) {
			const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
			if (text) kids.push(...text.split(/\s+/).map(Number));
		}
	} catch {
		try {
			kids.push(
				...execFileSync('pgrep', ['-P', String(pid)])
					.toString()
					.trim()
					.split(/\s+/)
					.map(Number)
			);
		} catch {
			// none
		}
	}
	for (const k of kids) {
		try {
			if (readFileSync(`/proc/${k}/cmdline`, 'utf8').split('\0').includes('backup-agent')) return k;
		} catch {
			// gone
		}
	}
	return undefined;
}

// ------------------------------------------------------------------------------------------------
// Realtime: one SSE connection per client (its own socket), subscribed after PB_CONNECT as the SDK does
// (bench/chat.bench.ts); after a cut it reconnects and then fetches what came meanwhile, as the apps do.

class Sse {
	clientId = '';
	reconnects = 0;
	private req?: http.ClientRequest;
	private closing = false;
	private cutAt = 0;
	constructor(
		private token: string,
		private subs: string[],
		private onEvent: (name: string, data: string) => void,
		private onResync: (since: number) => Promise<void>
	) {}

	connect(): Promise<void> {
		return new Promise((ok, fail) => {
			let settled = false;
			const done = (e?: Error) => {
				if (settled) return;
				settled = true;
				if (e) fail(e);
				else ok();
			};
			const req = http.get({ ...base, agent: false, path: '/api/realtime', headers: { accept: 'text/event-stream' } }, (res) => {
				if (res.statusCode !== 200) {
					res.resume();
					return done(new Error(`realtime: ${res.statusCode}`));
				}
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
							api('POST', '/api/realtime', { clientId: this.clientId, subscriptions: this.subs }, this.token).then((r) => {
								if (r.status !== 204) return done(new Error(`subscribe: ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`));
								done();
							});
						} else {
							try {
								this.onEvent(name, data);
							} catch (e) {
								error('sse_event', String(e));
							}
						}
					}
				});
				res.on('close', () => {
					if (this.closing) return;
					if (!settled) return done(new Error('realtime: closed before subscribing'));
					this.cutAt = Date.now();
					this.reconnects++;
					void this.reconnect(200);
				});
			});
			req.on('error', (e) => done(e));
			this.req = req;
		});
	}

	/** Connects again (retrying) and fetches what was sent since a little before the cut. */
	private async reconnect(wait: number) {
		await sleep(wait);
		if (this.closing) return;
		try {
			await this.connect();
		} catch (e) {
			error('sse_reconnect', String(e));
			return void this.reconnect(Math.min(5000, wait * 2));
		}
		await this.onResync(this.cutAt - 10_000).catch((e) => error('sse_resync', String(e)));
	}

	close() {
		this.closing = true;
		this.req?.destroy();
	}
}

// ------------------------------------------------------------------------------------------------

interface Sent {
	at: number;
	to: Sse;
	ok: boolean | null; // the POST's outcome (null while in flight)
	got: number;
	heardAt: number;
}

interface Sample {
	t: number;
	events_per_s: number;
	events_backlog: number;
	rss_server_mb: number;
	rss_agent_mb: number;
	agent_pid: number | null;
	chat_p95_ms: number;
	chat_heard: number;
	api_p95_ms: number;
	api_n: number;
	errors: number;
	conflicts: number;
	server_cpu_pct: number;
	generator_cpu_pct: number;
	emails_sent: number;
	sse_reconnects: number;
}

export async function run() {
	const short = MINUTES < 30;
	console.log(
		`soak: ${MINUTES} min${short ? ' (SHORT development run: the soak is ≥ 30 min)' : ''}; warm-up ${WARM_S} s, windows ${WINDOW_S} s; ${EVENTS_PER_S} events/s (3× for ${BURST_S} s every ${BURST_EVERY_S} s), ${SHOPPERS} shoppers + ${AGENTS} agents, ${DEVICES} devices, ${READS_PER_S} reads/s, ${RECIPIENTS} campaign recipients`
	);
	const world: CampaignWorld = await startWorld({
		CRM_CHAT_SESSIONS_PER_MINUTE: '1000000',
		// The scheduled statistics refresh (off in tests) runs as in production.
		CRM_STATS_REFRESH_CRON: '*/10 * * * *'
	});
	const server = world.server;
	const pid = server.process.pid!;
	base = { host: '127.0.0.1', port: server.port };
	const conns: Sse[] = [];
	const stoppers: (() => void)[] = [];
	try {
		const su = world.su.authStore.token;
		const admin = world.pb.admin.authStore.token;
		// Long sessions (impersonation by this machine's superuser: password sign-in is limited per address).
		const session = async (id: string) => (await must('POST', `/api/collections/staff/impersonate/${id}`, { duration: TOKEN_S }, su)).token as string;
		const manager = await session(world.staff.manager.id);
		const ownerToken = await session(world.staff.owner.id);
		const ingestKey = await must('POST', '/api/crm/shop-sources', { name: 'soak shop', kind: 'server', rate_limit: 10_000_000 }, admin);

		// --- The campaign's audience, segment and draft (published when the soak starts).
		let t = performance.now();
		const audience = await fill(server, manager, ownerToken, RECIPIENTS, 'k');
		const consenting = audience.filter((c) => c.marketing_consent).length;
		const sendSpanS = Math.max(30, DURATION_S * 0.6);
		const emailRate = Math.max(1, Math.min(5000, Math.ceil(consenting / sendSpanS)));
		await must(
			'PUT',
			'/api/crm/settings/campaigns',
			{
				email: { enabled: true, host: '127.0.0.1', port: world.mail.smtpPort, username: '', tls: false, sender_name: '小满优选', sender_address: 'shop@example.test' },
				rates: { email_per_second: emailRate, sms_per_second: 50 }
			},
			admin
		);
		const segment = { id: 'soaksegmentall1', name: 'soak audience', kind: 'static', members: audience.map((c) => c.id), owner: world.staff.manager.id, shared: true };
		await must('POST', '/api/crm/sync/segments/push', { rows: [{ doc: segment, base: null }] }, manager);
		const campaign = {
			id: 'soakcampaign001',
			name: '全天活动',
			kind: 'broadcast',
			state: 'draft',
			owner: world.staff.manager.id,
			channels: ['email'],
			audience: { segment: segment.id, holdout_pct: 10 },
			content: { email: { subject: '{{name}}，今日上新', body: '{{name}} 您好，今日上新：https://shop.example/new' } },
			schedule: { quiet_from: '00:00', quiet_to: '00:00' }
		};
		const pushed = await must('POST', '/api/crm/sync/campaigns/push', { rows: [{ doc: campaign, base: null }] }, manager);
		if (pushed.rejected.length || pushed.conflicts.length) throw new Error(`campaign draft: ${JSON.stringify(pushed)}`);
		console.log(`campaign audience of ${RECIPIENTS} (${consenting} consenting) ready in ${((performance.now() - t) / 1000).toFixed(1)} s; e-mail rate ${emailRate}/s`);

		// --- Devices: two per sales rep, each rep with its own customers.
		t = performance.now();
		const reps = await pmap(
			Array.from({ length: Math.ceil(DEVICES / 2) }, (_, i) => i),
			4,
			async (i) => {
				const email = `soak-rep-${i}@example.test`;
				const password = `soak-rep-${i}-pw`;
				const rec = await must('POST', '/api/collections/staff/records', { email, password, passwordConfirm: password, name: `销售 ${i}`, role: 'sales' }, admin);
				const token = await session(rec.id);
				const ids = Array.from({ length: CUSTOMERS_PER_REP }, (_, k) => `soakr${String(i).padStart(3, '0')}c${String(k).padStart(6, '0')}`);
				const res = await must('POST', '/api/crm/sync/customers/push', { rows: ids.map((id, k) => ({ doc: { id, name: `门店客户 ${i}-${k}`, owner: rec.id, notes: 'init' }, base: null })) }, token);
				if (res.rejected.length || res.conflicts.length) throw new Error(`rep customers: ${JSON.stringify(res).slice(0, 300)}`);
				return { id: rec.id as string, token, ids };
			}
		);
		console.log(`${reps.length} sales reps with ${CUSTOMERS_PER_REP} customers each in ${((performance.now() - t) / 1000).toFixed(1)} s`);

		// --- Chat: agents, visitor sessions, conversations claimed by their agents.
		t = performance.now();
		const agents = await pmap(
			Array.from({ length: AGENTS }, (_, i) => i),
			8,
			async (i) => {
				const email = `soak-agent-${i}@example.test`;
				const password = `soak-agent-${i}-pw`;
				const rec = await must('POST', '/api/collections/staff/records', { email, password, passwordConfirm: password, name: `客服 ${i}`, role: 'agent' }, admin);
				return { id: rec.id as string, token: await session(rec.id), sse: null as Sse | null };
			}
		);
		type V = { id: string; token: string; conv: string; agent: number; sse: Sse | null };
		const visitors: V[] = await pmap(
			Array.from({ length: SHOPPERS }, (_, i) => i),
			32,
			async (i) => {
				const s = await must('POST', '/api/crm/chat/session', { name: `访客 ${i}`, locale: 'zh-CN' });
				return { id: s.visitor.id as string, token: s.token as string, conv: '', agent: -1, sse: null };
			}
		);
		const convVisitor = new Map<string, number>();
		await pmap(visitors, 32, async (v, i) => {
			const c = await must('POST', '/api/collections/conversations/records', { visitor: v.id, topic: 'pre_sale' }, v.token);
			v.conv = c.id;
			v.agent = i % AGENTS;
			convVisitor.set(c.id, i);
			await must('PATCH', `/api/collections/conversations/records/${c.id}`, { assignee: agents[v.agent].id }, agents[v.agent].token);
		});
		console.log(`${SHOPPERS} visitor sessions and conversations claimed by ${AGENTS} agents in ${((performance.now() - t) / 1000).toFixed(1)} s`);

		// Chat bookkeeping (as bench/chat.bench.ts): every message whose POST succeeded must be heard
		// once by its counterpart's subscription.
		let t0 = performance.now(); // the soak's start (set again when it starts)
		const sent = new Map<string, Sent>();
		let chatSeq = 0;
		let chatSending = true;
		let misdelivered = 0;
		let resynced = 0;
		const chatDone = { count: 0, ok: 0, heard: 0, dup: 0 }; // tallies of entries pruned from `sent`
		let chatLat: number[] = []; // this sample's delivery times
		const chatLatAll: { t: number; ms: number }[] = [];
		const heard = (clientId: string, by: Sse, via: 'realtime' | 'resync') => {
			const s = sent.get(clientId);
			if (!s) return;
			if (s.to !== by) return void misdelivered++;
			if (via === 'resync' && s.got > 0) return; // a resync fetches what was heard already too
			if (++s.got === 1) {
				if (via === 'resync') resynced++;
				s.heardAt = performance.now();
				const ms = s.heardAt - s.at;
				chatLat.push(ms);
				chatLatAll.push({ t: (s.heardAt - t0) / 1000, ms });
			}
		};
		const resync = (sse: Sse, token: string, kind: 'agent' | 'visitor') => async (since: number) => {
			for (let page = 1; ; page++) {
				const filter = encodeURIComponent(`author_kind = "${kind}" && created >= "${pbTime(since)}"`);
				const r = await api('GET', `/api/collections/messages/records?filter=${filter}&sort=created&perPage=500&page=${page}&skipTotal=1`, undefined, token);
				if (r.status !== 200) return void error('chat_resync', `${r.status} ${JSON.stringify(r.json)}`);
				for (const m of r.json.items) heard(m.client_id, sse, 'resync');
				if (r.json.items.length < 500) return;
			}
		};
		const send = (kind: 'v' | 'a', from: string, to: Sse, conv: string) => {
			const clientId = `${kind}${++chatSeq}`;
			const s: Sent = { at: performance.now(), to, ok: null, got: 0, heardAt: 0 };
			sent.set(clientId, s);
			api('POST', '/api/collections/messages/records', { conversation: conv, client_id: clientId, body: `soak ${kind} ${clientId} 你好，请问这个还有货吗？` }, from).then((r) => {
				s.ok = r.status === 200;
				if (!s.ok) error(`chat_send_${kind}`, `${r.status} ${JSON.stringify(r.json)}`);
			});
		};
		for (const a of agents) {
			const sse: Sse = new Sse(
				a.token,
				['crm/chat'],
				(name, data) => {
					if (name !== 'crm/chat') return;
					const { collection, action, record } = JSON.parse(data);
					if (collection !== 'messages' || action !== 'create' || record.author_kind !== 'visitor') return;
					heard(record.client_id, sse, 'realtime');
					const vi = convVisitor.get(record.conversation);
					if (vi !== undefined && chatSending) send('a', a.token, visitors[vi].sse!, record.conversation);
				},
				(since) => resync(sse, a.token, 'visitor')(since)
			);
			a.sse = sse;
		}
		await pmap(agents, 10, (a) => a.sse!.connect());
		conns.push(...agents.map((a) => a.sse!));
		await pmap(visitors, 50, async (v) => {
			const sse: Sse = new Sse(
				v.token,
				['crm/chat'],
				(name, data) => {
					if (name !== 'crm/chat') return;
					const { collection, action, record } = JSON.parse(data);
					if (collection !== 'messages' || action !== 'create' || record.author_kind !== 'agent') return;
					heard(record.client_id, sse, 'realtime');
				},
				(since) => resync(sse, v.token, 'agent')(since)
			);
			v.sse = sse;
			await sse.connect();
			conns.push(sse);
		});
		console.log(`${conns.length} SSE clients connected; server RSS ${rssMiB(pid)} MiB`);

		// ==========================================================================================
		// The soak.
		let running = true;
		t0 = performance.now();
		const elapsed = () => (performance.now() - t0) / 1000;
		let apiLat: number[] = [];
		const apiLatAll: { t: number; ms: number }[] = [];
		const apiTime = (ms: number) => {
			apiLat.push(ms);
			apiLatAll.push({ t: elapsed(), ms });
		};

		// The campaign goes out.
		const published = await must('POST', `/api/crm/campaigns/${campaign.id}/publish`, undefined, manager);
		console.log(`campaign published: ${JSON.stringify(published.counts)}`);

		// --- Ingestion.
		const catalog = shopCatalog();
		let eventSeq = 0;
		let eventsAcked = 0; // accepted (new) events
		let eventsDupAcked = 0; // answered as duplicates on their first send: doubled
		let eventsResentDup = 0; // duplicates of a resent batch (an earlier try had stored them): fine
		let eventsAckedSample = 0;
		let ingestRetries = 0;
		let ingestShortfall = 0; // events not generated because the server fell behind (backlog over 10 s)
		const queue: { events: unknown[]; tries: number }[] = [];
		let queued = 0;
		let inflight = 0;
		const makeEvent = (now: number) => {
			const i = eventSeq++;
			const id = `sk-${i}`;
			const r = Math.random();
			const who = Math.random() < 0.3 ? { customer_id: audience[(i * 7919) % audience.length].external_id } : { anonymous_id: `a-${(i * 104729) % 50_000}` };
			const p = catalog[i % catalog.length];
			if (r < 0.5) return { id, type: 'page_view', time: now, ...who, url: `https://shop.example/p/${p.id}` };
			if (r < 0.78) return { id, type: 'product_view', time: now, ...who, product_id: p.id, sku: p.sku, category: p.category, price: p.price };
			if (r < 0.86) return { id, type: 'add_to_cart', time: now, ...who, product_id: p.id, sku: p.sku, category: p.category, price: p.price, quantity: 1 };
			if (r < 0.9) return { id, type: 'search', time: now, ...who, query: p.category };
			if (r < 0.94) return { id, type: 'checkout_start', time: now, ...who };
			if (r < 0.96)
				return { id, type: 'purchase', time: now, ...who, order_id: `o-${id}`, total: p.price, items: [{ product_id: p.id, sku: p.sku, category: p.category, price: p.price, quantity: 1 }] };
			if (r < 0.961) return { id, type: 'identify', time: now, anonymous_id: `a-${(i * 104729) % 50_000}`, customer_id: `n-${i}`, traits: { name: `新客 ${i}` } };
			return { id, type: 'page_view', time: now, ...who, url: 'https://shop.example/' };
		};
		const pump = () => {
			while (running && inflight < INGEST_INFLIGHT && queue.length) {
				const b = queue.shift()!;
				inflight++;
				void api('POST', '/api/crm/events', b.events, `Bearer ${ingestKey.key}`, ingestPool).then((r) => {
					inflight--;
					if (r.status === 200 && !r.json.rejected?.length) {
						queued -= b.events.length;
						eventsAcked += r.json.accepted;
						eventsAckedSample += r.json.accepted;
						if (b.tries === 0) eventsDupAcked += r.json.duplicates;
						else eventsResentDup += r.json.duplicates;
					} else {
						error('ingest', `${r.status} ${JSON.stringify(r.json)}`);
						if (r.status === 200)
							queued -= b.events.length; // refused events: not sent again
						else if (b.tries < 5) {
							// The API keeps an id once: the same batch is sent again.
							ingestRetries++;
							b.tries++;
							setTimeout(() => (queue.unshift(b), pump()), 1000);
						} else queued -= b.events.length;
					}
					pump();
				});
			}
		};
		const ingestTimer = setInterval(() => {
			const s = elapsed();
			const burst = s % BURST_EVERY_S >= BURST_AT_S && s % BURST_EVERY_S < BURST_AT_S + BURST_S;
			const n = Math.round((EVENTS_PER_S * (burst ? 3 : 1) * TICK_MS) / 1000);
			if (queued > EVENTS_PER_S * 10) {
				ingestShortfall += n;
				return;
			}
			const now = Date.now();
			for (let k = 0; k < n; k += BATCH_MAX) {
				const events = Array.from({ length: Math.min(BATCH_MAX, n - k) }, () => makeEvent(now));
				queue.push({ events, tries: 0 });
				queued += events.length;
			}
			pump();
		}, TICK_MS);
		stoppers.push(() => clearInterval(ingestTimer));

		// --- Chat shoppers.
		const chatTimers = new Set<NodeJS.Timeout>();
		visitors.forEach((v) => {
			let h: NodeJS.Timeout;
			const tick = () => {
				chatTimers.delete(h);
				if (!chatSending) return;
				send('v', v.token, agents[v.agent].sse!, v.conv);
				chatTimers.add((h = setTimeout(tick, gap(CHAT_GAP_MS))));
			};
			chatTimers.add((h = setTimeout(tick, gap(CHAT_GAP_MS))));
		});
		stoppers.push(() => {
			for (const h of chatTimers) clearTimeout(h);
		});

		// --- Syncing devices.
		type Row = Record<string, unknown>;
		const pickFields = (r: Row) => Object.fromEntries(CUSTOMER_FIELDS.filter((f) => f in r).map((f) => [f, r[f]]));
		let conflicts = 0;
		let editsAcked = 0;
		let editsGivenUp = 0;
		let pulls = 0;
		// Per customer: every edit acknowledged or of unknown outcome, as base notes → new notes.
		const edits = new Map<string, { from: string; to: string; acked: boolean }[]>();
		const deviceLoops: Promise<void>[] = [];
		for (let d = 0; d < DEVICES; d++) {
			const rep = reps[Math.floor(d / 2)];
			const local = new Map<string, Row>();
			let lastSeq = 0;
			let n = 0;
			const pull = async () => {
				for (;;) {
					const filter = encodeURIComponent(`seq > ${lastSeq}`);
					const r = await api('GET', `/api/collections/customers/records?filter=${filter}&sort=seq&perPage=500&skipTotal=1`, undefined, rep.token);
					pulls++;
					if (r.status !== 200) return void error('device_pull', `${r.status} ${JSON.stringify(r.json)}`);
					for (const rec of r.json.items) {
						local.set(rec.id, rec);
						lastSeq = Math.max(lastSeq, rec.seq);
					}
					if (r.json.items.length < 500) return;
				}
			};
			await pull(); // the device is in sync when the soak starts
			const edit = async () => {
				const id = rep.ids[Math.floor(Math.random() * rep.ids.length)];
				const value = `d${d}-${++n}`;
				for (let attempt = 0; attempt < 2; attempt++) {
					const cur = local.get(id);
					if (!cur) return void error('device_edit', `customer ${id} not on the device`);
					const baseState = pickFields(cur);
					const doc = { ...baseState, id, notes: value };
					const r = await api('POST', '/api/crm/sync/customers/push', { rows: [{ doc, base: baseState }] }, rep.token);
					apiTime(r.ms);
					const list = edits.get(id) ?? [];
					edits.set(id, list);
					if (r.status !== 200) {
						error('device_push', `${r.status} ${JSON.stringify(r.json)}`);
						if (r.status === 0 || r.status >= 500) list.push({ from: String(baseState.notes ?? ''), to: value, acked: false });
						return;
					}
					if (r.json.rejected.length) return void error('device_push_rejected', JSON.stringify(r.json.rejected));
					if (r.json.conflicts.length) {
						conflicts++;
						local.set(id, r.json.conflicts[0]); // the server's state: the edit goes again on it
						continue;
					}
					editsAcked++;
					list.push({ from: String(baseState.notes ?? ''), to: value, acked: true });
					local.set(id, { ...cur, notes: value });
					return;
				}
				editsGivenUp++;
			};
			deviceLoops.push(
				(async () => {
					let nextPull = performance.now() + Math.random() * DEVICE_PULL_MS;
					while (running) {
						await sleep(Math.min(gap(DEVICE_EDIT_GAP_MS), Math.max(0, nextPull - performance.now())));
						if (!running) return;
						try {
							if (performance.now() >= nextPull) {
								await pull();
								nextPull = performance.now() + DEVICE_PULL_MS;
							} else await edit();
						} catch (e) {
							error('device', String(e));
						}
					}
				})()
			);
		}

		// --- Dashboard and campaign results reads.
		const day = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10); // the shop's days (UTC+8)
		const reads = [
			() => `/api/crm/stats/overview?from=${day(Date.now() - 29 * 86_400_000)}&to=${day(Date.now())}`,
			() => `/api/crm/stats/funnel?from=${day(Date.now() - 29 * 86_400_000)}&to=${day(Date.now())}`,
			() => `/api/crm/stats/trends?from=${day(Date.now() - 29 * 86_400_000)}&to=${day(Date.now())}`,
			() => `/api/crm/campaigns/${campaign.id}/results`
		];
		let readSeq = 0;
		const readTimer = setInterval(() => {
			const path = reads[readSeq++ % reads.length]();
			void api('GET', path, undefined, manager).then((r) => {
				apiTime(r.ms);
				if (r.status !== 200) error('read', `${path.split('?')[0]} ${r.status} ${JSON.stringify(r.json)}`);
			});
		}, 1000 / READS_PER_S);
		stoppers.push(() => clearInterval(readTimer));

		// --- Sampling every 10 s.
		const samples: Sample[] = [];
		let emailsSent = 0;
		let mark = { t: performance.now(), srv: cpuTicks(pid), gen: process.cpuUsage() };
		const progress = async () => {
			const r = await api('GET', `/api/crm/campaigns/${campaign.id}/progress`, undefined, manager);
			if (r.status !== 200) return void error('campaign_progress', `${r.status} ${JSON.stringify(r.json)}`);
			const e = r.json.by_channel.email ?? {};
			emailsSent = (e.sent ?? 0) + (e.delivered ?? 0);
			return e as Record<string, number>;
		};
		console.log(
			`${'t s'.padStart(5)} ${'ev/s'.padStart(6)} ${'backlog'.padStart(7)} ${'srv MB'.padStart(6)} ${'agt MB'.padStart(6)} ${'chat p95'.padStart(8)} ${'heard'.padStart(5)} ${'api p95'.padStart(7)} ${'reqs'.padStart(5)} ${'errors'.padStart(6)} ${'confl'.padStart(5)} ${'mails'.padStart(5)} ${'srv cpu%'.padStart(8)} ${'gen cpu%'.padStart(8)}`
		);
		const sample = async () => {
			const now = performance.now();
			const dt = (now - mark.t) / 1000;
			const srv = cpuTicks(pid);
			const gen = process.cpuUsage(mark.gen);
			const agentPid = backupAgentPid(pid);
			await progress();
			const s: Sample = {
				t: Math.round(elapsed()),
				events_per_s: Math.round(eventsAckedSample / dt),
				events_backlog: queued,
				rss_server_mb: rssMiB(pid),
				rss_agent_mb: rssMiB(agentPid),
				agent_pid: agentPid ?? null,
				chat_p95_ms: round(p95(chatLat)),
				chat_heard: chatLat.length,
				api_p95_ms: round(p95(apiLat)),
				api_n: apiLat.length,
				errors,
				conflicts,
				server_cpu_pct: Math.round((srv - mark.srv) / dt),
				generator_cpu_pct: Math.round((gen.user + gen.system) / 1e4 / dt),
				emails_sent: emailsSent,
				sse_reconnects: conns.reduce((a, c) => a + c.reconnects, 0)
			};
			samples.push(s);
			eventsAckedSample = 0;
			chatLat = [];
			apiLat = [];
			mark = { t: now, srv, gen: process.cpuUsage() };
			console.log(
				`${String(s.t).padStart(5)} ${String(s.events_per_s).padStart(6)} ${String(s.events_backlog).padStart(7)} ${String(s.rss_server_mb).padStart(6)} ${String(s.rss_agent_mb).padStart(6)} ${String(s.chat_p95_ms).padStart(8)} ${String(s.chat_heard).padStart(5)} ${String(s.api_p95_ms).padStart(7)} ${String(s.api_n).padStart(5)} ${String(s.errors).padStart(6)} ${String(s.conflicts).padStart(5)} ${String(s.emails_sent).padStart(5)} ${String(s.server_cpu_pct).padStart(8)} ${String(s.generator_cpu_pct).padStart(8)}`
			);
			writeFileSync('.bench/soak-samples.json', JSON.stringify({ minutes: MINUTES, short, warm_s: WARM_S, window_s: WINDOW_S, samples }, null, 1) + '\n');
			// Entries heard a while ago are tallied and dropped (a long soak would keep millions).
			for (const [id, m] of sent) {
				if (m.got > 0 && now - m.heardAt > 120_000) {
					chatDone.count++;
					chatDone.ok++;
					chatDone.heard++;
					chatDone.dup += m.got - 1;
					sent.delete(id);
				}
			}
		};
		let sampling = Promise.resolve();
		const sampleTimer = setInterval(() => (sampling = sampling.then(sample).catch((e) => error('sample', String(e)))), SAMPLE_S * 1000);
		stoppers.push(() => clearInterval(sampleTimer));

		await sleep(DURATION_S * 1000);
		clearInterval(sampleTimer);
		await sampling;
		if (!samples.length || samples[samples.length - 1].t < elapsed() - SAMPLE_S / 2) await (sampling = sampling.then(sample));

		// ==========================================================================================
		// Stop sending, then check every acknowledged write.
		chatSending = false;
		running = false;
		for (const s of stoppers) s();
		const duration = elapsed();
		console.log(`\nsending stopped after ${duration.toFixed(0)} s; waiting for answers and deliveries`);
		await Promise.all(deviceLoops);
		const waitEnd = Date.now() + 120_000;
		while (Date.now() < waitEnd && (inflight > 0 || [...sent.values()].some((s) => s.ok === null))) await sleep(250);
		if (queue.length) console.log(`${queue.reduce((a, b) => a + b.events.length, 0)} events still queued at the stop (generated but not sent: not counted)`);
		const outstanding = () => [...sent.values()].filter((s) => s.ok === true && s.got === 0).length;
		const drainEnd = Date.now() + DRAIN_MS;
		while (Date.now() < drainEnd && outstanding() > 0) await sleep(250);

		// Chat.
		const chat = { ...chatDone, failed: 0, lost: 0 };
		for (const s of sent.values()) {
			chat.count++;
			if (s.ok !== true) chat.failed++;
			else {
				chat.ok++;
				if (s.got === 0) chat.lost++;
				else chat.heard++;
				if (s.got > 1) chat.dup += s.got - 1;
			}
		}
		const reconnects = conns.reduce((a, c) => a + c.reconnects, 0);
		console.log(
			`chat: ${chat.count} messages sent (${chat.failed} POSTs failed), ${chat.heard} heard (${resynced} of them by a resync after a reconnect), lost ${chat.lost}, duplicated ${chat.dup}, misdelivered ${misdelivered}; SSE reconnects ${reconnects}`
		);

		// Events: stored (the superuser's REST count) against acknowledged, distinct ids in the database.
		const countR = await api('GET', `/api/collections/events/records?perPage=1&filter=${encodeURIComponent(`source = "${ingestKey.id}"`)}`, undefined, su);
		if (countR.status !== 200) throw new Error(`events count: ${countR.status} ${JSON.stringify(countR.json)}`);
		const stored: number = countR.json.totalItems;
		let distinct = stored;
		try {
			const out = execFileSync('sqlite3', ['-readonly', `${server.dataDir}/data.db`, `SELECT COUNT(DISTINCT event_id) FROM events WHERE source = '${ingestKey.id}'`])
				.toString()
				.trim();
			distinct = Number(out);
		} catch (e) {
			console.log(`(sqlite3 unavailable: distinct event ids not counted: ${String(e).slice(0, 120)})`);
		}
		const eventsLost = Math.max(0, eventsAcked - stored);
		const eventsDoubled = stored - distinct + eventsDupAcked;
		const eventsPerS = Math.round(eventsAcked / duration);
		console.log(
			`events: ${eventsAcked} acknowledged (${eventsPerS}/s; ${eventSeq} generated, ${ingestRetries} batches sent again, ${eventsResentDup} of their events already stored, ${ingestShortfall} not generated while the server was behind), ${stored} stored, ${distinct} distinct ids: lost ${eventsLost}, doubled ${eventsDoubled}`
		);

		// Device edits: per customer, the acknowledged edits must form one chain from the first value to the server's.
		let editsLost = 0;
		for (const rep of reps) {
			const r = await api('GET', `/api/collections/customers/records?perPage=500&filter=${encodeURIComponent(`owner = "${rep.id}"`)}&skipTotal=1`, undefined, su);
			if (r.status !== 200) throw new Error(`customers: ${r.status} ${JSON.stringify(r.json)}`);
			const onServer = new Map<string, string>(r.json.items.map((c: Row) => [c.id as string, c.notes as string]));
			for (const id of rep.ids) {
				const list = edits.get(id) ?? [];
				const acked = list.filter((e) => e.acked).length;
				const final = onServer.get(id);
				let cur = 'init';
				let onChain = 0;
				const used = new Set<number>();
				let reached = final === cur;
				for (let step = 0; step <= list.length && !reached; step++) {
					const next = list.findIndex((e, k) => !used.has(k) && e.from === cur);
					if (next < 0) break;
					used.add(next);
					if (list[next].acked) onChain++;
					cur = list[next].to;
					reached = final === cur;
				}
				const lost = reached ? acked - onChain : acked;
				if (lost > 0 && editsLost < 5) console.log(`customer ${id}: server notes "${final}", ${acked} acknowledged edits, ${lost} not kept: ${JSON.stringify(list).slice(0, 300)}`);
				editsLost += lost;
			}
		}
		console.log(`devices: ${editsAcked} edits acknowledged, ${conflicts} conflicts (${editsGivenUp} edits given up after two), ${pulls} pulls; lost edits ${editsLost}`);

		// The campaign: e-mails marked sent must be in Mailpit.
		const email = (await progress()) ?? {};
		const inMailpit = (await world.mail.messages()).length;
		const emailsLost = Math.max(0, emailsSent - inMailpit);
		if (email.failed) error('campaign_email_failed', `${email.failed} e-mails failed`);
		console.log(`campaign: e-mail ${JSON.stringify(email)}; ${inMailpit} in Mailpit; lost ${emailsLost}`);

		// Memory and latency drift.
		const rssAt = (from: number, to: number) => samples.filter((s) => s.t >= from && s.t <= to).map((s) => s.rss_server_mb);
		const rssBase = median(rssAt(WINDOW_S - 10, WINDOW_S + 10));
		const rssEnd = median(samples.slice(-3).map((s) => s.rss_server_mb));
		const agentEnd = median(
			samples
				.slice(-3)
				.map((s) => s.rss_agent_mb)
				.filter((x) => !Number.isNaN(x))
		);
		const growth = round(((rssEnd - rssBase) / rssBase) * 100);
		const half = samples.filter((s) => s.t >= duration / 2);
		const meanT = half.reduce((a, s) => a + s.t, 0) / half.length;
		const meanR = half.reduce((a, s) => a + s.rss_server_mb, 0) / half.length;
		const slopePerS = half.reduce((a, s) => a + (s.t - meanT) * (s.rss_server_mb - meanR), 0) / half.reduce((a, s) => a + (s.t - meanT) ** 2, 0);
		const slope = round(slopePerS * 3600);
		const inWindow = (xs: { t: number; ms: number }[], from: number, to: number) => p95(xs.filter((x) => x.t >= from && x.t < to).map((x) => x.ms));
		// The last window starts at the same point of the 2-minute burst cycle as the first (so both hold
		// the same bursts): it ends at most 2 minutes before the end (at the end in a 30-minute run).
		const lastStart = Math.max(WARM_S, WARM_S + Math.floor((duration - WINDOW_S - WARM_S) / BURST_EVERY_S) * BURST_EVERY_S);
		const chatFirst = inWindow(chatLatAll, WARM_S, WARM_S + WINDOW_S);
		const chatLast = inWindow(chatLatAll, lastStart, lastStart + WINDOW_S);
		const apiFirst = inWindow(apiLatAll, WARM_S, WARM_S + WINDOW_S);
		const apiLast = inWindow(apiLatAll, lastStart, lastStart + WINDOW_S);
		const chatDrift = round((chatLast / chatFirst - 1) * 100);
		const apiDrift = round((apiLast / apiFirst - 1) * 100);
		const drift = Math.max(chatDrift, apiDrift);
		console.log(`server RSS ${rssBase} MiB at ${WINDOW_S} s → ${rssEnd} MiB at the end (${growth} %); last half slope ${slope} MiB/h; backup agent ${agentEnd} MiB at the end`);
		console.log(
			`p95 first window [${WARM_S}, ${WARM_S + WINDOW_S}) s → last [${lastStart}, ${lastStart + WINDOW_S}) s: chat ${round(chatFirst)} → ${round(chatLast)} ms (${chatDrift} %), API ${round(apiFirst)} → ${round(apiLast)} ms (${apiDrift} %)`
		);

		const lost = eventsLost + editsLost + chat.lost + emailsLost;
		const doubled = eventsDoubled + chat.dup;
		if (errors) console.log(`errors by kind: ${JSON.stringify(Object.fromEntries(errorKinds))}\n  ${errorSamples.join('\n  ')}`);
		const failures = [
			short && `a short run (${MINUTES} min < 30): not the soak`,
			errors > 0 && `${errors} errors`,
			lost > 0 && `${lost} lost writes`,
			doubled > 0 && `${doubled} doubled writes`,
			growth > 10 && `RSS grew ${growth} % (> 10 %)`,
			slope > 0.1 * rssEnd && `RSS still rising ${slope} MiB/h in the last half (> 10 % of ${rssEnd} MiB an hour)`,
			drift > 20 && `p95 drift ${drift} % (> 20 %)`
		].filter(Boolean);
		console.log(failures.length ? `SOAK FAILED: ${failures.join('; ')}` : 'soak passed');
		if (failures.length) process.exitCode = 1;

		return {
			'soak.minutes': { value: round(duration / 60), unit: 'min', target: 30, lowerIsBetter: false, short },
			'soak.rss_growth_pct': { value: growth, unit: '%', target: 10 },
			'soak.rss_slope_mb_per_h': { value: slope, unit: 'MiB/h', target: round(0.1 * rssEnd) },
			'soak.p95_drift_pct': { value: drift, unit: '%', target: 20, chat: chatDrift, api: apiDrift },
			'soak.errors': { value: errors, unit: 'errors', target: 0 },
			'soak.lost': { value: lost, unit: 'writes', target: 0, events: eventsLost, edits: editsLost, chat: chat.lost, emails: emailsLost },
			'soak.doubled': { value: doubled, unit: 'writes', target: 0, events: eventsDoubled, chat: chat.dup },
			'chat.lost': { value: chat.lost, unit: 'msgs', target: 0, from: 'soak' },
			'soak.events_per_s': { value: eventsPerS, unit: 'ev/s', target: EVENTS_PER_S, lowerIsBetter: false },
			'soak.rss_mb_end': { value: rssEnd, unit: 'MiB', target: null },
			'soak.agent_rss_mb_end': { value: agentEnd, unit: 'MiB', target: null },
			'soak.chat_p95_ms': { value: round(p95(chatLatAll.map((x) => x.ms))), unit: 'ms', target: null },
			'soak.api_p95_ms': { value: round(p95(apiLatAll.map((x) => x.ms))), unit: 'ms', target: null },
			'soak.conflicts': { value: conflicts, unit: 'pushes', target: null },
			'soak.load_shoppers': { value: SHOPPERS, unit: 'clients', target: 1000, lowerIsBetter: false },
			'soak.load_agents': { value: AGENTS, unit: 'clients', target: 50, lowerIsBetter: false },
			'soak.load_devices': { value: DEVICES, unit: 'devices', target: 20, lowerIsBetter: false }
		};
	} finally {
		for (const s of stoppers) s();
		for (const c of conns) c.close();
		pool.destroy();
		ingestPool.destroy();
		await world.stop();
	}
}
