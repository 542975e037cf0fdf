// The customers list at 50,000 customers on the device (headless Chromium, Dexie):
// sync.initial_50k_s, search.local_50k_p95_ms (keystroke to results painted), list.long_tasks_50k.
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';
import { seedStaff, startServer } from '../tests/fixtures/pocketbase';
import { seedCustomers } from '../tests/fixtures/seed';

const N = Number(process.env.BENCH_CUSTOMERS_50K ?? 50_000);
const QUERIES = ['zw', 'zhang', 'wang', '138', '0013', 'li', 'user12', '王', '张伟', 'shop-1001', 'chen', '139 12'];

function p95(xs: number[]) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
}

/** Types each query a key at a time; each keystroke is timed from its input event to the next painted frame after the list changed. */
async function measureSearch(page: Page): Promise<number[]> {
	const box = page.getByLabel('搜索客户');
	await page.evaluate(() => {
		const w = window as unknown as { __lat: number[]; __t0: number | null };
		w.__lat = [];
		w.__t0 = null;
		const input = document.querySelector('input[type="search"]')!;
		input.addEventListener('input', () => (w.__t0 = performance.now()), { capture: true });
		const obs = new MutationObserver(() => {
			if (w.__t0 === null) return;
			const t0 = w.__t0;
			w.__t0 = null;
			requestAnimationFrame(() => setTimeout(() => w.__lat.push(performance.now() - t0)));
		});
		obs.observe(document.querySelector('main')!, { subtree: true, childList: true, characterData: true });
	});
	for (const q of QUERIES) {
		await box.fill('');
		await page.waitForTimeout(150);
		await box.focus();
		for (const ch of q) {
			// Chinese characters arrive as committed text (as from an input method), others as key presses.
			if (/^[\x20-\x7e]$/.test(ch)) await page.keyboard.press(ch === ' ' ? 'Space' : ch);
			else await page.keyboard.insertText(ch);
			await page.waitForTimeout(120);
		}
	}
	return page.evaluate(() => (window as unknown as { __lat: number[] }).__lat);
}

async function measureScroll(page: Page): Promise<{ longTasks: number; longest: number; at: string; steps: number }> {
	await page.getByLabel('搜索客户').fill('');
	await page.waitForTimeout(300);
	return page.evaluate(async () => {
		const tasks: number[] = [];
		const at: string[] = [];
		const t0 = performance.now();
		let step = 0;
		const po = new PerformanceObserver((list) =>
			list.getEntries().forEach((e) => {
				tasks.push(e.duration);
				at.push(`${Math.round(e.startTime - t0)}ms@step${step}:${Math.round(e.duration)}ms`);
			})
		);
		po.observe({ type: 'longtask' });
		const total = document.documentElement.scrollHeight;
		for (let y = 0; y < total; y += 2400, step++) {
			window.scrollTo(0, y);
			await new Promise((r) => requestAnimationFrame(() => r(null)));
		}
		await new Promise((r) => setTimeout(r, 200));
		po.disconnect();
		return { longTasks: tasks.length, longest: Math.round(Math.max(0, ...tasks)), at: at.join(' '), steps: step };
	});
}

/** The live count of a three-condition segment while its conditions change (User Timing measures). */
async function measureSegmentCount(page: Page): Promise<number[]> {
	await page.goto('/segments/new');
	await page.getByLabel('名称').fill('三条件分群');
	const c1 = page.getByRole('group', { name: '条件 1', exact: true });
	await c1.getByLabel('字段').selectOption('tags');
	await c1.getByLabel('比较方式').selectOption('has_any');
	await c1.getByLabel('值', { exact: true }).fill('VIP');
	for (const [n, field, value] of [
		[2, 'region', '华东'],
		[3, 'category', '零售']
	] as const) {
		await page.getByRole('button', { name: '添加条件', exact: true }).click();
		const c = page.getByRole('group', { name: `条件 ${n}`, exact: true });
		await c.getByLabel('字段').selectOption(field);
		await c.getByLabel('比较方式').selectOption('eq');
		await c.getByLabel('值', { exact: true }).fill(value);
	}
	await page.getByTestId('live-count').filter({ hasText: /\d/ }).waitFor({ timeout: 120_000 });
	await page.evaluate(() => performance.clearMeasures('segment-live-count'));
	const c2 = page.getByRole('group', { name: '条件 2', exact: true });
	for (let i = 0; i < 30; i++) {
		await c2.getByLabel('值', { exact: true }).fill(['华东', '华南', '华北', '西南', '华中'][i % 5]);
		await page.waitForTimeout(250);
	}
	return page.evaluate(() => performance.getEntriesByName('segment-live-count').map((e) => e.duration));
}

export async function run() {
	const server = await startServer();
	const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
	try {
		const { staff } = await seedStaff(server.url);
		const rep = staff.sales;
		const t = Date.now();
		await seedCustomers(server.url, rep, rep.id, N, 11);
		console.log(`seeded ${N} customers in ${((Date.now() - t) / 1000).toFixed(1)} s`);
		const ctx = await browser.newContext({ baseURL: server.url, locale: 'zh-CN', viewport: { width: 360, height: 740 } });
		const page = await ctx.newPage();
		await page.goto('/login');
		await page.getByLabel('邮箱').fill(rep.email);
		await page.getByLabel('密码').fill(rep.password);
		const start = Date.now();
		await page.getByRole('button', { name: '登录' }).click();
		await page.getByText(`共 ${N} 位客户`).waitFor({ timeout: 600_000 });
		const initial = (Date.now() - start) / 1000;
		console.log(`initial pull of ${N}: ${initial.toFixed(1)} s`);
		await page.waitForTimeout(2000);
		const lat = await measureSearch(page);
		const searchP95 = Math.round(p95(lat));
		const p50 = Math.round([...lat].sort((a, b) => a - b)[Math.floor(lat.length / 2)]);
		console.log(`search: ${lat.length} keystrokes, p50 ${p50} ms, p95 ${searchP95} ms, max ${Math.round(Math.max(...lat))} ms`);
		const scroll = await measureScroll(page);
		console.log(`scroll through ${N} in ${scroll.steps} steps: ${scroll.longTasks} long tasks (longest ${scroll.longest} ms) ${scroll.at}`);
		const counts = await measureSegmentCount(page);
		const countP95 = Math.round(p95(counts));
		console.log(`segment live count: ${counts.length} counts, p95 ${countP95} ms, max ${Math.round(Math.max(...counts))} ms`);
		return {
			'sync.initial_50k_s': { value: Number(initial.toFixed(1)), unit: 's', target: 30, customers: N },
			'search.local_50k_p95_ms': { value: searchP95, unit: 'ms', target: 50, keystrokes: lat.length },
			'list.long_tasks_50k': { value: scroll.longTasks, unit: 'tasks', target: 0, longest_ms: scroll.longest },
			'segment.count_50k_p95_ms': { value: countP95, unit: 'ms', target: 100, counts: counts.length }
		};
	} finally {
		await browser.close();
		await server.stop();
	}
}
