// The security probe's holes (issue "Security holes found by an outside probe"), each as a case that
// fails without its fix, against the real server with the official SDK:
// filter and sort oracles (generated for every collection × role × relation, back-relation and hidden
// field, through REST and realtime), the external id existence oracle, private staff logins, rule gaps.
// Offboarding, lockout and the web headers have files of their own (security-*.spec.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import PocketBase from 'pocketbase';
import { EventSource } from 'eventsource';
import { execFileSync } from 'node:child_process';
import { inject } from 'vitest';
import { SERVER_BIN } from '../fixtures/pocketbase';
import { id15, push, signIn, staff, url } from './helpers';
import { clientId, newVisitor, type Visitor } from './chat-helpers';

const ROLES = ['guest', 'visitor', 'sales', 'agent', 'manager', 'admin'] as const;
type Role = (typeof ROLES)[number];

interface Field {
	name: string;
	type: string;
	hidden?: boolean;
	collectionId?: string;
}
interface Collection {
	id: string;
	name: string;
	fields: Field[];
}

let su: PocketBase;
let collections: Collection[] = [];
const tokens = {} as Record<Role, string>;
let shopper: Visitor;

beforeAll(async () => {
	execFileSync(SERVER_BIN, ['superuser', 'upsert', 'probe@example.test', 'probe-password-1', '--dir', inject('pbDataDir')]);
	su = new PocketBase(url());
	su.autoCancellation(false);
	await su.collection('_superusers').authWithPassword('probe@example.test', 'probe-password-1');
	collections = (await su.collections.getFullList()) as unknown as Collection[];
	shopper = await newVisitor(url(), '探测访客');
	tokens.guest = '';
	tokens.visitor = shopper.token;
	for (const [role, key] of [
		['sales', 'sales'],
		['agent', 'agent'],
		['manager', 'manager'],
		['admin', 'owner']
	] as const) {
		tokens[role] = (await signIn(key)).authStore.token;
	}
});

/** Fields a role does not get in the output although it may list the records (hidden by the server). */
const HIDDEN_FROM: Record<string, Partial<Record<Role, string[]>>> = {
	conversations: { visitor: ['tags'] },
	staff: { sales: ['email'], agent: ['email'], manager: ['email'] }
};

/** Every identifier that reaches beyond the collection's own readable fields. */
function probes(c: Collection, role: Role): string[] {
	const byId = new Map(collections.map((x) => [x.id, x]));
	const out: string[] = [];
	for (const f of c.fields) {
		if (f.type === 'relation' && f.collectionId) {
			out.push(`${f.name}.id`);
			for (const tf of byId.get(f.collectionId)?.fields ?? []) out.push(`${f.name}.${tf.name}`);
		}
		if (f.hidden) out.push(f.name);
	}
	for (const other of collections) {
		for (const rf of other.fields) {
			if (rf.type !== 'relation' || rf.collectionId !== c.id) continue;
			const via = `${other.name}_via_${rf.name}`;
			for (const of of other.fields) out.push(`${via}.${of.name}`);
		}
	}
	out.push(...(HIDDEN_FROM[c.name]?.[role] ?? []));
	out.push('@collection.customers.notes');
	return out;
}

async function get(path: string, token: string) {
	const res = await fetch(url() + path, { headers: token ? { authorization: token } : {} });
	return { status: res.status, json: (await res.json().catch(() => null)) as { data?: Record<string, { code?: string }> } | null };
}

/** Runs fn over items with a few requests in flight. */
async function pool<T>(items: T[], fn: (t: T) => Promise<void>, width = 8) {
	let next = 0;
	await Promise.all(
		Array.from({ length: width }, async () => {
			while (next < items.length) await fn(items[next++]);
		})
	);
}

function refusedBy(json: { data?: Record<string, { code?: string }> } | null, param: string) {
	return json?.data?.[param]?.code === 'field_not_allowed';
}

