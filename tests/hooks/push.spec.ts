// Web Push of new visitor messages (docs/api/chat.md, "Web Push"; server/push.go), on a server of its own.
// A browser vendor's push service (FCM, Mozilla autopush, Apple) cannot be reached from here, so a local
// HTTP receiver in this test stands in for it: the subscriptions' endpoints point at it (the server
// accepts http:// endpoints only with CRM_PUSH_ALLOW_HTTP=1, set for this server). What the receiver gets
// is checked as a push service and then the browser would: the VAPID JWT (RFC 8292) against the server's
// public key, and the body decrypted (RFC 8291, aes128gcm) with the subscription's own P-256 key and
// auth secret, made here as a browser makes them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createECDH, createDecipheriv, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import PocketBase from 'pocketbase';
import { execFileSync } from 'node:child_process';
import { SERVER_BIN, removeDataDir, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { waitFor } from './helpers';
import { clientId, newStaff, newVisitor, outcome, type Visitor } from './chat-helpers';

const SUBJECT = 'mailto:ops@shop.test';

interface Received {
	path: string;
	headers: IncomingHttpHeaders;
	body: Buffer;
	res: ServerResponse;
}

let server: RunningServer;
let receiver: Server;
let origin: string;
const received: Received[] = [];
/** Paths the receiver answers with this status; /hold/ paths are answered by the test. */
const statusFor = (path: string) => (path.startsWith('/gone/') ? 410 : path.startsWith('/busy/') ? 503 : 201);

let admin: PocketBase;
let agent: { pb: PocketBase; id: string };
let agent2: { pb: PocketBase; id: string };
let manager: { pb: PocketBase; id: string };
let sales: { pb: PocketBase; id: string };

beforeAll(async () => {
	receiver = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), res });
			if (!req.url?.startsWith('/hold/')) res.writeHead(statusFor(req.url ?? '')).end();
		});
	});
	await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
	origin = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;

	process.env.CRM_PUSH_ALLOW_HTTP = '1';
	process.env.CRM_PUSH_SUBJECT = SUBJECT;
	// Follow-up reminders at any hour, checked twice a second (server/reminders.go).
	process.env.CRM_REMINDER_HOUR = '0';
	process.env.CRM_REMINDER_EVERY = '500ms';
	try {
		server = await startServer();
	} finally {
		delete process.env.CRM_PUSH_ALLOW_HTTP;
		delete process.env.CRM_PUSH_SUBJECT;
		delete process.env.CRM_REMINDER_HOUR;
		delete process.env.CRM_REMINDER_EVERY;
	}
	const { staff } = await seedStaff(server.url);
	admin = new PocketBase(server.url);
	admin.autoCancellation(false);
	await admin.collection('staff').authWithPassword(staff.owner.email, staff.owner.password);
	agent = await newStaff(server.url, admin, 'agent', '客服甲');
	agent2 = await newStaff(server.url, admin, 'agent', '客服乙');
	manager = await newStaff(server.url, admin, 'manager', '经理');
	sales = await newStaff(server.url, admin, 'sales', '销售');
});

afterAll(async () => {
	for (const r of received) if (!r.res.writableEnded) r.res.writeHead(201).end();
	await server?.stop({ keepData: true });
	if (server) removeDataDir(server.dataDir);
	await new Promise((ok) => receiver?.close(ok));
});

// --- a browser's side of a subscription -------------------------------------------------------------

interface Device {
	ecdh: ECDH;
	auth: Buffer;
	endpoint: string;
	record?: { id: string };
}

const b64url = (b: Buffer) => b.toString('base64url');

function device(path = `/push/${randomBytes(8).toString('hex')}`): Device {
	const ecdh = createECDH('prime256v1');
	ecdh.generateKeys();
	return { ecdh, auth: randomBytes(16), endpoint: origin + path };
}

const mine: { pb: PocketBase; id: string }[] = [];

