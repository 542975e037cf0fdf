import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';

type Staff = Awaited<ReturnType<typeof seedStaff>>['staff'];

export const PHONE = { width: 360, height: 740 };
export const TABLET = { width: 768, height: 1024 };

/** One real server per worker with staff of every role; tests that need a fresh one start their own. */
export const test = base.extend<{ openAs: (key: string, opts?: { viewport?: { width: number; height: number }; locale?: string }) => Promise<{ context: BrowserContext; page: Page }> }, { server: RunningServer & { staff: Staff } }>({
	server: [
		async ({}, use) => {
			const server = await startServer();
			const { staff } = await seedStaff(server.url);
			await use({ ...server, staff });
			await server.stop();
		},
		{ scope: 'worker' }
	],
	openAs: async ({ browser, server }, use) => {
		const contexts: BrowserContext[] = [];
		await use(async (key, opts = {}) => {
			const context = await browser.newContext({ baseURL: server.url, viewport: opts.viewport ?? TABLET, locale: opts.locale ?? 'zh-CN' });
			contexts.push(context);
			const page = await context.newPage();
			await signIn(page, server.staff[key].email, server.staff[key].password);
			return { context, page };
		});
		for (const c of contexts) await c.close();
	}
});

export async function signIn(page: Page, email: string, password: string) {
	await page.goto('/login');
	await page.getByLabel(/邮箱|Email/).fill(email);
	await page.getByLabel(/密码|Password/).fill(password);
	await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
	await expect(page).toHaveURL(/\/customers$/);
	await waitForServiceWorker(page);
}

/** The service worker controls the page, so a reload works offline. */
export async function waitForServiceWorker(page: Page) {
	await page.waitForFunction(async () => {
		const reg = await navigator.serviceWorker.ready;
		return !!reg.active && !!navigator.serviceWorker.controller;
	}, null, { timeout: 15_000 });
}

export async function newBrowserContext(browser: Browser, url: string, opts: { viewport?: { width: number; height: number }; locale?: string } = {}) {
	return browser.newContext({ baseURL: url, viewport: opts.viewport ?? TABLET, locale: opts.locale ?? 'zh-CN' });
}

export { expect };

/**
 * Takes a device off the network. Chromium's offline emulation alone can still let a request that
 * was already on its way reach the server (only its response is lost), so API requests are also
 * aborted before they leave.
 */
export async function goOffline(context: BrowserContext) {
	await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
	await context.setOffline(true);
}

export async function goOnline(context: BrowserContext) {
	await context.unrouteAll({ behavior: 'ignoreErrors' });
	await context.setOffline(false);
}
