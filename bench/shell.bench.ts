// shell.js_gz_kib: JavaScript loaded for the first screen, gzipped: a signed-in rep opening the app on
// the customer list, counted up to the moment the list is shown. What loads after it (the search
// index with its pinyin dictionary, fetched when the browser is idle) is reported on its own.
import { chromium, type Page } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { CHROMIUM_ARGS } from '../playwright.config';
import { seedStaff, startServer } from '../tests/fixtures/pocketbase';

interface Loaded {
	url: string;
	at: number;
	gz: number;
	raw: number;
}

function recordScripts(page: Page): { done: () => Promise<Loaded[]> } {
	const pending: Promise<Loaded | null>[] = [];
	page.on('response', (res) => {
		const url = res.url();
		if (!url.endsWith('.js') || url.endsWith('/sw.js') || url.includes('workbox-')) return;
		const at = Date.now();
		pending.push(
			res
				.body()
				.then((b) => ({ url, at, raw: b.length, gz: gzipSync(b, { level: 6 }).length }))
				.catch(() => null)
		);
	});
	return { done: async () => (await Promise.all(pending)).filter((x): x is Loaded => !!x) };
}

const kib = (xs: Loaded[], k: 'gz' | 'raw') => xs.reduce((s, x) => s + x[k], 0) / 1024;

export async function run() {
	const server = await startServer();
	const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
	try {
		const { staff } = await seedStaff(server.url);
		const ctx = await browser.newContext({ baseURL: server.url, serviceWorkers: 'block', locale: 'zh-CN' });
		const page = await ctx.newPage();
		const loginRec = recordScripts(page);
		await page.goto('/login');
		await page.getByRole('heading', { name: '登录' }).waitFor();
		const loginShown = Date.now();
		await page.getByLabel('邮箱').fill(staff.sales.email);
		await page.getByLabel('密码').fill(staff.sales.password);
		await page.getByRole('button', { name: '登录' }).click();
		await page.getByRole('link', { name: /新建客户/ }).click();
		await page.getByLabel('姓名').fill('首屏测量');
		await page.getByRole('button', { name: '保存' }).click();
		await page.getByRole('heading', { name: '首屏测量' }).waitFor();
		const login = (await loginRec.done()).filter((x) => x.at <= loginShown);

		// A returning signed-in user: the app opened again, straight onto the customer list.
		await page.close();
		const page2 = await ctx.newPage();
		const rec = recordScripts(page2);
		const opened = Date.now();
		await page2.goto('/customers');
		await page2.getByRole('link', { name: /首屏测量/ }).waitFor();
		const shown = Date.now();
		await page2.waitForLoadState('networkidle');
		await page2.waitForTimeout(1500);
		const all = await rec.done();
		const first = all.filter((x) => x.at <= shown);
		const later = all.filter((x) => x.at > shown);
		if (process.env.BENCH_VERBOSE) for (const x of all) console.log(`  +${x.at - opened} ms ${(x.gz / 1024).toFixed(1)} KiB ${x.url.split('/').pop()}`);
		if (process.env.BENCH_VERBOSE) console.log(`  list shown at +${shown - opened} ms`);
		console.log(`sign-in screen: ${login.length} files, ${kib(login, 'raw').toFixed(1)} KiB raw, ${kib(login, 'gz').toFixed(1)} KiB gz`);
		console.log(`customer list, first screen: ${first.length} files, ${kib(first, 'raw').toFixed(1)} KiB raw, ${kib(first, 'gz').toFixed(1)} KiB gz`);
		console.log(`loaded after it (search index): ${later.length} files, ${kib(later, 'gz').toFixed(1)} KiB gz`);
		return {
			'shell.js_gz_kib': { value: Number(kib(first, 'gz').toFixed(1)), unit: 'KiB', target: 150, screen: 'customer list, signed in, until shown' },
			'shell.login_js_gz_kib': { value: Number(kib(login, 'gz').toFixed(1)), unit: 'KiB', target: 150, screen: 'sign-in' },
			'shell.deferred_js_gz_kib': { value: Number(kib(later, 'gz').toFixed(1)), unit: 'KiB', screen: 'loaded when idle after the first screen (search index, pinyin)' }
		};
	} finally {
		await browser.close();
		await server.stop();
	}
}
