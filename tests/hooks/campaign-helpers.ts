// Helpers for the campaign tests: a server of their own with Mailpit as its SMTP server, staff, shop
// keys, customers with consent, a signed SMS gateway stand-in, and campaign drafts pushed like a device.
import PocketBase from 'pocketbase';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { SERVER_BIN, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { startMailpit, type RunningMailpit } from '../fixtures/mailpit';

export const SHOP_SECRET = 'campaign-shop-secret';
export const SMS_SECRET = 'sms-gateway-secret';

export function id15(): string {
	return Array.from({ length: 15 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');
}

export interface CampaignWorld {
	server: RunningServer;
	mail: RunningMailpit;
	staff: Awaited<ReturnType<typeof seedStaff>>['staff'];
	pb: Record<'admin' | 'manager' | 'sales' | 'sales2' | 'agent', PocketBase>;
	su: PocketBase;
	serverKey: string;
	browserKey: string;
	stop(): Promise<void>;
}

function client(url: string) {
	const pb = new PocketBase(url);
	pb.autoCancellation(false);
	return pb;
}

export async function startWorld(env: Record<string, string> = {}): Promise<CampaignWorld> {
	const mail = await startMailpit();
	const server = await startServer({ env: { CRM_SHOP_IDENTITY_SECRET: SHOP_SECRET, CRM_SEND_RETRY_DELAYS: '0.2,0.4,0.8,1.6', CRM_PUBLIC_URL: 'http://crm.example.test', ...env } });
	const { staff } = await seedStaff(server.url);
	const pb = {} as CampaignWorld['pb'];
	for (const [key, s] of [
		['admin', 'owner'],
		['manager', 'manager'],
		['sales', 'sales'],
		['sales2', 'sales2'],
		['agent', 'agent']
	] as const) {
		pb[key] = client(server.url);
		await pb[key].collection('staff').authWithPassword(staff[s].email, staff[s].password);
	}
	execFileSync(SERVER_BIN, ['superuser', 'upsert', 'campaigns@example.test', 'campaigns-password-1', '--dir', server.dataDir]);
	const su = client(server.url);
	await su.collection('_superusers').authWithPassword('campaigns@example.test', 'campaigns-password-1');
	await pb.admin.send('/api/crm/settings/campaigns', {
		method: 'PUT',
		body: {
			email: { enabled: true, host: '127.0.0.1', port: mail.smtpPort, username: '', tls: false, sender_name: '小满优选', sender_address: 'shop@example.test' },
			sms: { url: '', key_id: 'test', secret: SMS_SECRET, sign_name: '小满优选', opt_out_keyword: 'TD' }
		}
	});
	const serverKey = (await pb.admin.send('/api/crm/shop-sources', { method: 'POST', body: { name: 'shop back end', kind: 'server' } })).key;
	const browserKey = (await pb.admin.send('/api/crm/shop-sources', { method: 'POST', body: { name: 'shop pages', kind: 'browser' } })).key;
	const world: CampaignWorld = {
		server,
		mail,
		staff,
		pb,
		su,
		serverKey,
		browserKey,
		// The server now running (a test may have restarted it), then Mailpit.
		async stop() {
			await world.server.stop();
			await mail.stop();
		}
	};
	return world;
}

/** A customer pushed by a manager (owner optional), with marketing consent unless said otherwise. */
export async function customer(w: CampaignWorld, extra: Record<string, unknown> = {}) {
	const doc = { id: id15(), name: `客户${Math.random().toString(36).slice(2, 6)}`, marketing_consent: true, consent_how: 'web_form', ...extra };
	const res = await w.pb.manager.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: [{ doc, base: null }] } });
	if (res.rejected.length) throw new Error(JSON.stringify(res.rejected));
	return doc as typeof doc & { id: string };
}

/** A static segment of the given customers, owned by the manager. */
export async function segment(w: CampaignWorld, members: string[]) {
	const doc = { id: id15(), name: `分组${Math.random().toString(36).slice(2, 6)}`, kind: 'static', members, owner: w.staff.manager.id, shared: true };
	const res = await w.pb.manager.send('/api/crm/sync/segments/push', { method: 'POST', body: { rows: [{ doc, base: null }] } });
	if (res.rejected.length) throw new Error(JSON.stringify(res.rejected));
	return doc.id;
}

/** A campaign draft pushed as a device would. */
export async function draft(w: CampaignWorld, fields: Record<string, unknown>, as: PocketBase = w.pb.manager) {
	const doc = { id: id15(), name: '测试活动', kind: 'broadcast', state: 'draft', owner: w.staff.manager.id, ...fields };
	const res = await as.send('/api/crm/sync/campaigns/push', { method: 'POST', body: { rows: [{ doc, base: null }] } });
	return { id: doc.id, res: res as { conflicts: unknown[]; rejected: { field: string; code: string; status: number; message: string }[] } };
}

export async function publish(w: CampaignWorld, id: string, as: PocketBase = w.pb.manager) {
	return as.send(`/api/crm/campaigns/${id}/publish`, { method: 'POST' });
}

export async function progress(w: CampaignWorld, id: string) {
	return w.pb.manager.send(`/api/crm/campaigns/${id}/progress`, {}) as Promise<{ state: string; by_channel: Record<string, Record<string, number>> }>;
}

export async function until<T>(fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v) return v as T;
		if (Date.now() > end) throw new Error('timed out waiting');
		await new Promise((r) => setTimeout(r, 100));
	}
}

export function signed(customerId: string) {
	const ts = Math.floor(Date.now() / 1000);
	return { customer_id: customerId, customer_ts: ts, customer_sig: createHmac('sha256', SHOP_SECRET).update(`${customerId}.${ts}`).digest('hex') };
}

export async function events(w: CampaignWorld, list: Record<string, unknown>[], key = w.serverKey) {
	const res = await fetch(`${w.server.url}/api/crm/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(list) });
	return res.json();
}

/** A stand-in for the SMS provider: checks the signature, answers as told, remembers what came. */
export interface SmsGateway {
	url: string;
	received: { body: Record<string, unknown>; signatureOk: boolean }[];
	/** Answers for the next requests (status codes, or 'hang' to time out); then 200. */
	script: (number | 'hang')[];
	close(): Promise<void>;
}

export async function startSmsGateway(): Promise<SmsGateway> {
	const gw: SmsGateway = { url: '', received: [], script: [], close: async () => undefined };
	const server: Server = createServer(async (req: IncomingMessage, res) => {
		let raw = '';
		for await (const chunk of req) raw += chunk;
		const expected = createHmac('sha256', SMS_SECRET).update(raw).digest('hex');
		const body = JSON.parse(raw);
		gw.received.push({ body, signatureOk: req.headers['x-signature'] === expected });
		const next = gw.script.shift();
		if (next === 'hang') return; // never answers: the CRM times out
		res.writeHead(next ?? 200, { 'content-type': 'application/json' });
		res.end(JSON.stringify(next && next >= 400 ? { code: 'ERR' } : { code: 'OK', biz_id: `B${gw.received.length}` }));
	});
	await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
	const { port } = server.address() as { port: number };
	gw.url = `http://127.0.0.1:${port}/send`;
	gw.close = () =>
		new Promise<void>((ok) => {
			server.closeAllConnections();
			server.close(() => ok());
		});
	return gw;
}