describe('filter and sort oracles (generated)', () => {
	it('for every collection × role × relation, back-relation and hidden field: the list API refuses the filter and the sort', async () => {
		const misses: string[] = [];
		let asked = 0;
		for (const role of ROLES) {
			const cases: [Collection, string][] = [];
			for (const c of collections) for (const ident of probes(c, role)) cases.push([c, ident]);
			await pool(cases, async ([c, ident]) => {
				const base = `/api/collections/${c.name}/records?perPage=1&skipTotal=1`;
				const f = await get(`${base}&filter=${encodeURIComponent(`${ident} != "zz" || ${ident} ~ "a"`)}`, tokens[role]);
				const s = await get(`${base}&sort=${encodeURIComponent(`-${ident}`)}`, tokens[role]);
				asked += 2;
				// @collection is PocketBase's own refusal (403); everything else is the guard's 400.
				const fOk = (f.status === 400 && refusedBy(f.json, 'filter')) || (ident.startsWith('@') && f.status === 403);
				const sOk = (s.status === 400 && refusedBy(s.json, 'sort')) || (ident.startsWith('@') && s.status === 403);
				if (!fOk) misses.push(`${role} ${c.name} filter ${ident}: ${f.status}`);
				if (!sOk) misses.push(`${role} ${c.name} sort ${ident}: ${s.status}`);
			});
		}
		expect(asked).toBeGreaterThan(2000);
		expect(misses).toEqual([]);
	});

	it('the same filters in a realtime subscription are refused', async () => {
		const misses: string[] = [];
		for (const role of ROLES) {
			const cases: [Collection, string][] = [];
			for (const c of collections) for (const ident of probes(c, role)) if (!ident.startsWith('@')) cases.push([c, ident]);
			const client = await realtimeClient();
			try {
				await pool(cases, async ([c, ident]) => {
					const options = encodeURIComponent(JSON.stringify({ query: { filter: `${ident} != "zz"` } }));
					const res = await subscribe(client.id, [`${c.name}/*?options=${options}`], tokens[role]);
					if (res.status !== 400 || !refusedBy(res.json, 'filter')) misses.push(`${role} ${c.name} ${ident}: ${res.status}`);
				});
				// The collection's own fields stay usable: the guard refuses only what it must.
				const ok = await subscribe(client.id, [`customers/*?options=${encodeURIComponent(JSON.stringify({ query: { filter: 'seq > 0' } }))}`], tokens[role]);
				expect(ok.status, role).toBe(204);
			} finally {
				client.close();
			}
		}
		expect(misses).toEqual([]);
	});

	it("the app's own filters and sorts still work for each role", async () => {
		for (const role of ['sales', 'agent', 'manager', 'admin'] as const) {
			for (const q of ['filter=seq%20%3E%200&sort=seq', 'filter=deleted%20!%3D%20true&sort=-updated', 'filter=tags%20~%20%22vip%22', 'filter=external_id%20!%3D%20%22%22']) {
				const res = await get(`/api/collections/customers/records?${q}`, tokens[role]);
				expect(res.status, `${role} ${q}`).toBe(200);
			}
			// Personal fields are encrypted in the database (server/fieldcrypt.go): the server cannot
			// filter or sort by them, and says so rather than answering a wrong list.
			for (const q of ['filter=phones%3Alength%20%3E%200', 'filter=name%20~%20%22%E5%BC%A0%22', 'sort=name']) {
				const res = await get(`/api/collections/customers/records?${q}`, tokens[role]);
				expect(res.status, `${role} ${q}`).toBe(400);
				expect(JSON.stringify(res.json), `${role} ${q}`).toContain('encrypted');
			}
		}
		const mine = await get(`/api/collections/conversations/records?sort=-created`, tokens.visitor);
		expect(mine.status).toBe(200);
	});
});

async function realtimeClient(): Promise<{ id: string; close(): void }> {
	const es = new EventSource(`${url()}/api/realtime`);
	const id = await new Promise<string>((ok, fail) => {
		es.addEventListener('PB_CONNECT', (e) => ok(JSON.parse((e as MessageEvent).data).clientId));
		es.onerror = () => fail(new Error('realtime connection failed'));
	});
	return { id, close: () => es.close() };
}

async function subscribe(clientIdValue: string, subscriptions: string[], token: string) {
	const res = await fetch(`${url()}/api/realtime`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
		body: JSON.stringify({ clientId: clientIdValue, subscriptions })
	});
	return { status: res.status, json: (await res.json().catch(() => null)) as { data?: Record<string, { code?: string }> } | null };
}

