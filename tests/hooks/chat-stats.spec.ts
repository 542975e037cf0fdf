// GET /api/crm/stats/service equals the same figures recomputed here from the raw conversations,
// messages and cases of a generated set, from the definitions in docs/api/chat.md. Runs its own
// server: the figures are shop-wide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import PocketBase from 'pocketbase';
import { SERVER_BIN, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { rng } from '../fixtures/demo-data';
import { clientId } from './chat-helpers';

const TZ = 480 * 60000;
const DAY = 86400000;
let server: RunningServer;
let su: PocketBase;
const pbs: Record<string, PocketBase> = {};
const ids: Record<string, string> = {};

function client() {
	const pb = new PocketBase(server.url);
	pb.autoCancellation(false);
	return pb;
}

async function visitor() {
	const res = await fetch(`${server.url}/api/crm/chat/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
	const json = await res.json();
	const pb = client();
	pb.authStore.save(json.token, { ...json.visitor, collectionName: 'visitors' } as never);
	return { pb, id: json.visitor.id as string };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A seeded mix of conversations: claimed or not, answered, pending, resolved, rated, reopened. */
async function generate(seed: number) {
	const r = rng(seed);
	const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
	const topics = ['pre_sale', 'order_problem', 'complaint', 'other', ''];
	for (let v = 0; v < 8; v++) {
		const vis = await visitor();
		for (let k = 0; k < 1 + Math.floor(r() * 3); k++) {
			const topic = pick(topics);
			const conv = await vis.pb.collection('conversations').create({ visitor: vis.id, ...(topic ? { topic } : {}) });
			const say = (pb: PocketBase, body: string, internal = false) => pb.collection('messages').create({ conversation: conv.id, client_id: clientId(), body, internal });
			await say(vis.pb, '你好');
			const who = pick(['', 'agent', 'agent2', 'manager']);
			if (!who) continue;
			await pbs[who].collection('conversations').update(conv.id, { assignee: ids[who] });
			if (r() < 0.3) await say(pbs[who], '备注', true);
			await pause(Math.floor(r() * 40));
			if (r() < 0.8) await say(pbs[who], '您好，请问有什么可以帮您？');
			if (r() < 0.3) await pbs[who].collection('conversations').update(conv.id, { status: 'pending' });
			if (r() < 0.6) {
				await pause(Math.floor(r() * 40));
				await pbs[who].collection('conversations').update(conv.id, { status: 'resolved' });
				if (r() < 0.6) await vis.pb.collection('conversations').update(conv.id, { rating: 1 + Math.floor(r() * 5) });
				if (r() < 0.3) {
					await say(vis.pb, '又有问题了');
					if (r() < 0.5) await pbs[who].collection('conversations').update(conv.id, { status: 'resolved' });
				}
			}
		}
	}
	const categories = ['物流', '质量', '退款', ''];
	for (let i = 0; i < 12; i++) {
		const assignee = pick(['agent', 'agent2', 'manager', '']);
		const c = await pbs.manager.collection('cases').create({
			kind: pick(['inquiry', 'complaint']),
			category: pick(categories),
			priority: pick(['low', 'normal', 'high', 'urgent']),
			status: 'open',
			summary: `case ${i}`,
			...(assignee ? { assignee: ids[assignee] } : {})
		});
		if (r() < 0.5) await pbs.manager.collection('cases').update(c.id, { status: 'in_progress' });
		if (r() < 0.3) await pbs.manager.collection('cases').update(c.id, { status: 'resolved' });
		// Some were due long ago: breached (a superuser moves the due times, as a clock would).
		if (r() < 0.4) {
			const past = new Date(Date.now() - (1 + Math.floor(r() * 5)) * 3600000).toISOString();
			await su.collection('cases').update(c.id, r() < 0.5 ? { first_response_due: past } : { resolution_due: past });
		}
	}
}

// ---- the recomputation, from the definitions --------------------------------------------------

type Rec = Record<string, any>;
const t = (s: string) => Date.parse(s.replace(' ', 'T'));
const shopDay = (ms: number) => new Date(ms + TZ).toISOString().slice(0, 10);

function spread(values: number[]) {
	if (!values.length) return { count: 0, median: null, p90: null };
	const v = [...values].sort((a, b) => a - b);
	const n = v.length;
	return { count: n, median: n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, p90: v[Math.ceil(0.9 * n) - 1] };
}

function figures(convs: Rec[], messages: Rec[]) {
	const firstAgent = new Map<string, number>();
	for (const m of messages) {
		if (m.author_kind !== 'agent' || m.internal) continue;
		const at = t(m.created);
		if (!firstAgent.has(m.conversation) || at < firstAgent.get(m.conversation)!) firstAgent.set(m.conversation, at);
	}
	const rated = convs.filter((c) => c.rating > 0);
	const reopened = convs.filter((c) => c.reopened > 0).length;
	return {
		conversations: convs.length,
		resolved: convs.filter((c) => c.status === 'resolved').length,
		first_response: spread(convs.filter((c) => firstAgent.has(c.id)).map((c) => (firstAgent.get(c.id)! - t(c.created)) / 1000)),
		resolution: spread(convs.filter((c) => c.status === 'resolved').map((c) => (t(c.resolved_at) - t(c.created)) / 1000)),
		csat: { count: rated.length, average: rated.length ? rated.reduce((s, c) => s + c.rating, 0) / rated.length : null },
		reopened,
		reopen_rate: convs.length ? reopened / convs.length : null
	};
}

function sla(cases: Rec[], now: number) {
	const late = (at: string, due: string) => !!due && (at ? t(at) : now) > t(due);
	const fr = cases.filter((c) => late(c.first_response_at, c.first_response_due)).length;
	const res = cases.filter((c) => late(c.resolved_at, c.resolution_due)).length;
	const breached = cases.filter((c) => late(c.first_response_at, c.first_response_due) || late(c.resolved_at, c.resolution_due)).length;
	return { cases: cases.length, breached, first_response_breached: fr, resolution_breached: res, rate: cases.length ? breached / cases.length : null };
}

function countBy(list: Rec[], key: string) {
	const out: Record<string, number> = {};
	for (const x of list) out[x[key] || ''] = (out[x[key] || ''] || 0) + 1;
	return out;
}

async function expected(from: string, to: string, filter: { agent?: string; team?: string } = {}) {
	const staff = await su.collection('staff').getFullList();
	const team = new Map(staff.map((s) => [s.id, s.team]));
	const names = new Map(staff.map((s) => [s.id, s.name]));
	const inScope = (x: Rec) =>
		!x.deleted &&
		shopDay(t(x.created)) >= from &&
		shopDay(t(x.created)) <= to &&
		(!filter.agent || x.assignee === filter.agent) &&
		(!filter.team || (x.assignee && team.get(x.assignee) === filter.team));
	const convs = (await su.collection('conversations').getFullList()).filter(inScope);
	const messages = await su.collection('messages').getFullList();
	const cases = (await su.collection('cases').getFullList()).filter(inScope);
	const now = Date.now();
	const agents = [...new Set([...convs, ...cases].map((x) => x.assignee).filter(Boolean))].sort();
	// Per team of the assignee ("" for staff without one); the queue's are in no team.
	const teamOf = (x: Rec) => (x.assignee ? team.get(x.assignee) || '' : null);
	const teams = [...new Set([...convs, ...cases].map(teamOf).filter((x) => x !== null))].sort() as string[];
	const days: Rec[] = [];
	for (let d = Date.parse(`${from}T00:00:00Z`); d <= Date.parse(`${to}T00:00:00Z`); d += DAY) {
		const day = new Date(d).toISOString().slice(0, 10);
		const f = figures(
			convs.filter((c) => shopDay(t(c.created)) === day),
			messages
		);
		days.push({
			day,
			conversations: f.conversations,
			resolved: f.resolved,
			first_response_median: f.first_response.median,
			resolution_median: f.resolution.median,
			csat_average: f.csat.average,
			csat_count: f.csat.count
		});
	}
	return {
		from,
		to,
		agent: filter.agent ?? null,
		team: filter.team ?? null,
		...figures(convs, messages),
		volume: {
			conversations: convs.length,
			cases: cases.length,
			by_topic: countBy(convs, 'topic'),
			by_channel: countBy(convs, 'channel'),
			by_category: countBy(cases, 'category'),
			by_kind: countBy(cases, 'kind')
		},
		sla: sla(cases, now),
		agents: agents.map((id) => ({
			agent: id,
			name: names.get(id),
			...figures(
				convs.filter((c) => c.assignee === id),
				messages
			),
			sla: sla(
				cases.filter((c) => c.assignee === id),
				now
			)
		})),
		teams: teams.map((name) => ({
			team: name,
			...figures(
				convs.filter((c) => teamOf(c) === name),
				messages
			),
			sla: sla(
				cases.filter((c) => teamOf(c) === name),
				now
			)
		})),
		daily: days
	};
}

function stats(pb: PocketBase, query: Record<string, string>) {
	return pb.send(`/api/crm/stats/service?${new URLSearchParams(query)}`, {});
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
	server = await startServer();
	const { staff } = await seedStaff(server.url);
	execFileSync(SERVER_BIN, ['superuser', 'upsert', 'stats@example.test', 'stats-password-1', '--dir', server.dataDir]);
	su = client();
	await su.collection('_superusers').authWithPassword('stats@example.test', 'stats-password-1');
	for (const key of ['owner', 'manager', 'agent', 'sales']) {
		pbs[key] = client();
		await pbs[key].collection('staff').authWithPassword(staff[key].email, staff[key].password);
		ids[key] = staff[key].id;
	}
	await su.collection('staff').update(ids.agent, { team: '一组' });
	await su.collection('staff').update(ids.manager, { team: '二组' });
	const a2 = await su.collection('staff').create({ email: 'agent2@example.test', password: 'agent2-password-1', passwordConfirm: 'agent2-password-1', name: '客服二', role: 'agent', team: '一组' });
	ids.agent2 = a2.id;
	pbs.agent2 = client();
	await pbs.agent2.collection('staff').authWithPassword('agent2@example.test', 'agent2-password-1');
	await generate(7);
}, 120000);

afterAll(async () => {
	await server?.stop();
});

describe('service metrics against the recomputation', () => {
	const today = () => shopDay(Date.now());
	const monthAgo = () => shopDay(Date.now() - 29 * DAY);

	it('the whole shop over the default range (the last 30 shop days)', async () => {
		const got = (await stats(pbs.manager, {})) as Rec;
		const want = await expected(monthAgo(), today());
		expect(got).toEqual(want);
		// The generated set is varied enough for the figures to mean something.
		expect(want.first_response.count).toBeGreaterThan(3);
		expect(want.resolution.count).toBeGreaterThan(3);
		expect(want.csat.count).toBeGreaterThan(1);
		expect(want.sla.breached).toBeGreaterThan(0);
		expect(want.sla.breached).toBeLessThan(want.sla.cases);
		expect(want.agents.length).toBeGreaterThanOrEqual(3);
		// Per team: 一组 is the two agents together, 二组 the manager.
		expect(got.teams.map((x: Rec) => x.team)).toEqual(['一组', '二组']);
		const byAgent = (id: string) => got.agents.find((a: Rec) => a.agent === id)?.conversations ?? 0;
		expect(got.teams[0].conversations).toBe(byAgent(ids.agent) + byAgent(ids.agent2));
		expect(got.teams[1].conversations).toBe(byAgent(ids.manager));
		expect(got.teams[0].sla.cases).toBeGreaterThan(0);
	});

	it('an admin asking for one agent, and for a team', async () => {
		expect(await stats(pbs.owner, { agent: ids.agent2, from: today(), to: today() })).toEqual(await expected(today(), today(), { agent: ids.agent2 }));
		const team = (await stats(pbs.owner, { team: '一组' })) as Rec;
		expect(team).toEqual(await expected(monthAgo(), today(), { team: '一组' }));
		expect(team.agents.map((a: Rec) => a.agent).sort()).toEqual([ids.agent, ids.agent2].sort());
		expect(team.teams.map((x: Rec) => x.team)).toEqual(['一组']);
	});

	it('an agent sees their own figures only; sales reps none', async () => {
		expect(await stats(pbs.agent, {})).toEqual(await expected(monthAgo(), today(), { agent: ids.agent }));
		await expect(stats(pbs.agent, { agent: ids.agent2 })).rejects.toMatchObject({ status: 403 });
		await expect(stats(pbs.sales, {})).rejects.toMatchObject({ status: 403 });
		expect((await fetch(`${server.url}/api/crm/stats/service`)).status).toBe(401);
	});

	it('days without conversations are zero; bad ranges are 400 naming the field', async () => {
		const yesterday = shopDay(Date.now() - DAY);
		const got = (await stats(pbs.manager, { from: yesterday, to: yesterday })) as Rec;
		expect(got).toEqual(await expected(yesterday, yesterday));
		expect(got.conversations).toBe(0);
		expect(got.first_response).toEqual({ count: 0, median: null, p90: null });
		await expect(stats(pbs.manager, { from: '2026-02-30' })).rejects.toMatchObject({ status: 400, response: { data: { from: { code: 'invalid' } } } });
		await expect(stats(pbs.manager, { from: today(), to: yesterday })).rejects.toMatchObject({ status: 400 });
		await expect(stats(pbs.manager, { from: '2020-01-01', to: today() })).rejects.toMatchObject({ status: 400, response: { data: { from: { code: 'too_long' } } } });
	});
});
