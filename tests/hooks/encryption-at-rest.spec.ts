// Encryption at rest (issue 13, item 1): a customer's name, phone number, e-mail, address and notes,
// a rep's visit note, a shop customer's identify traits and a chat are written through the real APIs.
// The app reads them back as written, while no database file (data, WAL, auxiliary) nor any backup
// file holds any of them in any encoding. Then the data key is rotated: the server starts with a new
// key first and the old one second, reseals everything, and works with the new key alone; with a
// wrong key it refuses to start and says why.
import { afterAll, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import PocketBase from 'pocketbase';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { clientId, newVisitor } from './chat-helpers';
import { id15 } from './helpers';

const servers: RunningServer[] = [];
afterAll(async () => {
	for (const s of servers.reverse()) await s.stop();
});

const run = Math.random().toString(36).slice(2, 8);
const NAME = `加密测试${run}`;
const PHONE = '1398765' + String(Math.floor(Math.random() * 9000) + 1000);
const EMAIL = `at-rest-${run}@example.test`;
const ADDRESS = `保密路${run}号`;
const SHOP_NAME = `商城顾客${run}`;
const SHOP_PHONE = '1367654' + String(Math.floor(Math.random() * 9000) + 1000);
const CHAT_TEXT = `我的电话是 ${PHONE}，地址 ${ADDRESS}`;
const SECRETS = [NAME, PHONE, EMAIL, ADDRESS, SHOP_NAME, SHOP_PHONE, CHAT_TEXT];

/** The secrets as any encoding a file could hold them in: UTF-8, UTF-16 both ways, JSON-escaped, base64, URL-encoded. */
function encodings(s: string): Buffer[] {
	const escaped = JSON.stringify(s)
		.slice(1, -1)
		.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
	return [
		Buffer.from(s, 'utf8'),
		Buffer.from(s, 'utf16le'),
		Buffer.from(s, 'utf16le').swap16(),
		Buffer.from(escaped, 'utf8'),
		Buffer.from(Buffer.from(s).toString('base64')),
		Buffer.from(encodeURIComponent(s))
	];
}

function filesUnder(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { withFileTypes: true, recursive: true })
		.filter((d) => d.isFile())
		.map((d) => join(d.parentPath, d.name));
}

/** Which of the secrets the files hold, as "file: secret". */
function leaks(files: string[]): string[] {
	const out: string[] = [];
	for (const f of files) {
		const bytes = readFileSync(f);
		for (const s of SECRETS) if (encodings(s).some((e) => bytes.includes(e))) out.push(`${f}: ${s}`);
	}
	return out;
}

/** The data key's id as the server writes it in a sealed value (server/backupcrypt.go backupKeyID). */
function keyId(keyB64: string): string {
	return createHash('sha256')
		.update(Buffer.concat([Buffer.from('crm-backup-key-id:'), Buffer.from(keyB64, 'base64')]))
		.digest('hex')
		.slice(0, 8);
}

function client(url: string) {
	const pb = new PocketBase(url);
	pb.autoCancellation(false);
	return pb;
}