async function subscribe(who: { pb: PocketBase; id: string }, d: Device): Promise<Device> {
	const record = await who.pb.collection('push_subscriptions').create({
		staff: who.id,
		endpoint: d.endpoint,
		p256dh: b64url(d.ecdh.getPublicKey()),
		auth: b64url(d.auth),
		user_agent: 'vitest'
	});
	mine.push({ pb: who.pb, id: record.id });
	d.record = record;
	return d;
}

afterEach(async () => {
	for (const m of mine.splice(0))
		await m.pb
			.collection('push_subscriptions')
			.delete(m.id)
			.catch(() => undefined);
});

/** RFC 8291: what the browser does with a push message body. */
function decrypt(d: Device, body: Buffer): unknown {
	const salt = body.subarray(0, 16);
	const idlen = body[20];
	const asPublic = body.subarray(21, 21 + idlen);
	const ciphertext = body.subarray(21 + idlen);
	const secret = d.ecdh.computeSecret(asPublic);
	const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), d.ecdh.getPublicKey(), asPublic]);
	const ikm = Buffer.from(hkdfSync('sha256', secret, d.auth, keyInfo, 32));
	const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
	const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
	const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
	decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
	const plain = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
	let end = plain.length - 1;
	while (end >= 0 && plain[end] === 0) end--;
	expect(plain[end]).toBe(2); // the last record's padding delimiter
	return JSON.parse(plain.subarray(0, end).toString('utf8'));
}

/** RFC 8292: what the push service checks before taking a message. */
function checkVapid(headers: IncomingHttpHeaders, publicKey: string) {
	const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(headers.authorization ?? '');
	expect(m, headers.authorization).not.toBeNull();
	const [, jwt, k] = m!;
	expect(k).toBe(publicKey);
	const [h, p, s] = jwt.split('.');
	expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toMatchObject({ alg: 'ES256' });
	const raw = Buffer.from(publicKey, 'base64url');
	const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33, 65)) }, format: 'jwk' });
	expect(verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))).toBe(true);
	const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
	expect(claims.aud).toBe(origin);
	expect(claims.sub).toBe(SUBJECT);
	expect(claims.exp * 1000).toBeGreaterThan(Date.now());
	expect(claims.exp * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
}

async function publicKey(pb = agent.pb): Promise<string> {
	return ((await pb.send('/api/crm/push/key', {})) as { public_key: string }).public_key;
}

const to = (d: Device) => received.filter((r) => origin + r.path === d.endpoint);
const forConversation = (d: Device, c: string) => to(d).filter((r) => r.headers.topic === c);
/** The pushes for a conversation once at least one arrived (waitFor takes 0 as an answer). */
const arrived = (d: Device, c: string) => waitFor(() => (forConversation(d, c).length ? forConversation(d, c) : undefined));

async function visitorMessage(v: Visitor, conversation: string, body: string) {
	return v.pb.collection('messages').create({ conversation, client_id: clientId(), body });
}

async function openConversation(name = `顾客${randomBytes(2).toString('hex')}`) {
	const v = await newVisitor(server.url, name);
	const c = await v.pb.collection('conversations').create({ visitor: v.id, topic: 'pre_sale' });
	return { v, c, name };
}

// --- tests ------------------------------------------------------------------------------------------

describe('the VAPID public key', () => {
	it('is given to staff only, as an uncompressed P-256 point, the same every time', async () => {
		const key = await publicKey();
		const raw = Buffer.from(key, 'base64url');
		expect(raw.length).toBe(65);
		expect(raw[0]).toBe(4);
		expect(await publicKey(manager.pb)).toBe(key);
		const anon = await fetch(`${server.url}/api/crm/push/key`);
		expect(anon.status).toBe(401);
		const v = await newVisitor(server.url);
		expect(await outcome(v.pb.send('/api/crm/push/key', {}))).toBe('deny');
	});
});

