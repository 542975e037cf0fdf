// The audit log (issue 13) through the APIs, as the people it is about use them: a sales rep's read of a
// customer's detail names that rep; a failed sign-in, a sync edit with a consent decision, a merge and
// a shop key made and revoked are each recorded with who, when, what and from where, never with the
// customer's phone or name; only admins search or export it; the chain verifies, from the API and from
// `crm-server audit-verify`.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import PocketBase, { ClientResponseError } from 'pocketbase';
import { SERVER_BIN, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { id15 } from './helpers';
import type { AuditEntry } from '../../src/routes/settings/audit/audit-entry';

type Entry = AuditEntry;

let server: RunningServer;
let staff: Awaited<ReturnType<typeof seedStaff>>['staff'];
const clients: Record<string, PocketBase> = {};

beforeAll(async () => {
	server = await startServer();
	({ staff } = await seedStaff(server.url));
	for (const key of ['owner', 'manager', 'sales', 'sales2'] as const) {
		const pb = new PocketBase(server.url);
		pb.autoCancellation(false);
		await pb.collection('staff').authWithPassword(staff[key].email, staff[key].password);
		clients[key] = pb;
	}
}, 60_000);
afterAll(async () => server?.stop());

async function search(params: Record<string, string>): Promise<Entry[]> {
	const q = new URLSearchParams(params).toString();
	return (await clients.owner.send<{ items: Entry[] }>(`/api/crm/audit?${q}`, {})).items;
}

it('a sales rep reading a customer’s detail is named, with the time and the address', async () => {
	const id = id15();
	const phone = '+8613912345678';
	await clients.sales.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [{ doc: { id, name: '审计顾客甲', phones: [phone], owner: staff.sales.id }, base: null }] } });
	const before = new Date(Date.now() - 1000).toISOString();
	await clients.sales.collection('customers').getOne(id);
	const views = await search({ target: id, action: 'customers.view' });
	expect(views).toHaveLength(1);
	expect(views[0]).toMatchObject({ actor: staff.sales.id, actor_name: '李销售', role: 'sales', collection: 'customers', target: id, ip: '127.0.0.1' });
	expect(Date.parse(views[0].at.replace(' ', 'T'))).toBeGreaterThanOrEqual(Date.parse(before));
	const created = await search({ target: id, action: 'customers.create' });
	expect(created[0]).toMatchObject({ actor: staff.sales.id, role: 'sales' });
	expect(JSON.parse(created[0].detail).fields).toEqual(expect.arrayContaining(['name', 'phones']));
	// The device's pull of its customers is a read too, with the ids it received.
	await clients.sales.collection('customers').getList(1, 50, { filter: `id = "${id}"` });
	const lists = await search({ target: id, action: 'customers.list' });
	expect(lists[0]).toMatchObject({ actor: staff.sales.id });
	expect(JSON.parse(lists[0].detail).ids).toContain(id);
	// Entries name fields, never values: no phone and no name in the export.
	const csv = await (await fetch(`${server.url}/api/crm/audit/export.csv?target=${id}`, { headers: { authorization: clients.owner.authStore.token } })).text();
	expect(csv).toContain('customers.view');
	for (const secret of [phone, '13912345678', '审计顾客甲']) expect(csv).not.toContain(secret);
});

