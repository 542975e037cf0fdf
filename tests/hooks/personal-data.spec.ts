// The rights of the person (issue 13, PIPL Arts. 45 and 47), on the shared test server: a shop customer
// with browsing, an order, a consent, a rep's visit note, a chat with an image and contact details, held
// on the rep's device. An admin exports everything held about them (JSON and CSV), then erases them:
// afterwards none of their personal values is anywhere in the database files or on the rep's synced
// device, every dashboard figure is what it was, the erasure is in the audit log, an offline edit
// cannot bring the data back, and the shop's next event for that shop id starts a new customer.
import { beforeAll, expect, inject, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type PocketBase from 'pocketbase';
import { id15, signIn, staff, url } from './helpers';
import { device } from './devices';
import { SHOP_SECRET } from './shop-secret';
import { clientId, imageForm, session } from './chat-helpers';
import { createHmac } from 'node:crypto';

const run = Math.random().toString(36).slice(2, 8);
const NAME = `删除测试${run}`;
const PHONE = '13987654' + String(Math.floor(Math.random() * 900) + 100);
const EMAIL = `erase-${run}@example.test`;
const ADDRESS = `幸福路${run}号`;
const EXT = `erase-ext-${run}`;

let owner: PocketBase;
let manager: PocketBase;
let rep: PocketBase;
let serverKey: string;
let customerId: string;

async function events(list: Record<string, unknown>[]) {
	const res = await fetch(`${url()}/api/crm/events`, { method: 'POST', headers: { authorization: `Bearer ${serverKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ events: list }) });
	expect(res.status).toBe(200);
}

/** Every dashboard figure the app shows, as the server answers them. */
async function figures(): Promise<string> {
	const out: Record<string, unknown> = {};
	for (const name of ['overview', 'trends', 'funnel', 'rfm', 'cohorts', 'products']) out[name] = await manager.send(`/api/crm/stats/${name}`, {});
	out.service = await manager.send('/api/crm/stats/service', {});
	return JSON.stringify(out, (k, v) => (/^(generated|computed|at|now|as_of)$/.test(k) ? undefined : v));
}

/** The secrets as any encoding a file could hold them in. */
function encodings(s: string): Buffer[] {
	const escaped = JSON.stringify(s)
		.slice(1, -1)
		.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
	return [Buffer.from(s, 'utf8'), Buffer.from(s, 'utf16le'), Buffer.from(escaped, 'utf8'), Buffer.from(escaped.toUpperCase().replace(/\\U/g, '\\u'), 'utf8')];
}

function filesUnder(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { withFileTypes: true, recursive: true })
		.filter((d) => d.isFile())
		.map((d) => join(d.parentPath, d.name));
}

beforeAll(async () => {
	owner = await signIn('owner');
	manager = await signIn('manager');
	rep = await signIn('sales');
	serverKey = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: `erase ${run}`, kind: 'server' } })).key;
});

it('exports everything held about a customer, then erases them everywhere without changing a figure', async () => {
	// The shop: an anonymous visit linked at sign-in, a visit with the e-mail in the address, an order.
	const anon = `anon-${run}`;
	const t = Date.now() - 60_000;
	await events([
		{
			id: `e1-${run}`,
			type: 'page_view',
			time: t,
			anonymous_id: anon,
			url: `https://shop.example/p/1?ref=${encodeURIComponent(EMAIL)}`,
			referrer: `https://search.example/?q=${encodeURIComponent(NAME)}`
		},
		{ id: `e2-${run}`, type: 'identify', time: t + 1, anonymous_id: anon, customer_id: EXT, traits: { name: NAME, phone: PHONE, email: EMAIL } },
		{ id: `e3-${run}`, type: 'purchase', time: t + 2, customer_id: EXT, order_id: `o-${run}`, total: 88, items: [{ product_id: 'p1', price: 88, quantity: 1 }] }
	]);
	customerId = (await owner.collection('customers').getFirstListItem(`external_id = "${EXT}"`)).id;
	// The manager hands them to the rep, with an address and consent; the rep logs a visit.
	await manager
		.collection('customers')
		.update(customerId, { owner: staff('sales').id, addresses: [{ label: '家', detail: ADDRESS }], notes: `${NAME} 喜欢红茶`, marketing_consent: true, consent_how: 'in_person' });
	const visit = { id: id15(), customer: customerId, staff: staff('sales').id, kind: 'visit', summary: `拜访${NAME}，电话 ${PHONE}`, at: new Date().toISOString() };
	expect((await rep.send('/api/crm/sync/service_records/push', { method: 'POST', body: { rows: [{ doc: visit, base: null }] } })).rejected).toEqual([]);
	// The shopper chats from the shop, signed in, leaves a contact and sends a photo.
	const ts = Math.floor(Date.now() / 1000);
	const s = await session(url(), { name: NAME, locale: 'zh-CN', identity: { customer_id: EXT, ts, sig: createHmac('sha256', SHOP_SECRET).update(`${EXT}.${ts}`).digest('hex') } });
	expect(s.status).toBe(200);
	const { default: PB } = await import('pocketbase');
	const shopper = new PB(url());
	shopper.autoCancellation(false);
	shopper.authStore.save(s.json.token, { ...s.json.visitor, collectionName: 'visitors', collectionId: 'visitors' } as never);
	const conv = await shopper.collection('conversations').create({ visitor: s.json.visitor.id, topic: 'pre_sale', contact: { phone: `+86${PHONE}`, email: EMAIL } });
	await shopper.collection('messages').create({ conversation: conv.id, client_id: clientId(), body: `我是${NAME}，电话${PHONE}` });
	const photo = await shopper.collection('messages').create(imageForm({ conversation: conv.id, client_id: clientId(), body: '' }));
	expect(photo.attachments).toHaveLength(1);

	// The rep's phone holds the customer and the visit.
	const phone = await device('sales', rep);
	await phone.online();
	expect((await phone.db.customers.findOne(customerId).exec())?.name).toBe(NAME);

	// Only admins export or erase.
	for (const who of [rep, manager]) {
		await expect(who.send(`/api/crm/customers/${customerId}/personal-data`, {})).rejects.toMatchObject({ status: 403 });
		await expect(who.send(`/api/crm/customers/${customerId}/erase`, { method: 'POST', body: { confirm: NAME } })).rejects.toMatchObject({ status: 403 });
	}

	// Art. 45: everything, as JSON and as CSV.
	const data = await owner.send(`/api/crm/customers/${customerId}/personal-data`, {});
	expect(data.profile).toMatchObject({ id: customerId, name: NAME, external_id: EXT });
	expect(data.profile.phones).toContain(`+86${PHONE}`);
	expect(data.events.map((e: { type: string }) => e.type).sort()).toEqual(['identify', 'page_view', 'purchase']);
	expect(data.orders).toHaveLength(1);
	expect(data.identity_links.map((l: { anon_id: string }) => l.anon_id)).toContain(anon);
	expect(data.service_records[0].summary).toContain(NAME);
	expect(data.chat_visitors[0].id).toBe(s.json.visitor.id);
	expect(data.conversations[0].contact).toMatchObject({ email: EMAIL });
	expect(data.messages.map((m: { body: string }) => m.body)).toContain(`我是${NAME}，电话${PHONE}`);
	expect(data.consents.at(-1)).toMatchObject({ purpose: 'marketing', granted: true });
	expect(JSON.stringify(data)).not.toMatch(/"(password|tokenKey|secret_hash)"/);
	const csv = await (await fetch(`${url()}/api/crm/customers/${customerId}/personal-data?format=csv`, { headers: { authorization: owner.authStore.token } })).text();
	expect(csv.split('\n')[0]).toBe('section,record,field,value');
	for (const v of [NAME, EMAIL, ADDRESS, 'messages', 'consents']) expect(csv).toContain(v);
	await expect(owner.send(`/api/crm/customers/${customerId}/personal-data?format=xml`, {})).rejects.toMatchObject({ status: 400, response: { data: { format: { code: 'invalid' } } } });

	const before = await figures();
	// Art. 47: the admin types the name to confirm.
	await expect(owner.send(`/api/crm/customers/${customerId}/erase`, { method: 'POST', body: { confirm: '别人' } })).rejects.toMatchObject({
		status: 400,
		response: { data: { confirm: { code: 'mismatch' } } }
	});
	// The request log keeps no query values (server/logredact.go), but a path may name them: a shop
	// page that asked for their coupon by a code made of their shop id, say. Erasing removes it.
	expect((await fetch(`${url()}/api/crm/coupons/${encodeURIComponent(EXT)}`)).status).toBeGreaterThanOrEqual(400);
	const erased = await owner.send(`/api/crm/customers/${customerId}/erase`, { method: 'POST', body: { confirm: NAME } });
	expect(erased).toMatchObject({ erased: true, counts: { profile: 1, messages: 2, conversations: 1, chat_visitors: 1, identity_links: 1, service_records: 1 } });
	expect(erased.counts.request_logs).toBeGreaterThanOrEqual(1);

	// Every figure is what it was.
	expect(JSON.parse(await figures())).toEqual(JSON.parse(before));

	// Nothing of theirs is left in the database files or the stored files.
	const dataDir = inject('pbDataDir');
	await expect
		.poll(
			() => {
				const hits: string[] = [];
				for (const f of ['data.db', 'data.db-wal', 'auxiliary.db', 'auxiliary.db-wal'].map((n) => join(dataDir, n)).filter(existsSync)) {
					const bytes = readFileSync(f);
					for (const secret of [NAME, PHONE, EMAIL, ADDRESS, EXT]) if (encodings(secret).some((b) => bytes.includes(b))) hits.push(`${f}: ${secret}`);
				}
				return hits;
			},
			{ timeout: 10_000 }
		)
		.toEqual([]);
	expect(filesUnder(join(dataDir, 'storage')).filter((f) => f.includes(photo.id))).toEqual([]);

	// The rep's phone: the tombstone replaces the customer; no personal value is left in its database.
	phone.engine!.resyncAll();
	await phone.engine!.awaitInSync();
	const local = await phone.db.customers.findOne(customerId).exec();
	expect(local?.toJSON()).toMatchObject({ name: '(erased)', deleted: true, phones: [], notes: '' });
	const dump = JSON.stringify([(await phone.db.customers.find().exec()).map((d) => d.toJSON()), (await phone.db.service_records.find().exec()).map((d) => d.toJSON())]);
	for (const secret of [NAME, PHONE, EMAIL, ADDRESS, EXT]) expect(dump).not.toContain(secret);

	// An edit made offline before the erasure cannot bring the data back.
	const stale = await rep.send<{ rejected: { code: string }[] }>('/api/crm/sync/customers/push', {
		method: 'POST',
		body: { rows: [{ doc: { ...local!.toJSON(), notes: `${NAME} 回来了` }, base: local!.toJSON() }] }
	});
	expect(stale.rejected[0]).toMatchObject({ status: 410, field: 'id', code: 'erased' });
	await expect(rep.collection('service_records').create({ ...visit, id: id15() })).rejects.toMatchObject({ status: 410 });

	// Recorded: who erased whom.
	const audit = (await owner.send(`/api/crm/audit?target=${customerId}&action=customers.erase`, {})).items;
	expect(audit).toHaveLength(1);
	expect(audit[0]).toMatchObject({ actor: staff('owner').id, role: 'admin' });
	expect((await owner.send(`/api/crm/audit?target=${customerId}&action=customers.data_export`, {})).items.length).toBe(2);

	// The shop's next event for that shop id (or that browser) starts a new customer.
	await events([{ id: `e4-${run}`, type: 'page_view', time: Date.now(), anonymous_id: anon, customer_id: EXT }]);
	const again = await owner.collection('customers').getFullList({ filter: `external_id = "${EXT}"` });
	expect(again.map((c) => c.id)).not.toContain(customerId);
}, 120_000);