it('keeps personal fields out of the database files and backups, and rotates the data key', async () => {
	let server = await startServer();
	servers.push(server);
	const root = join(server.dataDir, '..');
	const { staff } = await seedStaff(server.url);
	const signIn = async (who: { email: string; password: string }) => {
		const pb = client(server.url);
		await pb.collection('staff').authWithPassword(who.email, who.password);
		return pb;
	};
	const owner = await signIn(staff.owner);
	const rep = await signIn(staff.sales);

	// A rep's customer and visit note, pushed as a device does.
	const id = id15();
	const doc = { id, name: NAME, phones: [`+86${PHONE}`], emails: [EMAIL], addresses: [{ label: '家', detail: ADDRESS }], notes: `${NAME} 喜欢绿茶`, owner: staff.sales.id };
	expect((await rep.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [{ doc, base: null }] } })).rejected).toEqual([]);
	const visit = { id: id15(), customer: id, staff: staff.sales.id, kind: 'visit', summary: `拜访${NAME}，电话 ${PHONE}`, at: new Date().toISOString() };
	expect((await rep.send('/api/crm/sync/service_records/push', { method: 'POST', body: { rows: [{ doc: visit, base: null }] } })).rejected).toEqual([]);
	// A shop customer named by the shop's identify event (SQL written by hand in the ingestion).
	const key = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: `at rest ${run}`, kind: 'server' } })).key;
	const ext = `at-rest-${run}`;
	const res = await fetch(`${server.url}/api/crm/events`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ events: [{ id: `id-${run}`, type: 'identify', time: Date.now() - 1000, anonymous_id: `anon-${run}`, customer_id: ext, traits: { name: SHOP_NAME, phone: SHOP_PHONE } }] })
	});
	expect(res.status).toBe(200);
	// A shopper chats.
	const visitor = await newVisitor(server.url, NAME);
	const conv = await visitor.pb.collection('conversations').create({ visitor: visitor.id });
	await visitor.pb.collection('messages').create({ conversation: conv.id, client_id: clientId(), body: CHAT_TEXT });

	// The app reads everything back as written.
	expect(await rep.collection('customers').getOne(id)).toMatchObject({ name: NAME, phones: [`+86${PHONE}`], emails: [EMAIL], addresses: [{ label: '家', detail: ADDRESS }] });
	expect((await rep.collection('service_records').getOne(visit.id)).summary).toBe(visit.summary);
	const shopCustomer = (await owner.collection('customers').getFullList({ filter: `external_id = "${ext}"` }))[0];
	expect(shopCustomer).toMatchObject({ name: SHOP_NAME, phones: [`+86${SHOP_PHONE}`] });
	const agent = await signIn(staff.agent);
	expect((await agent.collection('messages').getFullList({ filter: `conversation = "${conv.id}"` })).map((m) => m.body)).toEqual([CHAT_TEXT]);
	expect((await agent.collection('conversations').getOne(conv.id)).last_message_preview).toContain(PHONE);
	// The personal-data export (SQL written by hand) opens them too.
	const exported = JSON.stringify(await owner.send(`/api/crm/customers/${id}/personal-data?format=json`, {}));
	for (const s of [NAME, EMAIL, ADDRESS]) expect(exported).toContain(s);
	// The server cannot search by an encrypted field, and says so.
	await expect(rep.collection('customers').getList(1, 5, { filter: `name ~ "${NAME}"` })).rejects.toMatchObject({
		status: 400,
		response: { data: { filter: { code: 'field_not_allowed', message: expect.stringContaining('encrypted') } } }
	});

	// After a clean stop (the backup agent copies the rest), nothing personal in any file of the data
	// directory or the backup.
	await server.stop({ keepData: true });
	const dbFiles = filesUnder(server.dataDir).filter((f) => /\.db(-wal|-shm)?$/.test(f));
	expect(dbFiles.map((f) => f.slice(server.dataDir.length))).toEqual(expect.arrayContaining(['/data.db', '/auxiliary.db']));
	expect(leaks(dbFiles)).toEqual([]);
	const backupFiles = filesUnder(`${server.dataDir}-backup`);
	expect(backupFiles.length).toBeGreaterThan(0);
	expect(leaks(backupFiles)).toEqual([]);
	// The key is beside the data directory, readable by the server's user only.
	const keyFile = `${server.dataDir}-data.key`;
	expect(statSync(keyFile).mode & 0o077).toBe(0);
	const oldKey = readFileSync(keyFile, 'utf8')
		.split('\n')
		.find((l) => l && !l.startsWith('#'))!
		.trim();
	expect(readFileSync(join(server.dataDir, 'data.db')).includes(Buffer.from(`enc1:${keyId(oldKey)}:`))).toBe(true);

	// Rotation (docs/encryption.md): the new key first, the old one second; the start reseals.
	const newKey = randomBytes(32).toString('base64');
	const rotation = join(root, 'rotation.key');
	writeFileSync(rotation, `${newKey}\n${oldKey}\n`, { mode: 0o600 });
	server = await startServer({ dataDir: server.dataDir, env: { CRM_DATA_KEY_FILE: rotation } });
	servers.push(server);
	await server.stop({ keepData: true });
	const afterRotation = readFileSync(join(server.dataDir, 'data.db'));
	expect(afterRotation.includes(Buffer.from(`enc1:${keyId(newKey)}:`))).toBe(true);
	expect(afterRotation.includes(Buffer.from(`enc1:${keyId(oldKey)}:`))).toBe(false);
	// The new key alone now opens everything.
	writeFileSync(rotation, `${newKey}\n`, { mode: 0o600 });
	server = await startServer({ dataDir: server.dataDir, env: { CRM_DATA_KEY_FILE: rotation } });
	servers.push(server);
	const again = client(server.url);
	await again.collection('staff').authWithPassword(staff.sales.email, staff.sales.password);
	expect(await again.collection('customers').getOne(id)).toMatchObject({ name: NAME, emails: [EMAIL] });
	await server.stop({ keepData: true });

	// A wrong key: the server does not start, and says which key the data needs.
	const wrong = join(root, 'wrong.key');
	writeFileSync(wrong, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
	await expect(startServer({ dataDir: server.dataDir, env: { CRM_DATA_KEY_FILE: wrong } })).rejects.toThrow(/sealed with a data key that is not among the data keys/);
}, 120_000);
