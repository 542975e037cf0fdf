// Helpers for the live chat tests: visitor sessions, extra staff, images, a conversation to work on.
import PocketBase from 'pocketbase';
import { request } from 'node:http';

/** A 1x1 PNG: PocketBase checks an attachment's type by its content. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export interface Visitor {
	pb: PocketBase;
	id: string;
	secret: string;
	token: string;
}

export async function session(base: string, body: Record<string, unknown> = {}): Promise<{ status: number; json: any }> {
	const res = await fetch(`${base}/api/crm/chat/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	return { status: res.status, json: await res.json() };
}

/** A new anonymous visitor with a signed-in client. */
export async function newVisitor(base: string, name = '访客'): Promise<Visitor> {
	const { status, json } = await session(base, { name, locale: 'zh-CN' });
	if (status !== 200) throw new Error(`session: ${status} ${JSON.stringify(json)}`);
	const pb = new PocketBase(base);
	pb.autoCancellation(false);
	pb.authStore.save(json.token, { ...json.visitor, collectionName: 'visitors', collectionId: 'visitors' } as never);
	return { pb, id: json.visitor.id, secret: json.secret, token: json.token };
}

/** A staff member created by an admin client; returns a signed-in client and the id. */
export async function newStaff(base: string, admin: PocketBase, role: string, name: string) {
	const key = `${role}-${Math.random().toString(36).slice(2, 10)}`;
	const email = `${key}@example.test`;
	const password = `${key}-password-1`;
	const rec = await admin.collection('staff').create({ email, password, passwordConfirm: password, name, role });
	const pb = new PocketBase(base);
	pb.autoCancellation(false);
	await pb.collection('staff').authWithPassword(email, password);
	return { pb, id: rec.id as string };
}

export function anonymous(base: string) {
	const pb = new PocketBase(base);
	pb.autoCancellation(false);
	return pb;
}

export function clientId() {
	return `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export function imageForm(fields: Record<string, string>, files = 1) {
	const fd = new FormData();
	for (const [k, v] of Object.entries(fields)) fd.append(k, v);
	for (let i = 0; i < files; i++) fd.append('attachments', new Blob([PNG], { type: 'image/png' }), `photo-${i}.png`);
	return fd;
}

/** A JSON POST from a chosen local address (127.0.0.x), to test per-IP limits. */
export function postFrom(base: string, path: string, localAddress: string, body: unknown): Promise<{ status: number; json: any; headers: Record<string, unknown> }> {
	const u = new URL(base + path);
	const data = JSON.stringify(body);
	return new Promise((ok, fail) => {
		const req = request(
			{ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
			(res) => {
				let text = '';
				res.on('data', (d) => (text += d));
				res.on('end', () => ok({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null, headers: res.headers }));
			}
		);
		req.on('error', fail);
		req.end(data);
	});
}

/** Outcome of a REST call: 'allow' or 'deny' (a 4xx other than 429); anything else fails the test. */
export async function outcome(p: Promise<unknown>): Promise<'allow' | 'deny'> {
	try {
		await p;
		return 'allow';
	} catch (err) {
		const status = (err as { status?: number }).status ?? 0;
		if (status >= 400 && status < 500 && status !== 429) return 'deny';
		throw err;
	}
}
