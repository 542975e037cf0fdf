import { test, expect, goOffline, newBrowserContext, waitForServiceWorker } from './fixtures';

test('the manifest is valid and its icons load', async ({ request, server }) => {
	const html = await (await request.get(`${server.url}/`)).text();
	expect(html).toContain('rel="manifest"');
	const res = await request.get(`${server.url}/manifest.webmanifest`);
	expect(res.ok()).toBe(true);
	// Served as a web app manifest (Go's table does not know .webmanifest: it was text/plain)
	expect(res.headers()['content-type']).toContain('application/manifest+json');
	const m = await res.json();
	expect(m).toMatchObject({ name: expect.any(String), short_name: 'CRM', start_url: '/', display: 'standalone', theme_color: expect.stringMatching(/^#/) });
	const sizes = m.icons.map((i: { sizes: string }) => i.sizes);
	expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
	expect(m.icons.some((i: { purpose?: string }) => i.purpose === 'maskable')).toBe(true);
	for (const icon of m.icons) {
		const r = await request.get(`${server.url}${icon.src}`);
		expect(r.ok(), icon.src).toBe(true);
		expect(r.headers()['content-type']).toContain(icon.type.split('+')[0]);
	}
	expect((await request.get(`${server.url}/icons/apple-touch-icon.png`)).ok()).toBe(true);
});

test('the service worker registers and the shell loads offline after a first visit', async ({ browser, server }) => {
	const context = await newBrowserContext(browser, server.url);
	const page = await context.newPage();
	await page.goto('/login');
	await expect(page.getByRole('heading', { name: '登录' })).toBeVisible();
	await waitForServiceWorker(page);
	const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.scope);
	expect(scope).toBe(`${server.url}/`);
	// "Ready offline" is said once, and taps go through it (it sat over the sign-in button).
	const ready = page.getByTestId('offline-ready');
	await expect(ready).toBeVisible();
	expect(await ready.evaluate((el) => getComputedStyle(el).pointerEvents)).toBe('none');
	expect(await page.evaluate(() => localStorage.getItem('crm:offline-ready-said'))).toBe('1');

	await goOffline(context);
	const offlinePage = await context.newPage();
	await offlinePage.goto('/login');
	await expect(offlinePage.getByRole('heading', { name: '登录' })).toBeVisible();
	// A deep link, offline, is answered by the app shell too.
	await offlinePage.goto('/customers/abcdefghijklmno');
	await expect(offlinePage.getByRole('heading', { name: '登录' })).toBeVisible();
	await offlinePage.getByLabel('邮箱').fill(server.staff.sales.email);
	await offlinePage.getByLabel('密码').fill(server.staff.sales.password);
	await offlinePage.getByRole('button', { name: '登录' }).click();
	await expect(offlinePage.getByRole('alert')).toContainText('当前离线');
	await context.close();
});

test('a signed-in rep opens the app offline, with their data, in a new tab', async ({ openAs }) => {
	const device = await openAs('sales');
	const { context, page } = device;
	await page.getByRole('link', { name: /新建客户/ }).click();
	await page.getByLabel('姓名').fill('离线可见');
	await page.getByRole('button', { name: '保存' }).click();
	await expect(page.getByRole('heading', { name: '离线可见' })).toBeVisible();
	await goOffline(device);
	const tab = await context.newPage();
	await tab.goto('/');
	await expect(tab).toHaveURL(/\/customers$/);
	await expect(tab.getByRole('link', { name: /离线可见/ })).toBeVisible();
	await expect(tab.getByTestId('sync-indicator')).toContainText('离线');
});
