// Accounts (issue "Security holes found by an outside probe", items 4 and 5): deactivating a leaver,
// an admin's password reset, short sessions, sign-in throttling per address and account lockout.
// Each test speaks for its own fresh staff member, and sign-in bursts come from local addresses of
// their own (127.0.0.x), so the per-address limits of the other tests' address are not touched.
import { beforeAll, describe, expect, it } from 'vitest';
import PocketBase from 'pocketbase';
import { EventSource } from 'eventsource';
import { id15, push, signIn, staff, url, waitFor } from './helpers';
import { newVisitor, postFrom } from './chat-helpers';

let admin: PocketBase;
let manager: PocketBase;
beforeAll(async () => {
	admin = await signIn('owner');
	manager = await signIn('manager');
});

let nextIp = 40;
const address = () => `127.0.0.${nextIp++}`;

function login(email: string, password: string, from = '127.0.0.1') {
	return postFrom(url(), '/api/collections/staff/auth-with-password', from, { identity: email, password });
}

/** A new staff member, signed in from an address of its own, with their email and password. */
async function person(role: string) {
	const key = `${role}-${id15()}`;
	const email = `${key}@example.test`;
	const password = `${key}-password-1`;
	const rec = await admin.collection('staff').create({ email, password, passwordConfirm: password, name: `临时${role}`, role });
	const auth = await login(email, password, address());
	if (auth.status !== 200) throw new Error(`sign-in ${auth.status}`);
	const pb = new PocketBase(url());
	pb.autoCancellation(false);
	pb.authStore.save(auth.json.token, auth.json.record);
	return { pb, id: rec.id as string, email, password };
}

describe('deactivating a leaver', () => {
	it('refuses their token at once everywhere, closes their realtime, keeps their customers with the shop', async () => {
		const rep = await person('sales');
		const heir = staff('sales2').id;
		const c = { id: id15(), name: '离职销售的客户', owner: rep.id };
		expect((await push(rep.pb, [{ doc: c, base: null }])).rejected).toEqual([]);
		const sr = { id: id15(), customer: c.id, staff: rep.id, kind: 'visit', summary: '拜访记录', at: new Date().toISOString() };
		await rep.pb.send('/api/crm/sync/service_records/push', { method: 'POST', body: { rows: [{ doc: sr, base: null }] } });

		// an open realtime connection of theirs
		const es = new EventSource(`${url()}/api/realtime`);
		const clientId = await new Promise<string>((ok) => es.addEventListener('PB_CONNECT', (e) => ok(JSON.parse((e as MessageEvent).data).clientId)));
		const sub = await fetch(`${url()}/api/realtime`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: rep.pb.authStore.token },
			body: JSON.stringify({ clientId, subscriptions: ['customers/*'] })
		});
		expect(sub.status).toBe(204);
		let closed = false;
		es.onerror = () => (closed = true);

		// only an admin deactivates, never themself
		await expect(manager.send(`/api/crm/staff/${rep.id}/deactivate`, { method: 'POST', body: {} })).rejects.toMatchObject({ status: 403 });
		await expect(admin.send(`/api/crm/staff/${staff('owner').id}/deactivate`, { method: 'POST', body: {} })).rejects.toMatchObject({ status: 400 });
		const res = await admin.send(`/api/crm/staff/${rep.id}/deactivate`, { method: 'POST', body: { reassign_to: heir } });
		expect(res).toMatchObject({ deactivated: true, customers_moved: 1 });

		// their next request is refused with a reason their devices act on
		for (const call of [
			() => rep.pb.collection('customers').getList(1, 1),
			() => rep.pb.collection('staff').authRefresh(),
			() => rep.pb.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [] } })
		]) {
			await expect(call()).rejects.toMatchObject({ status: 401, response: { data: { account: { code: 'account_deactivated' } } } });
		}
		await waitFor(() => closed, 5000);
		es.close();

		// the right password says so; a wrong one says no more than for anyone
		const right = await login(rep.email, rep.password, address());
		expect(right.status).toBe(403);
		expect(right.json.data.account.code).toBe('account_deactivated');
		const wrong = await login(rep.email, 'not-the-password', address());
		expect(wrong.status).toBe(400);
		expect(JSON.stringify(wrong.json)).not.toContain('deactivated');

		// their work stays with the shop: the customer went to the heir, the visit is kept
		const kept = await manager.collection('customers').getOne(c.id);
		expect(kept.owner).toBe(heir);
		expect(kept.field_times.owner).toBeGreaterThan(0);
		expect((await manager.collection('service_records').getOne(sr.id)).staff).toBe(rep.id);
		// and nobody sets the flag through the records API
		await expect(admin.collection('staff').update(rep.id, { deactivated: false })).rejects.toMatchObject({ status: 404 });
	});

	it('left unassigned, their customers wait for a manager; their open chats go back to the queue; reactivated, they sign in again but old sessions stay closed', async () => {
		const agent = await person('agent');
		const rep = await person('sales');
		const c = { id: id15(), name: '无人负责的客户', owner: rep.id };
		await push(rep.pb, [{ doc: c, base: null }]);
		const shopper = await newVisitor(url(), '离职客服的访客');
		const conv = await shopper.pb.collection('conversations').create({ visitor: shopper.id, topic: 'other' });
		await manager.collection('conversations').update(conv.id, { assignee: agent.id });

		const a = await admin.send(`/api/crm/staff/${agent.id}/deactivate`, { method: 'POST', body: {} });
		expect(a).toMatchObject({ conversations_requeued: 1 });
		expect((await manager.collection('conversations').getOne(conv.id)).assignee).toBe('');
		await admin.send(`/api/crm/staff/${rep.id}/deactivate`, { method: 'POST', body: {} });
		expect((await manager.collection('customers').getOne(c.id)).owner).toBe('');

		const oldToken = rep.pb.authStore.token;
		await admin.send(`/api/crm/staff/${rep.id}/reactivate`, { method: 'POST' });
		const stale = await fetch(`${url()}/api/collections/staff/auth-refresh`, { method: 'POST', headers: { authorization: oldToken } });
		expect(stale.status).toBe(401);
		expect((await login(rep.email, rep.password, address())).status).toBe(200);
	});

	it('refuses to hand customers to a deactivated or an agent colleague', async () => {
		const rep = await person('sales');
		const gone = await person('sales');
		await admin.send(`/api/crm/staff/${gone.id}/deactivate`, { method: 'POST', body: {} });
		await expect(admin.send(`/api/crm/staff/${rep.id}/deactivate`, { method: 'POST', body: { reassign_to: gone.id } })).rejects.toMatchObject({ status: 400, response: { data: { reassign_to: {} } } });
		await expect(admin.send(`/api/crm/staff/${rep.id}/deactivate`, { method: 'POST', body: { reassign_to: staff('agent').id } })).rejects.toMatchObject({ status: 400 });
		expect((await admin.collection('staff').getOne(rep.id)).deactivated).toBe(false);
	});
});