describe('filter oracles the probe used', () => {
	it("a shopper cannot test an internal note's text through messages_via_conversation, nor their conversation's tags", async () => {
		const manager = await signIn('manager');
		const conv = await shopper.pb.collection('conversations').create({ visitor: shopper.id, topic: 'other' });
		await manager.collection('messages').create({ conversation: conv.id, client_id: clientId(), body: '内部：退款已批 A7', internal: true });
		await manager.collection('conversations').update(conv.id, { tags: ['abusive'] });
		for (const filter of ['messages_via_conversation.body !~ "退款"', 'messages_via_conversation.body ~ "A7"', 'tags ?~ "abusive"']) {
			await expect(shopper.pb.collection('conversations').getList(1, 10, { filter }), filter).rejects.toMatchObject({ status: 400, response: { data: { filter: { code: 'field_not_allowed' } } } });
		}
		// what the shopper may see is unchanged
		const own = await shopper.pb.collection('conversations').getList(1, 10, { filter: `id = "${conv.id}"` });
		expect(own.items.map((c) => c.id)).toEqual([conv.id]);
		expect(own.items[0].tags).toBeUndefined();
	});

	it("an agent cannot search another agent's messages through staff; a sales rep cannot test a manager's note through customers", async () => {
		const agent = await signIn('agent');
		await expect(agent.collection('staff').getList(1, 5, { filter: 'messages_via_author_staff.body ~ "a"' })).rejects.toMatchObject({ status: 400 });
		await expect(agent.collection('staff').getList(1, 5, { sort: 'messages_via_author_staff.body' })).rejects.toMatchObject({ status: 400 });
		const rep = await signIn('sales');
		const manager = await signIn('manager');
		const c = { id: id15(), name: '探测客户', owner: staff('sales').id };
		await push(rep, [{ doc: c, base: null }]);
		await manager.send('/api/crm/sync/service_records/push', {
			method: 'POST',
			body: { rows: [{ doc: { id: id15(), customer: c.id, staff: staff('manager').id, kind: 'note', summary: '经理备注：准备降级', at: new Date().toISOString() }, base: null }] }
		});
		await expect(rep.collection('customers').getList(1, 5, { filter: 'service_records_via_customer.summary ~ "降级"' })).rejects.toMatchObject({ status: 400 });
		await expect(rep.collection('customers').getList(1, 5, { filter: 'owner.email ~ "@"' })).rejects.toMatchObject({ status: 400 });
	});
});

describe('existence oracle: the shop customer id', () => {
	it("a sales rep gets the same answer whether another rep's shop customer id exists or not (REST and push)", async () => {
		const rep = await signIn('sales');
		const manager = await signIn('manager');
		const taken = `EXT-${id15()}`;
		const free = `EXT-${id15()}`;
		const first = { id: id15(), name: '别人的客户', owner: staff('sales2').id, external_id: taken };
		await push(manager, [{ doc: first, base: null }]);

		const restAnswer = async (ext: string) => {
			const created = await rep.collection('customers').create({ name: '新客户', owner: staff('sales').id, external_id: ext });
			return Object.keys(created).sort().join(',') + (created.external_id === ext ? ' linked' : ' unlinked');
		};
		expect(await restAnswer(taken)).toBe(await restAnswer(free));

		const pushAnswer = (ext: string) => push(rep, [{ doc: { id: id15(), name: '新客户', owner: staff('sales').id, external_id: ext }, base: null }]);
		const taken2 = `EXT-${id15()}`;
		await push(manager, [{ doc: { id: id15(), name: '别人的客户 2', owner: staff('sales2').id, external_id: taken2 }, base: null }]);
		const a = await pushAnswer(taken2);
		expect(a).toEqual(await pushAnswer(`EXT-${id15()}`));
		expect(a).toEqual({ conflicts: [], rejected: [] });

		// a manager, who sees both, is told the id is in use; so is a rep about their own customers
		const m = await push(manager, [{ doc: { id: id15(), name: 'x', external_id: taken }, base: null }]);
		expect(m.rejected).toMatchObject([{ status: 400, field: 'external_id', code: 'validation_not_unique' }]);
		await expect(manager.collection('customers').create({ name: 'x', external_id: taken })).rejects.toMatchObject({
			status: 400,
			response: { data: { external_id: { code: 'validation_not_unique' } } }
		});
		const own = await push(rep, [{ doc: { id: id15(), name: 'y', owner: staff('sales').id, external_id: free }, base: null }]);
		expect(own.rejected).toMatchObject([{ field: 'external_id', code: 'validation_not_unique' }]);
	});

	it("the shop's events for an id two customers hold go to the oldest live one", async () => {
		const owner = await signIn('owner');
		const manager = await signIn('manager');
		const rep = await signIn('sales');
		const ext = `EXT-${id15()}`;
		const older = { id: id15(), name: '先来的', owner: staff('sales2').id, external_id: ext };
		await push(manager, [{ doc: older, base: null }]);
		await new Promise((r) => setTimeout(r, 5));
		const newer = { id: id15(), name: '后来的', owner: staff('sales').id, external_id: ext };
		expect((await push(rep, [{ doc: newer, base: null }])).rejected).toEqual([]);
		const key = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: 'probe', kind: 'server' } })).key;
		const res = await fetch(`${url()}/api/crm/events`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify([{ id: `probe-${id15()}`, type: 'purchase', time: Date.now() - 1000, customer_id: ext, order_id: `o-${id15()}`, total: 10 }])
		});
		expect((await res.json()).accepted).toBe(1);
		const stats = await owner.collection('customer_stats').getFullList({ filter: `customer = "${older.id}" || customer = "${newer.id}"` });
		expect(stats.map((s) => [s.customer, s.order_count])).toEqual([[older.id, 1]]);
	});
});

