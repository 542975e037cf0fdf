// POST /api/crm/chat/session and GET /api/crm/chat/config (docs/api/chat.md), on a server of its own
// with a shop identity secret, a small per-IP session limit and round-the-clock hours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import PocketBase from 'pocketbase';
import { SERVER_BIN, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { url as globalUrl } from './helpers';
import { clientId, postFrom, session } from './chat-helpers';

const SECRET = 'shop-chat-secret-for-tests';
const PER_MINUTE = 8;
let server: RunningServer;
let su: PocketBase;
let manager: PocketBase;

function identity(customerId: string, ts = Math.floor(Date.now() / 1000), secret = SECRET) {
	return { customer_id: customerId, ts, sig: createHmac('sha256', secret).update(`${customerId}.${ts}`).digest('hex') };
}

function visitorClient(json: { token: string; visitor: Record<string, unknown> }) {
	const pb = new PocketBase(server.url);
	pb.autoCancellation(false);
	pb.authStore.save(json.token, { ...json.visitor, collectionName: 'visitors' } as never);
	return pb;
}

beforeAll(async () => {
	process.env.CRM_CHAT_IDENTITY_SECRET = SECRET;
	process.env.CRM_CHAT_SESSIONS_PER_MINUTE = String(PER_MINUTE);
	process.env.CRM_CHAT_HOURS = 'Mon-Sun 00:00-24:00';
	try {
		server = await startServer();
	} finally {
		delete process.env.CRM_CHAT_IDENTITY_SECRET;
		delete process.env.CRM_CHAT_SESSIONS_PER_MINUTE;
		delete process.env.CRM_CHAT_HOURS;
	}
	const { staff } = await seedStaff(server.url);
	execFileSync(SERVER_BIN, ['superuser', 'upsert', 'chat@example.test', 'chat-password-1', '--dir', server.dataDir]);
	su = new PocketBase(server.url);
	await su.collection('_superusers').authWithPassword('chat@example.test', 'chat-password-1');
	manager = new PocketBase(server.url);
	await manager.collection('staff').authWithPassword(staff.manager.email, staff.manager.password);
});

afterAll(async () => {
	await server?.stop();
});

// Each test speaks from its own local address, so the per-IP limit counts one test at a time.
let nextIp = 10;
function from() {
	const ip = `127.0.0.${nextIp++}`;
	return (body: Record<string, unknown>) => postFrom(server.url, '/api/crm/chat/session', ip, body);
}

describe('chat session', () => {
	it('a new visitor gets a token and a secret shown once; the secret is stored hashed', async () => {
		const post = from();
		const res = await post({ name: '小红', locale: 'en' });
		expect(res.status).toBe(200);
		expect(res.json.secret).toMatch(/^\w{30,}$/);
		expect(res.json.visitor).toMatchObject({ name: '小红', locale: 'en', customer: '', blocked: false });
		const me = await visitorClient(res.json).collection('visitors').getOne(res.json.visitor.id);
		expect(me.id).toBe(res.json.visitor.id);
		expect(me.secret_hash).toBeUndefined();
		const stored = await su.collection('visitors').getOne(res.json.visitor.id);
		expect(stored.secret_hash).toBe(createHash('sha256').update(res.json.secret).digest('hex'));
		expect(JSON.stringify(stored)).not.toContain(res.json.secret);
	});

	it('id + secret resume the same visitor; a wrong secret or an unknown id is 401', async () => {
		const post = from();
		const first = (await post({ name: '小刚' })).json;
		const again = await post({ visitor_id: first.visitor.id, secret: first.secret, name: '小刚刚' });
		expect(again.status).toBe(200);
		expect(again.json.visitor).toMatchObject({ id: first.visitor.id, name: '小刚刚' });
		expect(again.json.secret).toBeUndefined();
		expect((await visitorClient(again.json).collection('visitors').getOne(first.visitor.id)).name).toBe('小刚刚');
		expect((await post({ visitor_id: first.visitor.id, secret: first.secret + 'x' })).status).toBe(401);
		expect((await post({ visitor_id: 'aaaaaaaaaaaaaaa', secret: first.secret })).status).toBe(401);
		expect((await post({ visitor_id: first.visitor.id })).json.data.secret.code).toBe('required');
		expect((await post({ locale: 'fr' })).json.data.locale.code).toBe('invalid');
	});

	it('a signed identity links the visitor to the shop customer, created with source shop when unknown', async () => {
		const post = from();
		const ext = `shop-${clientId()}`;
		const anon = (await post({ name: '王女士' })).json;
		const c = await visitorClient(anon).collection('conversations').create({ visitor: anon.visitor.id });
		expect(c.customer).toBe('');
		const linked = await post({ visitor_id: anon.visitor.id, secret: anon.secret, identity: identity(ext) });
		expect(linked.status).toBe(200);
		expect(linked.json.visitor).toMatchObject({ id: anon.visitor.id, external_id: ext });
		const customers = await manager.collection('customers').getFullList({ filter: `external_id = "${ext}"` });
		expect(customers).toHaveLength(1);
		expect(customers[0]).toMatchObject({ source: 'shop', name: '王女士', id: linked.json.visitor.customer });
		// Conversations from before and after the link carry the customer.
		expect((await su.collection('conversations').getOne(c.id)).customer).toBe(customers[0].id);
		const c2 = await visitorClient(linked.json).collection('conversations').create({ visitor: anon.visitor.id });
		expect(c2.customer).toBe(customers[0].id);
		// Another device of the same shopper: the same customer, not a second one.
		const other = await post({ identity: identity(ext) });
		expect(other.json.visitor.customer).toBe(customers[0].id);
		expect(await manager.collection('customers').getFullList({ filter: `external_id = "${ext}"` })).toHaveLength(1);
	});

	it('a customer the CRM knows by external_id is linked, not duplicated', async () => {
		const post = from();
		const ext = `known-${clientId()}`;
		const known = await manager.collection('customers').create({ name: '老客户', external_id: ext });
		const res = await post({ identity: identity(ext) });
		expect(res.json.visitor.customer).toBe(known.id);
	});

	it('another shopper signing in on the device gets a visitor of their own', async () => {
		const post = from();
		const a = (await post({ identity: identity(`a-${clientId()}`) })).json;
		const b = await post({ visitor_id: a.visitor.id, secret: a.secret, identity: identity(`b-${clientId()}`) });
		expect(b.status).toBe(200);
		expect(b.json.visitor.id).not.toBe(a.visitor.id);
		expect(b.json.secret).toBeTruthy();
	});

	it('an identified visitor resumed without its identity (signed out, or another shopper) is a new visitor, sharing nothing', async () => {
		const post = from();
		const ext = `out-${clientId()}`;
		const a = (await post({ identity: identity(ext) })).json;
		const conv = await visitorClient(a).collection('conversations').create({ visitor: a.visitor.id });
		const anon = await post({ visitor_id: a.visitor.id, secret: a.secret });
		expect(anon.status).toBe(200);
		expect(anon.json.visitor.id).not.toBe(a.visitor.id);
		expect(anon.json.secret).toBeTruthy();
		expect(anon.json.visitor).toMatchObject({ customer: '', external_id: '' });
		const b = visitorClient(anon.json);
		expect(await b.collection('conversations').getFullList()).toEqual([]);
		await expect(b.collection('conversations').getOne(conv.id)).rejects.toMatchObject({ status: 404 });
		// The same identity again resumes the identified visitor and their conversation.
		const back = await post({ visitor_id: a.visitor.id, secret: a.secret, identity: identity(ext) });
		expect(back.json.visitor.id).toBe(a.visitor.id);
		expect(back.json.secret).toBeUndefined();
		expect((await visitorClient(back.json).collection('conversations').getFullList()).map((c) => c.id)).toEqual([conv.id]);
		// The anonymous one stays anonymous: A's secret never linked it.
		expect((await su.collection('visitors').getOne(anon.json.visitor.id)).external_id).toBe('');
	});

	it('a wrong signature, a stale time or a bad customer id is refused', async () => {
		const post = from();
		const ext = `bad-${clientId()}`;
		const cases = [identity(ext, undefined, 'another-secret'), identity(ext, Math.floor(Date.now() / 1000) - 2 * 86400), { ...identity(ext), customer_id: `${ext}x` }, identity(''), 'not an object'];
		for (const id of cases) {
			const res = await post({ identity: id });
			expect(res.status).toBe(400);
			expect(res.json.data.identity.code).toBe('invalid');
		}
		expect(await manager.collection('customers').getFullList({ filter: `external_id = "${ext}"` })).toHaveLength(0);
	});

	it('a blocked visitor cannot resume or write', async () => {
		const post = from();
		const v = (await post({})).json;
		const pb = visitorClient(v);
		const c = await pb.collection('conversations').create({ visitor: v.visitor.id });
		await su.collection('visitors').update(v.visitor.id, { blocked: true });
		expect((await post({ visitor_id: v.visitor.id, secret: v.secret })).status).toBe(403);
		await expect(pb.collection('messages').create({ conversation: c.id, client_id: clientId(), body: 'x' })).rejects.toMatchObject({ status: 403 });
		await expect(pb.collection('conversations').create({ visitor: v.visitor.id })).rejects.toMatchObject({ status: 403 });
	});

	it(`at most ${PER_MINUTE} session requests a minute per address (429 with Retry-After)`, async () => {
		const post = from();
		for (let i = 0; i < PER_MINUTE; i++) expect((await post({})).status).toBe(200);
		const refused = await post({});
		expect(refused.status).toBe(429);
		expect(refused.json.data.ip.code).toBe('rate_limited');
		expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
		expect((await from()({})).status).toBe(200);
	});

	it('nobody creates a visitor through the records API', async () => {
		const res = await fetch(`${server.url}/api/collections/visitors/records`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'x', password: 'password-123', passwordConfirm: 'password-123' })
		});
		expect(res.status).toBe(403);
	});
});

