import { test, expect, PHONE, navTo } from './fixtures';
import type { BrowserContext, Page } from '@playwright/test';

// Web Push in the agent console (docs/api/chat.md, "Web Push"): the "Alerts on this device" control and
// the service worker's push handler (static/push-sw.js), in Debian's headless Chromium.
//
// What this Chromium does (found here, and asserted below): a Playwright browser context is an
// off-the-record profile, which has no push service; pushManager.subscribe() rejects at once with
// "AbortError: Registration failed - permission denied" even with the notification permission granted.
// In a persistent profile (launchPersistentContext, the permission granted in the profile's settings)
// subscribe() was still pending after 4 minutes when the probe gave up, presumably waiting for Google's
// push registration, which cannot be reached from here; that is not a usable test either. So the saving of a subscription is checked with subscribe() replaced by one that returns a
// subscription with real P-256 keys, and the push handler by delivering a push through DevTools.

const SHOTS = '/work/scratch/push';

async function own(page: Page): Promise<{ id: string; endpoint: string; p256dh: string; auth: string }[]> {
	return page.evaluate(async () => {
		const token = JSON.parse(localStorage.getItem('pocketbase_auth') ?? '{}').token;
		const res = await fetch('/api/collections/push_subscriptions/records', { headers: { authorization: token } });
		return (await res.json()).items;
	});
}

/**
 * Stands in for a browser whose push service answers: a subscription with real P-256 keys; it
 * records the key it was asked to use. Kept in localStorage, so it survives a reload as a real one.
 */
async function fakePushService(page: Page) {
	await page.addInitScript(() => {
		type Fake = { endpoint: string; p256dh: string; auth: string; key: string };
		const b64 = (b: ArrayBuffer | Uint8Array) =>
			btoa(String.fromCharCode(...new Uint8Array(b)))
				.replace(/\+/g, '-')
				.replace(/\//g, '_')
				.replace(/=+$/, '');
		const raw = (s: string) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
		const wrap = (f: Fake) => ({
			endpoint: f.endpoint,
			options: { userVisibleOnly: true, applicationServerKey: raw(f.key).buffer },
			toJSON: () => ({ endpoint: f.endpoint, keys: { p256dh: f.p256dh, auth: f.auth } }),
			unsubscribe: async () => {
				localStorage.removeItem('test:fake-push');
				localStorage.setItem('test:unsubscribed', f.endpoint);
				return true;
			}
		});
		PushManager.prototype.getSubscription = async function () {
			const f = JSON.parse(localStorage.getItem('test:fake-push') ?? 'null') as Fake | null;
			return (f ? wrap(f) : null) as unknown as PushSubscription;
		};
		PushManager.prototype.subscribe = async function (opts?: PushSubscriptionOptionsInit) {
			const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
			const f: Fake = {
				endpoint: `https://push.example.test/send/${crypto.randomUUID()}`,
				p256dh: b64(await crypto.subtle.exportKey('raw', pair.publicKey)),
				auth: b64(crypto.getRandomValues(new Uint8Array(16))),
				key: b64(opts!.applicationServerKey as Uint8Array)
			};
			localStorage.setItem('test:fake-push', JSON.stringify(f));
			return wrap(f) as unknown as PushSubscription;
		};
	});
}

/** Delivers a push to the app's service worker through DevTools, as a push service would. */
async function pushTo(page: Page, context: BrowserContext, origin: string): Promise<(data: unknown) => Promise<unknown>> {
	const cdp = await context.newCDPSession(page);
	const registration = new Promise<string>((ok) =>
		cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
			const r = registrations.find((x: { scopeURL: string; isDeleted: boolean }) => x.scopeURL === `${origin}/` && !x.isDeleted);
			if (r) ok(r.registrationId);
		})
	);
	await cdp.send('ServiceWorker.enable');
	const registrationId = await registration;
	return (data) => cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: JSON.stringify(data) });
}

const toggle = (page: Page) => page.getByRole('button', { name: '本设备提醒' });
const status = (page: Page) => page.getByTestId('push-toggle').getByRole('status');

test('headless Chromium refuses the push subscription: the control says so and saves nothing', async ({ openAs }) => {
	const { page, context, proxy } = await openAs('agent');
	await context.grantPermissions(['notifications'], { origin: proxy.url });
	await page.goto('/inbox');
	await expect(toggle(page)).toHaveAttribute('aria-pressed', 'false');
	await toggle(page).click();
	await expect(status(page)).toHaveText('浏览器无法开启推送提醒（AbortError: Registration failed - permission denied）。提示音和角标仍然有效。');
	await expect(toggle(page)).toHaveAttribute('aria-pressed', 'false');
	expect(await own(page)).toEqual([]);
	await page.screenshot({ path: `${SHOTS}/tablet-refused.png` });
});