describe('passwords and sessions', () => {
	it('an admin sets a new password without the old one; the old password and sessions stop working; nobody else may', async () => {
		const rep = await person('sales');
		await expect(manager.collection('staff').update(rep.id, { password: 'manager-chose-1', passwordConfirm: 'manager-chose-1' })).rejects.toMatchObject({ status: 404 });
		await admin.collection('staff').update(rep.id, { password: 'admin-chose-it-1', passwordConfirm: 'admin-chose-it-1' });
		await expect(rep.pb.collection('customers').getList(1, 1)).resolves.toMatchObject({ items: [] }); // a stale token reads as a guest
		const refresh = await fetch(`${url()}/api/collections/staff/auth-refresh`, { method: 'POST', headers: { authorization: rep.pb.authStore.token } });
		expect(refresh.status).toBe(401);
		expect((await login(rep.email, rep.password, address())).status).toBe(400);
		expect((await login(rep.email, 'admin-chose-it-1', address())).status).toBe(200);
	});

	it('staff sessions last hours, not weeks', async () => {
		const pb = await signIn('sales');
		const payload = JSON.parse(Buffer.from(pb.authStore.token.split('.')[1], 'base64url').toString());
		const hours = (payload.exp - Math.floor(Date.now() / 1000)) / 3600;
		expect(hours).toBeGreaterThan(1);
		expect(hours).toBeLessThanOrEqual(12);
	});
});

describe('sign-in throttling and lockout', () => {
	it('60 wrong passwords in a few seconds from one address are throttled (429 with Retry-After)', async () => {
		const from = address();
		const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => login(`nobody-${i}@example.test`, 'guess', from)));
		const throttled = answers.filter((a) => a.status === 429);
		expect(throttled.length).toBeGreaterThanOrEqual(40);
		expect(throttled[0].json.data.ip.code).toBe('rate_limited');
		expect(Number(throttled[0].headers['retry-after'])).toBeGreaterThan(0);
		// another address is not held back by it (shoppers behind one proxy are told apart by CRM_TRUSTED_PROXY_HEADERS)
		expect((await login('nobody@example.test', 'guess', address())).status).toBe(400);
	});

	it('an account locks after 5 wrong passwords in a row; the right one is refused during the lock with when to retry', async () => {
		const rep = await person('sales');
		for (let i = 0; i < 4; i++) expect((await login(rep.email, `wrong-${i}`, address())).status).toBe(400);
		const fifth = await login(rep.email, 'wrong-5', address());
		expect(fifth.status).toBe(429);
		const right = await login(rep.email, rep.password, address());
		expect(right.status).toBe(429);
		expect(right.json.data.identity.code).toBe('account_locked');
		expect(right.json.data.identity.params.retry_after).toBeGreaterThanOrEqual(25);
		expect(right.json.data.identity.params.retry_after).toBeLessThanOrEqual(30);
		expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
		expect(right.json.message).toMatch(/Try again in \d+ seconds/);
		// the same for an address never seen (the lock is the account's) and in any letter case
		expect((await login(rep.email.toUpperCase(), rep.password, address())).status).toBe(429);
		// an unknown account locks the same way, so the lock tells nothing about who exists
		const ghost = `ghost-${id15()}@example.test`;
		for (let i = 0; i < 4; i++) await login(ghost, 'x', address());
		expect((await login(ghost, 'x', address())).json.data.identity.code).toBe('account_locked');
	});

	it('a correct sign-in before the lock clears the count', async () => {
		const rep = await person('sales');
		for (let i = 0; i < 4; i++) await login(rep.email, `wrong-${i}`, address());
		expect((await login(rep.email, rep.password, address())).status).toBe(200);
		for (let i = 0; i < 4; i++) expect((await login(rep.email, `wrong-again-${i}`, address())).status).toBe(400);
	});
});