describe('chat config', () => {
	it('round-the-clock hours are always open', async () => {
		const cfg = await (await fetch(`${server.url}/api/crm/chat/config`)).json();
		expect(cfg).toMatchObject({ open: true, hours: 'Mon-Sun 00:00-24:00', timezone: 'UTC+08:00' });
		expect(cfg.message_zh).toBeTruthy();
		expect(cfg.message_en).toBeTruthy();
	});

	it('the default is Mon-Fri 09:00-18:00 in shop time (UTC+8)', async () => {
		const before = Date.now();
		const cfg = await (await fetch(`${globalUrl()}/api/crm/chat/config`)).json();
		const shop = new Date(before + 480 * 60000);
		const minute = shop.getUTCHours() * 60 + shop.getUTCMinutes();
		const expected = shop.getUTCDay() >= 1 && shop.getUTCDay() <= 5 && minute >= 540 && minute < 1080;
		expect(cfg).toMatchObject({ hours: 'Mon-Fri 09:00-18:00', open: expected, timezone: 'UTC+08:00', tz_offset_minutes: 480 });
		expect(cfg.schedule).toEqual([{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '09:00', to: '18:00' }]);
		// Signed with another secret than the server's, an identity is refused instead of trusted.
		const { status, json } = await session(globalUrl(), { identity: identity('x') });
		expect(status).toBe(400);
		expect(json.data.identity.message).toMatch(/does not match/);
	});
});