test('no push in the browser, notifications blocked, push off on the server: each is said plainly (phone)', async ({ openAs }) => {
	const { page, context, proxy } = await openAs('agent', { viewport: PHONE });

	await page.addInitScript(() => delete (window as { PushManager?: unknown }).PushManager);
	await page.goto('/inbox');
	await expect(status(page)).toHaveText('此浏览器不支持推送提醒。收件箱打开时，提示音、标签角标和通知仍然有效。');

	const blocked = await context.newPage();
	await blocked.addInitScript(() => Object.defineProperty(Notification, 'permission', { get: () => 'denied' }));
	await blocked.goto('/inbox');
	await expect(status(blocked)).toHaveText('此网站的通知已被禁止。请在浏览器的网站设置中允许通知，然后刷新页面。');
	await expect(toggle(blocked)).toBeDisabled();
	await blocked.screenshot({ path: `${SHOTS}/phone-blocked.png` });

	await context.grantPermissions(['notifications'], { origin: proxy.url });
	const off = await context.newPage();
	await off.route('**/api/crm/push/key', (route) => route.fulfill({ status: 404, json: { status: 404, message: 'Web Push is turned off on this server.', data: {} } }));
	await off.goto('/inbox');
	await toggle(off).click();
	await expect(status(off)).toHaveText('服务器已关闭推送提醒。');
	expect(await own(off)).toEqual([]);
});

test('where the browser subscribes, the subscription is saved for this agent and removed when turned off or at sign-out', async ({ openAs, server }) => {
	const { page, context, proxy } = await openAs('agent');
	await context.grantPermissions(['notifications'], { origin: proxy.url });
	await fakePushService(page);
	await page.goto('/inbox');
	await toggle(page).click();
	await expect(status(page)).toHaveText('有新消息时提醒本设备，应用关闭时也会提醒。');
	await expect(toggle(page)).toHaveAttribute('aria-pressed', 'true');
	await page.screenshot({ path: `${SHOTS}/tablet-on.png` });

	const fake = await page.evaluate(() => JSON.parse(localStorage.getItem('test:fake-push')!));
	const serverKey = await page.evaluate(async () => {
		const token = JSON.parse(localStorage.getItem('pocketbase_auth') ?? '{}').token;
		return (await (await fetch('/api/crm/push/key', { headers: { authorization: token } })).json()).public_key;
	});
	expect(fake.key).toBe(serverKey);
	const saved = await own(page);
	expect(saved).toHaveLength(1);
	expect(saved[0]).toMatchObject({ endpoint: fake.endpoint, p256dh: fake.p256dh, auth: fake.auth });

	await page.reload();
	await expect(toggle(page)).toHaveAttribute('aria-pressed', 'true');
	await toggle(page).click();
	await expect(toggle(page)).toHaveAttribute('aria-pressed', 'false');
	expect(await page.evaluate(() => localStorage.getItem('test:unsubscribed'))).toBe(fake.endpoint);
	expect(await own(page)).toEqual([]);

	// On again, then signing out: a shared device stops getting this agent's alerts.
	await toggle(page).click();
	await expect(toggle(page)).toHaveAttribute('aria-pressed', 'true');
	const again = await page.evaluate(() => JSON.parse(localStorage.getItem('test:fake-push')!).endpoint);
	expect(await own(page)).toHaveLength(1);
	await navTo(page, '设置');
	await page.getByRole('button', { name: '退出登录' }).click();
	await expect(page).toHaveURL(/\/login$/);
	expect(await page.evaluate(() => localStorage.getItem('test:unsubscribed'))).toBe(again);
	expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('crm:push:')))).toEqual([]);
	const auth = await (
		await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: server.staff.agent.email, password: server.staff.agent.password })
		})
	).json();
	const left = await (await fetch(`${server.url}/api/collections/push_subscriptions/records`, { headers: { authorization: auth.token } })).json();
	expect(left.items).toEqual([]);
});