describe('push_subscriptions rules', () => {
	it("agents, managers and admins save their own; nobody reads, changes or deletes another's", async () => {
		const d = await subscribe(agent, device());
		await subscribe(manager, device());
		expect(await outcome(agent2.pb.collection('push_subscriptions').getOne(d.record!.id))).toBe('deny');
		expect(await agent2.pb.collection('push_subscriptions').getFullList()).toEqual([]);
		expect(await manager.pb.collection('push_subscriptions').getFullList({ filter: `id = "${d.record!.id}"` })).toEqual([]);
		expect(await outcome(admin.collection('push_subscriptions').getOne(d.record!.id))).toBe('deny');
		expect(await outcome(agent2.pb.collection('push_subscriptions').delete(d.record!.id))).toBe('deny');
		expect(await outcome(agent.pb.collection('push_subscriptions').update(d.record!.id, { endpoint: origin + '/elsewhere' }))).toBe('deny');
		const own = await agent.pb.collection('push_subscriptions').getFullList();
		expect(own.map((r) => r.id)).toEqual([d.record!.id]);

		// Not for someone else, not for visitors; sales reps may (the day's follow-ups, no chats).
		expect(await outcome(subscribe({ pb: agent.pb, id: agent2.id }, device()))).toBe('deny');
		expect(await outcome(subscribe(sales, device()))).toBe('allow');
		const v = await newVisitor(server.url);
		expect(await outcome(subscribe({ pb: v.pb, id: v.id }, device()))).toBe('deny');
	});

	it('refuses endpoints and keys a browser would not give', async () => {
		const bad = async (patch: Record<string, string>) => {
			const d = device();
			const err = await agent.pb
				.collection('push_subscriptions')
				.create({ staff: agent.id, endpoint: d.endpoint, p256dh: b64url(d.ecdh.getPublicKey()), auth: b64url(d.auth), ...patch })
				.catch((e) => e);
			expect(err.status).toBe(400);
			return Object.keys(err.response.data);
		};
		expect(await bad({ endpoint: 'file:///etc/passwd' })).toEqual(['endpoint']);
		expect(await bad({ endpoint: 'ftp://push.example/x' })).toEqual(['endpoint']);
		// https, but not a browser's push service (nor one named in CRM_PUSH_HOSTS): the server would post there.
		expect(await bad({ endpoint: 'https://intranet.example/admin/reset' })).toEqual(['endpoint']);
		expect(await bad({ endpoint: 'https://fcm.googleapis.com.evil.example/fcm/send/x' })).toEqual(['endpoint']);
		expect(await bad({ p256dh: b64url(randomBytes(65)) })).toEqual(['p256dh']);
		expect(await bad({ auth: b64url(randomBytes(8)) })).toEqual(['auth']);
	});

	it('a device subscribed again by another staff member moves to them', async () => {
		const d = await subscribe(agent, device());
		const again = await subscribe(agent2, { ...device(), endpoint: d.endpoint });
		expect(await outcome(agent.pb.collection('push_subscriptions').getOne(d.record!.id))).toBe('deny');
		expect((await agent2.pb.collection('push_subscriptions').getOne(again.record!.id)).endpoint).toBe(d.endpoint);
	});
});

