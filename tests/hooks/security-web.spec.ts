// What browsers and outsiders are told (issue "Security holes found by an outside probe", items 6 and
// 9), on a server started as in production: no demo shop, no dashboard, no installer link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import PocketBase from 'pocketbase';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';

let server: RunningServer;
let admin: PocketBase;
let manager: PocketBase;

beforeAll(async () => {
	server = await startServer({ env: { CRM_DEMO_SHOP: undefined, CRM_ADMIN_UI: undefined } });
	const { staff } = await seedStaff(server.url);
	admin = new PocketBase(server.url);
	await admin.collection('staff').authWithPassword(staff.owner.email, staff.owner.password);
	manager = new PocketBase(server.url);
	await manager.collection('staff').authWithPassword(staff.manager.email, staff.manager.password);
});

afterAll(async () => {
	await server?.stop();
});

describe('first run and the superuser', () => {
	it('prints no installer link, and the dashboard is off', async () => {
		expect(server.log()).not.toMatch(/pbinstall/);
		expect((await fetch(`${server.url}/_/`)).status).toBe(404);
		// no superuser was made behind the owner's back
		const su = await fetch(`${server.url}/api/collections/_superusers/auth-with-password`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: '__pbinstaller@example.com', password: 'x' })
		});
		expect(su.status).toBe(400);
	});
});

describe('headers', () => {
	it('the app: a CSP with no inline script but the boot script by its hash, and the usual hardening', async () => {
		const res = await fetch(`${server.url}/customers`);
		const csp = res.headers.get('content-security-policy') ?? '';
		const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
		expect(scriptSrc).not.toMatch(/unsafe-inline|unsafe-eval/);
		expect(csp).toMatch(/connect-src 'self'/);
		expect(csp).toMatch(/frame-ancestors 'self'$/);
		const html = readFileSync('build/index.html', 'utf8');
		for (const [, body] of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
			expect(scriptSrc).toContain(`'sha256-${createHash('sha256').update(body).digest('base64')}'`);
		}
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
		expect(res.headers.get('permissions-policy')).toMatch(/camera=\(\)/);
		const api = await fetch(`${server.url}/api/health`);
		expect(api.headers.get('x-content-type-options')).toBe('nosniff');
		expect(api.headers.get('referrer-policy')).toBeTruthy();
	});

	it('CORS: the ingestion answers any shop page; the staff API no other origin', async () => {
		const pre = (path: string) =>
			fetch(`${server.url}${path}`, {
				method: 'OPTIONS',
				headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
			});
		expect((await pre('/api/crm/events')).headers.get('access-control-allow-origin')).toBe('*');
		for (const path of ['/api/collections/customers/records', '/api/collections/staff/auth-with-password', '/api/crm/sync/customers/push', '/api/crm/stats/overview']) {
			expect((await pre(path)).headers.get('access-control-allow-origin'), path).toBeNull();
		}
		const get = await fetch(`${server.url}/api/collections/customers/records`, { headers: { origin: 'https://evil.example' } });
		expect(get.headers.get('access-control-allow-origin')).toBeNull();
	});

	it('the chat widget may be framed by any site until an admin lists the shop origins, then by those only', async () => {
		const frameAncestors = async () => ((await fetch(`${server.url}/chat-widget`)).headers.get('content-security-policy') ?? '').replace(/.*frame-ancestors /, '');
		expect(await frameAncestors()).toBe('*');
		expect(await admin.send('/api/crm/settings/shop-origins', {})).toMatchObject({ origins: [] });
		await expect(manager.send('/api/crm/settings/shop-origins', { method: 'PUT', body: { origins: ['https://shop.example'] } })).rejects.toMatchObject({ status: 403 });
		await expect(admin.send('/api/crm/settings/shop-origins', { method: 'PUT', body: { origins: ['https://shop.example/path'] } })).rejects.toMatchObject({
			status: 400,
			response: { data: { origins: { code: 'invalid' } } }
		});
		const saved = await admin.send('/api/crm/settings/shop-origins', { method: 'PUT', body: { origins: ['https://Shop.Example/', 'https://m.shop.example'] } });
		expect(saved.origins).toEqual(['https://shop.example', 'https://m.shop.example']);
		expect(await frameAncestors()).toBe("'self' https://shop.example https://m.shop.example");
		expect(((await fetch(`${server.url}/customers`)).headers.get('content-security-policy') ?? '').replace(/.*frame-ancestors /, '')).toBe("'self'");
	});

	it('without a shop secret, a shopper identity is refused, not trusted', async () => {
		const res = await fetch(`${server.url}/api/crm/chat/session`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: { customer_id: 'U1', ts: Math.floor(Date.now() / 1000), sig: 'x' } })
		});
		expect(res.status).toBe(400);
		expect((await res.json()).data.identity.message).toMatch(/CRM_SHOP_IDENTITY_SECRET/);
	});

	it('the demo storefront is off unless switched on', async () => {
		expect((await fetch(`${server.url}/demo-shop/`)).status).toBe(404);
		expect((await fetch(`${server.url}/demo-shop/shop.js`)).status).toBe(404);
		const sign = await fetch(`${server.url}/api/crm/demo/identity`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"customer_id":"U1"}' });
		expect(sign.status).toBe(404);
		// the shop's own scripts are served
		expect((await fetch(`${server.url}/tracker.js`)).status).toBe(200);
		expect((await fetch(`${server.url}/chat.js`)).status).toBe(200);
	});
});