it('the customer CSV export goes through the server: limited by role, recorded with its size', async () => {
	const mine = id15();
	const theirs = id15();
	await clients.sales.send('/api/crm/sync/customers/push', {
		method: 'POST',
		body: { rows: [{ doc: { id: mine, name: '导出顾客甲', phones: ['+8613911112222'], owner: staff.sales.id }, base: null }] }
	});
	await clients.sales2.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [{ doc: { id: theirs, name: '导出顾客乙', owner: staff.sales2.id }, base: null }] } });
	// A rep gets exactly the customers they may list, with the fields asked for, opened.
	const out = await clients.sales.send<{ items: { id: string; name: string; phones?: string[] }[] }>('/api/crm/customers/export', { method: 'POST', body: { columns: ['name', 'phones'] } });
	const listable = await clients.sales.collection('customers').getFullList({ filter: 'deleted = false', fields: 'id' });
	expect(out.items.map((c) => c.id).sort()).toEqual(listable.map((c) => c.id).sort());
	expect(out.items.find((c) => c.id === mine)).toEqual({ id: mine, name: '导出顾客甲', phones: ['+8613911112222'] });
	expect(out.items.some((c) => c.id === theirs)).toBe(false);
	// ids (a segment's members on the device) narrow it; they never widen it.
	const narrowed = await clients.sales.send<{ items: { id: string }[] }>('/api/crm/customers/export', { method: 'POST', body: { ids: [mine, theirs], segment: 'seg-x' } });
	expect(narrowed.items.map((c) => c.id)).toEqual([mine]);
	// Recorded: who, how many, which columns and segment.
	const entries = await search({ action: 'customers.export', actor: staff.sales.id });
	expect(entries.length).toBe(2);
	expect(entries.map((e) => JSON.parse(e.detail))).toEqual(
		expect.arrayContaining([{ count: out.items.length, columns: ['name', 'phones'], segment: '' }, expect.objectContaining({ count: 1, segment: 'seg-x' })])
	);
	// Service agents do not export; an unknown column is named.
	const agent = new PocketBase(server.url);
	await agent.collection('staff').authWithPassword(staff.agent.email, staff.agent.password);
	await expect(agent.send('/api/crm/customers/export', { method: 'POST', body: {} })).rejects.toMatchObject({ status: 403 });
	await expect(clients.sales.send('/api/crm/customers/export', { method: 'POST', body: { columns: ['password'] } })).rejects.toMatchObject({
		status: 400,
		response: { data: { columns: { code: 'invalid' } } }
	});
	await expect(new PocketBase(server.url).send('/api/crm/customers/export', { method: 'POST', body: {} })).rejects.toMatchObject({ status: 401 });
});

it('edits, a consent decision, a merge and a deletion through sync are recorded per customer', async () => {
	const keep = { id: id15(), name: '保留的顾客', phones: ['+8613900000001'], owner: staff.sales.id, marketing_consent: false };
	const drop = { id: id15(), name: '重复的顾客', phones: ['+8613900000002'], owner: staff.sales.id };
	await clients.sales.send('/api/crm/sync/customers/push', {
		method: 'POST',
		body: {
			rows: [
				{ doc: keep, base: null },
				{ doc: drop, base: null }
			]
		}
	});
	const current = await clients.sales.collection('customers').getOne(keep.id);
	const edited = { ...keep, notes: '喜欢绿茶', marketing_consent: true, consent_how: 'in_person', consent_at: new Date().toISOString() };
	const base = Object.fromEntries(Object.keys(edited).map((k) => [k, (current as Record<string, unknown>)[k]]));
	const out = await clients.sales.send<{ rejected: unknown[]; conflicts: unknown[] }>('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [{ doc: edited, base }] } });
	expect(out).toEqual({ conflicts: [], rejected: [] });
	const update = (await search({ target: keep.id, action: 'customers.update' }))[0];
	expect(update).toMatchObject({ actor: staff.sales.id, role: 'sales' });
	expect(JSON.parse(update.detail).fields.sort()).toEqual(['consent_at', 'consent_how', 'marketing_consent', 'notes']);
	expect(update.detail).not.toContain('绿茶');
	const consent = (await search({ target: keep.id, action: 'customers.consent' }))[0];
	expect(JSON.parse(consent.detail)).toEqual({ granted: true, how: 'in_person' });

	// The app's merge: the duplicate is deleted with a history entry pointing at the one kept.
	const dropNow = await clients.sales.collection('customers').getOne(drop.id);
	const dropBase = { ...drop, history: dropNow.history ?? [], deleted: false };
	const merged = { ...drop, deleted: true, history: [...(dropNow.history ?? []), { field: 'merged_into', value: keep.id, edited_at: Date.now(), resolved_at: Date.now(), reason: 'merged' }] };
	expect((await clients.sales.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [{ doc: merged, base: dropBase }] } })).rejected).toEqual([]);
	expect(await search({ target: drop.id, action: 'customers.merge' })).toHaveLength(1);
	// A plain deletion (the app's delete marks the customer deleted).
	const keepNow = await clients.sales.collection('customers').getOne(keep.id);
	const keepBase = Object.fromEntries(
		Object.keys(edited)
			.concat('deleted', 'history')
			.map((k) => [k, (keepNow as Record<string, unknown>)[k]])
	);
	expect((await clients.sales.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [{ doc: { ...keepBase, deleted: true }, base: keepBase }] } })).rejected).toEqual([]);
	expect((await search({ target: keep.id, action: 'customers.delete' })).map((d) => d.actor)).toEqual([staff.sales.id]);
	const writes = (await search({ target: keep.id, action: 'customers.' })).map((d) => d.action).filter((a) => a !== 'customers.view' && a !== 'customers.list');
	expect(writes.sort()).toEqual(['customers.consent', 'customers.create', 'customers.delete', 'customers.update']);
});