describe('a visitor message', () => {
	it('in the queue: every agent, manager and admin device gets an encrypted, VAPID-signed push', async () => {
		const key = await publicKey();
		const devices = [await subscribe(agent, device()), await subscribe(agent2, device()), await subscribe(manager, device())];
		const { v, c, name } = await openConversation();
		await visitorMessage(v, c.id, '  你好，\n 请问这件外套有 L 码吗？ ');
		for (const d of devices) {
			const [r] = await arrived(d, c.id);
			checkVapid(r.headers, key);
			expect(r.headers['content-encoding']).toBe('aes128gcm');
			expect(r.headers.ttl).toBe('60');
			expect(r.headers.urgency).toBe('high');
			expect(r.headers.topic).toBe(c.id);
			expect(decrypt(d, r.body)).toEqual({ title: name, body: '你好， 请问这件外套有 L 码吗？', conversation: c.id, url: `/inbox?c=${c.id}` });
		}
	});

	it("assigned: only the assignee's devices; agents' replies and notes push nothing", async () => {
		const mineD = await subscribe(agent, device());
		const others = [await subscribe(agent2, device()), await subscribe(manager, device())];
		const { v, c } = await openConversation();
		await agent.pb.collection('conversations').update(c.id, { assignee: agent.id });
		await agent.pb.collection('messages').create({ conversation: c.id, client_id: clientId(), body: '您好，有的' });
		await agent.pb.collection('messages').create({ conversation: c.id, client_id: clientId(), body: '备注', internal: true });
		await visitorMessage(v, c.id, 'x'.repeat(300));
		const [r] = await arrived(mineD, c.id);
		const payload = decrypt(mineD, r.body) as { body: string };
		expect([...payload.body].length).toBe(100);
		expect(payload.body).toBe('x'.repeat(99) + '…');
		// A later visitor message in another, queued conversation reaches the others: by then the
		// worker (one queue, in order) has long finished this one.
		const q = await openConversation();
		await visitorMessage(q.v, q.c.id, '排队中');
		for (const d of others) await arrived(d, q.c.id);
		for (const d of others) expect(forConversation(d, c.id)).toEqual([]);
		expect(forConversation(mineD, c.id)).toHaveLength(1);
	});

	it('a subscription the push service answers 410 Gone is deleted', async () => {
		const d = await subscribe(agent, device(`/gone/${randomBytes(6).toString('hex')}`));
		const { v, c } = await openConversation();
		await visitorMessage(v, c.id, '在吗');
		await arrived(d, c.id);
		await waitFor(async () => (await outcome(agent.pb.collection('push_subscriptions').getOne(d.record!.id))) === 'deny');
		expect(await agent.pb.collection('push_subscriptions').getFullList({ filter: `endpoint = "${d.endpoint}"` })).toEqual([]);
	});

	it('is answered without waiting for the push service', async () => {
		const d = await subscribe(agent, device(`/hold/${randomBytes(6).toString('hex')}`));
		const { v, c } = await openConversation();
		// The receiver holds this request unanswered; the message's answer must not wait for it.
		const msg = await visitorMessage(v, c.id, '快一点');
		expect(msg.id).toBeTruthy();
		const [r] = await arrived(d, c.id);
		// Still held and the server still waiting on it (a server that sent first answers only after
		// giving up on the push, its connection closed).
		expect(r.res.writableEnded).toBe(false);
		expect(r.res.socket?.destroyed).toBe(false);
		r.res.writeHead(201).end();
	});
});

describe('the logs', () => {
	it("name a push service by its host only, never the endpoint's path", async () => {
		const secret = randomBytes(8).toString('hex');
		const busy = await subscribe(agent, device(`/busy/${secret}`));
		// A closed port: the send fails before any answer, and Go's error text carries the whole URL.
		const closed = await subscribe(agent, { ...device(), endpoint: `http://127.0.0.1:9/unreachable/${secret}` });
		const { v, c } = await openConversation();
		await visitorMessage(v, c.id, '日志');
		await arrived(busy, c.id);
		execFileSync(SERVER_BIN, ['superuser', 'upsert', 'push@example.test', 'push-password-1', '--dir', server.dataDir]);
		const su = new PocketBase(server.url);
		await su.collection('_superusers').authWithPassword('push@example.test', 'push-password-1');
		const logs = await waitFor(async () => {
			const list = await su.logs.getList(1, 50, { filter: 'message ~ "web push"' });
			const refused = list.items.filter((l) => l.data.subscription === busy.record!.id || l.data.subscription === closed.record!.id);
			return refused.length === 2 ? list.items : undefined;
		}, 15_000);
		const text = JSON.stringify(logs);
		expect(text).toContain(new URL(origin).host);
		expect(text).toContain('127.0.0.1:9');
		expect(text).not.toContain(secret);
		expect(text).not.toContain(await publicKey());
	});
});