test('a push delivered to the service worker shows one notification per conversation', async ({ openAs }) => {
	const { page, context, proxy } = await openAs('agent');
	await context.grantPermissions(['notifications'], { origin: proxy.url });
	await page.goto('/inbox');
	const push = await pushTo(page, context, proxy.url);

	await push({ title: '张小花', body: '请问有 L 码吗？', conversation: 'abc123def456ghi', url: '/inbox?c=abc123def456ghi' });
	await push({ title: '张小花', body: '还在吗？', conversation: 'abc123def456ghi', url: '/inbox?c=abc123def456ghi' });
	await push({ title: '', body: '', conversation: 'zzz999yyy888xxx', url: 'https://elsewhere.example/phish' });
	const shown = async () =>
		page.evaluate(async () =>
			(await (await navigator.serviceWorker.ready).getNotifications())
				.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url, icon: n.icon, badge: n.badge }))
				.sort((a, b) => a.tag.localeCompare(b.tag))
		);
	// (three pushes through the worker, each loading its icons: 10 s were not always enough in a full run)
	await expect.poll(shown, { timeout: 20_000 }).toEqual([
		{ title: '张小花', body: '还在吗？', tag: 'chat-abc123def456ghi', url: '/inbox?c=abc123def456ghi', icon: `${proxy.url}/icons/icon-192.png`, badge: `${proxy.url}/icons/icon-192.png` },
		// No name or text: the worker's own words (this browser is zh-CN); another site's link is not followed.
		{ title: '新消息', body: '访客发来一条消息', tag: 'chat-zzz999yyy888xxx', url: '/inbox', icon: `${proxy.url}/icons/icon-192.png`, badge: `${proxy.url}/icons/icon-192.png` }
	]);
});

test("the notification's link, /inbox?c=<id>, opens that conversation", async ({ openAs, server }) => {
	const post = async (path: string, body: unknown, token?: string) => {
		const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) }, body: JSON.stringify(body) });
		expect(res.ok, path).toBe(true);
		return res.json();
	};
	const s = await post('/api/crm/chat/session', { name: '推送顾客', locale: 'zh-CN' });
	const c = await post('/api/collections/conversations/records', { visitor: s.visitor.id, topic: 'pre_sale' }, s.token);
	await post('/api/collections/messages/records', { conversation: c.id, client_id: `p-${Date.now()}`, body: '从通知打开' }, s.token);
	const { page } = await openAs('agent');
	await page.goto(`/inbox?c=${c.id}`);
	const pane = page.getByTestId('chat-pane');
	await expect(pane.getByTestId('chat-name')).toHaveText('推送顾客');
	await expect(pane.getByTestId('messages')).toContainText('从通知打开');
	await expect(page).toHaveURL(/\/inbox$/);
});

test('a subscription that never settles is reported after 30 s, not left spinning', async ({ openAs }) => {
	const { page, context, proxy } = await openAs('agent');
	await context.grantPermissions(['notifications'], { origin: proxy.url });
	// As Chromium does with a real profile and no way to Google's push service: subscribe() stays pending.
	await page.addInitScript(() => {
		PushManager.prototype.subscribe = () => new Promise<PushSubscription>(() => undefined);
	});
	await page.clock.install();
	await page.goto('/inbox');
	await toggle(page).click();
	await expect(status(page)).toHaveText('请稍候…');
	await expect(toggle(page)).toBeDisabled();
	await page.clock.fastForward(31_000);
	await expect(status(page)).toHaveText('浏览器无法开启推送提醒（TimeoutError: no answer from the push service in 30 s）。提示音和角标仍然有效。');
	await expect(toggle(page)).toBeEnabled();
	expect(await own(page)).toEqual([]);
});

test("a sales rep on a phone turns on follow-up reminders on Today, and the day's reminder shows in the device's language", async ({ openAs }) => {
	const { page, context, proxy } = await openAs('sales', { viewport: PHONE });
	await context.grantPermissions(['notifications'], { origin: proxy.url });
	await fakePushService(page);
	await page.goto('/today'); // (a new document: the stand-in applies from here)
	const remind = page.getByRole('button', { name: '跟进提醒' });
	await expect(remind).toHaveAttribute('aria-pressed', 'false');
	await remind.click();
	await expect(status(page)).toHaveText('每天上午提醒本设备当天到期和已逾期的跟进，应用关闭时也会提醒。');
	await expect(remind).toHaveAttribute('aria-pressed', 'true');
	const fake = await page.evaluate(() => JSON.parse(localStorage.getItem('test:fake-push')!));
	expect(await own(page)).toMatchObject([{ endpoint: fake.endpoint }]);
	await page.screenshot({ path: `${SHOTS}/phone-followups-on.png` });

	// What server/reminders.go sends, delivered to the app's service worker.
	const push = await pushTo(page, context, proxy.url);
	await push({ kind: 'followups', day: '2026-12-07', due: 2, overdue: 1, url: '/today' });
	const shown = async () => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url })));
	await expect.poll(shown, { timeout: 20_000 }).toEqual([{ title: '今天的跟进', body: '今天有 2 个跟进到期，1 个跟进已逾期', tag: 'followups', url: '/today' }]);
	await remind.click();
	await expect(remind).toHaveAttribute('aria-pressed', 'false');
	expect(await own(page)).toEqual([]);
});