describe('staff logins are private', () => {
	it('an agent or a manager sees colleagues’ names, never their logins; an admin sees them; new staff are never made public', async () => {
		const admin = await signIn('owner');
		const email = `public-${id15()}@example.test`;
		const created = await admin.collection('staff').create({ email, password: 'public-password-1', passwordConfirm: 'public-password-1', name: '公开员工', role: 'agent', emailVisibility: true });
		expect((await su.collection('staff').getOne(created.id)).emailVisibility).toBe(false);
		for (const key of ['agent', 'manager', 'sales']) {
			const list = await (await signIn(key)).collection('staff').getFullList();
			for (const s of list) if (s.id !== staff(key).id) expect(s.email, `${key} sees ${s.name}`).toBeFalsy();
		}
		const all = await admin.collection('staff').getFullList();
		expect(all.find((s) => s.id === created.id)?.email).toBe(email);
		// nobody makes their own login public again
		const agent = await signIn('agent');
		await expect(agent.collection('staff').update(staff('agent').id, { emailVisibility: true })).rejects.toMatchObject({ status: 404 });
	});
});

describe('rule gaps', () => {
	it('an agent cannot change their own team or region; a sales rep cannot change their role', async () => {
		const agent = await signIn('agent');
		await expect(agent.collection('staff').update(staff('agent').id, { team: '别的组' })).rejects.toMatchObject({ status: 404 });
		await expect(agent.collection('staff').update(staff('agent').id, { region: '北京' })).rejects.toMatchObject({ status: 404 });
		const rep = await signIn('sales');
		await expect(rep.collection('staff').update(staff('sales').id, { role: 'admin' })).rejects.toMatchObject({ status: 404 });
		// their own name they may change
		const me = await agent.collection('staff').update(staff('agent').id, { name: '陈客服' });
		expect(me.name).toBe('陈客服');
	});

	it('a sales rep may delete their own customer but not restore it; a manager restores', async () => {
		const rep = await signIn('sales');
		const manager = await signIn('manager');
		const c = { id: id15(), name: '删了又恢复', owner: staff('sales').id };
		await push(rep, [{ doc: c, base: null }]);
		let base = await rep.collection('customers').getOne(c.id);
		expect((await push(rep, [{ doc: { ...base, deleted: true }, base }])).rejected).toEqual([]);
		base = await rep.collection('customers').getOne(c.id);
		const restore = await push(rep, [{ doc: { ...base, deleted: false }, base }]);
		expect(restore.rejected).toMatchObject([{ status: 403 }]);
		await expect(rep.collection('customers').update(c.id, { deleted: false })).rejects.toMatchObject({ status: 404 });
		expect((await rep.collection('customers').getOne(c.id)).deleted).toBe(true);
		await manager.collection('customers').update(c.id, { deleted: false });
		expect((await rep.collection('customers').getOne(c.id)).deleted).toBe(false);
	});
});

afterAll(() => {
	su?.authStore.clear();
});