describe('follow-up reminders', () => {
	it("a rep's device hears once a day how many of their follow-ups are due and overdue, without names", async () => {
		const rep = await newStaff(server.url, admin, 'sales', '跟进销售');
		const colleague = await newStaff(server.url, admin, 'sales', '同事销售');
		const DAY = 86_400_000;
		const shopDay = (ms: number) => new Date(ms + 480 * 60_000).toISOString().slice(0, 10); // the default UTC+8
		const today = shopDay(Date.now());
		const id = () => randomBytes(8).toString('hex').slice(0, 15);
		const [mine, gone, theirs] = [id(), id(), id()];
		const pushed = async (who: PocketBase, collection: string, docs: Record<string, unknown>[]) =>
			expect(await who.send(`/api/crm/sync/${collection}/push`, { method: 'POST', body: { rows: docs.map((doc) => ({ doc, base: null })) } })).toEqual({ conflicts: [], rejected: [] });
		await pushed(admin, 'customers', [
			{ id: mine, name: '王跟进', owner: rep.id },
			{ id: gone, name: '已删客户', owner: rep.id },
			{ id: theirs, name: '同事的客户', owner: colleague.id }
		]);
		const record = (customer: string, follow_up: string, extra: Record<string, unknown> = {}) => ({
			id: id(),
			customer,
			staff: rep.id,
			kind: 'call',
			summary: '回访',
			at: new Date().toISOString(),
			follow_up,
			...extra
		});
		await pushed(rep.pb, 'service_records', [
			record(mine, today),
			record(mine, today),
			record(mine, shopDay(Date.now() - 3 * DAY)),
			record(mine, shopDay(Date.now() - 2 * DAY), { follow_up_done: true }),
			record(mine, today, { deleted: true }),
			record(mine, shopDay(Date.now() + DAY)),
			record(gone, today),
			record(mine, '')
		]);
		await pushed(colleague.pb, 'service_records', [{ ...record(theirs, today), staff: colleague.id }]);
		await admin.collection('customers').update(gone, { deleted: true });

		const key = await publicKey();
		const phone = await subscribe(rep, device());
		const other = await subscribe(colleague, device());
		const reminders = (d: Device) => to(d).filter((r) => r.headers.topic === 'followups');
		const [r] = await waitFor(() => (reminders(phone).length ? reminders(phone) : undefined), 10_000);
		checkVapid(r.headers, key);
		expect(r.headers.ttl).toBe('43200');
		expect(r.headers.urgency).toBe('normal');
		expect(decrypt(phone, r.body)).toEqual({ kind: 'followups', day: today, due: 2, overdue: 1, url: '/today' });
		// The colleague's one follow-up reaches the colleague's device only.
		const [c] = await waitFor(() => (reminders(other).length ? reminders(other) : undefined), 10_000);
		expect(decrypt(other, c.body)).toMatchObject({ due: 1, overdue: 0 });
		// Once a day: more checks send nothing more, also to a second device subscribed later.
		const tablet = await subscribe(rep, device());
		await new Promise((ok) => setTimeout(ok, 2_000));
		expect(reminders(phone)).toHaveLength(1);
		expect(reminders(tablet)).toHaveLength(0);
	});
});

describe('the keys', () => {
	it('stay the same across restarts; CRM_PUSH=off answers 404', async () => {
		const key = await publicKey();
		await server.stop({ keepData: true });
		const dataDir = server.dataDir;
		process.env.CRM_PUSH = 'off';
		try {
			server = await startServer({ dataDir, port: server.port });
		} finally {
			delete process.env.CRM_PUSH;
		}
		const off = await fetch(`${server.url}/api/crm/push/key`);
		expect(off.status).toBe(404);
		expect((await off.json()).message).toMatch(/off/);
		await server.stop({ keepData: true });
		server = await startServer({ dataDir, port: server.port });
		await agent.pb.collection('staff').authRefresh();
		expect(await publicKey()).toBe(key);
	});
});
