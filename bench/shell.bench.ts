// shell.js_gz_kib: JavaScript loaded for the first screen, gzipped (a signed-in user's customer list,
// and the sign-in screen for a first visit), measured in headless Chromium against the built app.
import { chromium, type Page } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { CHROMIUM_ARGS } from '../playwright.config';
import { seedStaff, startServer } from '../tests/fixtures/pocketbase';

async function jsBytes(page: Page, action: () => Promise<void>) {
	const bodies = new Map<string, Buffer>();
	const pending: Promise<void>[] = [];
	page.on('response', (res) => {
		if (res.request().resourceType() === 'script' || res.url().endsWith('.js')) {
			pending.push(res.body().then((b) => void bodies.set(res.url(), b)).catch(() => undefined));
		}
	});
	await action();
	await page.waitForLoadState('networkidle');
	await Promise.all(pending);
	let raw = 0;
	let gz = 0;
	for (const [url, b] of bodies) {
		if (url.endsWith('/sw.js') || url.includes('workbox-')) continue; // the service worker is not page JS
		raw += b.length;
		gz += gzipSync(b, { level: 6 }).length;
	}
	return { files: bodies.size, raw: raw / 1024, gz: gz / 1024 };
}

export async function run() {
	const server = await startServer();
	const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
	try {
		const { staff } = await seedStaff(server.url);
		const ctx = await browser.newContext({ baseURL: server.url, serviceWorkers: 'block', locale: 'zh-CN' });
		const page = await ctx.newPage();
		const login = await jsBytes(page, async () => void (await page.goto('/login')));
		await page.getByLabel('邮箱').fill(staff.sales.email);
		await page.getByLabel('密码').fill(staff.sales.password);
		await page.getByRole('button', { name: '登录' }).click();
		await page.waitForURL(/\/customers$/);
		// A returning signed-in user: fresh page load straight onto the customer list.
		const page2 = await ctx.newPage();
		const list = await jsBytes(page2, async () => {
			await page2.goto('/customers');
			await page2.getByRole('heading', { name: '客户' }).waitFor();
		});
		console.log(`sign-in screen: ${login.files} files, ${login.raw.toFixed(1)} KiB raw, ${login.gz.toFixed(1)} KiB gz`);
		console.log(`customer list (signed in): ${list.files} files, ${list.raw.toFixed(1)} KiB raw, ${list.gz.toFixed(1)} KiB gz`);
		return {
			'shell.js_gz_kib': { value: Number(list.gz.toFixed(1)), unit: 'KiB', target: 150, screen: 'customer list, signed in' },
			'shell.login_js_gz_kib': { value: Number(login.gz.toFixed(1)), unit: 'KiB', target: 150, screen: 'sign-in' }
		};
	} finally {
		await browser.close();
		await server.stop();
	}
}