it('sign-ins, failed ones, and shop keys made and revoked', async () => {
	const stranger = new PocketBase(server.url);
	await expect(stranger.collection('staff').authWithPassword(staff.sales2.email, 'not-the-password')).rejects.toBeInstanceOf(ClientResponseError);
	const failed = await search({ action: 'auth.login_failed', target: staff.sales2.email.toLowerCase() });
	expect(failed).toHaveLength(1);
	expect(failed[0]).toMatchObject({ actor: '', collection: 'staff', ip: '127.0.0.1' });
	await stranger.collection('staff').authWithPassword(staff.sales2.email, staff.sales2.password);
	const ok = await search({ action: 'auth.login', actor: staff.sales2.id });
	expect(ok.at(0)).toMatchObject({ actor: staff.sales2.id, role: 'sales', target: staff.sales2.id });

	const made = await clients.owner.send<{ id: string; key: string }>('/api/crm/shop-sources', { method: 'POST', body: { name: 'audit shop', kind: 'server' } });
	await clients.owner.send(`/api/crm/shop-sources/${made.id}/revoke`, { method: 'POST' });
	const keys = await search({ target: made.id });
	expect(keys.map((k) => k.action).sort()).toEqual(['shop_sources.key_create', 'shop_sources.key_revoke']);
	for (const k of keys) {
		expect(k).toMatchObject({ actor: staff.owner.id, role: 'admin' });
		expect(k.detail).not.toContain(made.key); // the secret never
	}
});

it('only admins read, export or verify the log; a date that is not one is refused by name', async () => {
	for (const key of ['sales', 'manager'] as const) {
		for (const path of ['/api/crm/audit', '/api/crm/audit/export.csv', '/api/crm/audit/verify']) {
			await expect(clients[key].send(path, {})).rejects.toMatchObject({ status: 403 });
		}
	}
	await expect(new PocketBase(server.url).send('/api/crm/audit', {})).rejects.toMatchObject({ status: 403 });
	// The log is on no collection API.
	await expect(clients.owner.collection('audit_log').getList(1, 1)).rejects.toMatchObject({ status: 404 });
	await expect(clients.owner.send('/api/crm/audit?from=yesterday', {})).rejects.toMatchObject({ status: 400, response: { data: { from: { code: 'invalid_date' } } } });
});

it('the export is itself recorded, and the chain verifies from the API and from the command', async () => {
	const res = await fetch(`${server.url}/api/crm/audit/export.csv?action=auth.`, { headers: { authorization: clients.owner.authStore.token } });
	expect(res.headers.get('content-type')).toContain('text/csv');
	const bytes = Buffer.from(await res.arrayBuffer());
	expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf])); // the mark Excel needs for UTF-8
	expect(bytes.subarray(3).toString('utf8').startsWith('seq,at,actor,actor_name,role,action')).toBe(true);
	expect((await search({ action: 'audit.export' })).at(0)).toMatchObject({ actor: staff.owner.id });
	const verdict = await clients.owner.send<{ ok: boolean; entries: number }>('/api/crm/audit/verify', {});
	expect(verdict.ok).toBe(true);
	expect(verdict.entries).toBeGreaterThan(10);
	const out = execFileSync(SERVER_BIN, ['audit-verify', '--dir', server.dataDir], { encoding: 'utf8' });
	expect(out).toMatch(/^audit log ok: \d+ entries/);
});
