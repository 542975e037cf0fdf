// sync.initial_10k_s: a fresh device (headless Chromium, Dexie) pulls 10,000 customers.
// sync.propagation_p95_ms: an edit saved on device A shown on device B, p95 over 100 edits.
// sync.unseen_after_reassign_s: a manager hands a customer open on the rep's device to a colleague; the
//   time until the device no longer holds it (its page says so), the worst of 10.
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';
import { seedStaff, startServer } from '../tests/fixtures/pocketbase';
import { seedCustomers } from '../tests/fixtures/seed';

const N = Number(process.env.BENCH_CUSTOMERS ?? 10_000);
const EDITS = Number(process.env.BENCH_EDITS ?? 100);

async function signIn(page: Page, email: string, password: string) {
	await page.goto('/login');
	await page.getByLabel(/邮箱|Email/).fill(email);
	await page.getByLabel(/密码|Password/).fill(password);
	await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
}

function p95(xs: number[]) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)];
}

export async function run() {
	const server = await startServer();
	const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
	try {
		const { staff } = await seedStaff(server.url);
		const rep = staff.sales;
		const t0 = Date.now();
		await seedCustomers(server.url, rep, rep.id, N, 7);
		console.log(`seeded ${N} customers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

		// Initial pull: from the sign-in click to the list showing every customer.
		const ctxA = await browser.newContext({ baseURL: server.url, locale: 'zh-CN', viewport: { width: 768, height: 1024 } });
		const a = await ctxA.newPage();
		const start = Date.now();
		await signIn(a, rep.email, rep.password);
		await a.getByText(`共 ${N} 位客户`).waitFor({ timeout: 300_000 });
		const initial = (Date.now() - start) / 1000;
		console.log(`initial pull of ${N}: ${initial.toFixed(2)} s`);

		// Propagation: A saves an edit, B (already open on the same customer) shows it.
		const ctxB = await browser.newContext({ baseURL: server.url, locale: 'zh-CN', viewport: { width: 768, height: 1024 } });
		const b = await ctxB.newPage();
		await signIn(b, rep.email, rep.password);
		await b.getByText(`共 ${N} 位客户`).waitFor({ timeout: 300_000 });
		const first = a.getByRole('list', { name: '客户' }).getByRole('link').first();
		const href = (await first.getAttribute('href'))!;
		await a.goto(href);
		await b.goto(href);
		await b.getByRole('button', { name: '编辑客户' }).waitFor();
		const latencies: number[] = [];
		for (let i = 0; i < EDITS; i++) {
			const text = `bench edit ${i}`;
			const seen = b.evaluate(
				(want) =>
					new Promise<number>((resolve) => {
						const check = () => {
							const el = document.querySelector('[data-field="notes"]');
							if (el?.textContent === want) {
								obs.disconnect();
								resolve(Date.now());
							}
						};
						const obs = new MutationObserver(check);
						obs.observe(document.body, { subtree: true, childList: true, characterData: true });
						check();
					}),
				text
			);
			await a.getByRole('button', { name: '编辑客户' }).click();
			await a.getByLabel('备注').fill(text);
			const saveClicked = await a.evaluate(() => {
				const button = [...document.querySelectorAll('button')].find((x) => x.textContent?.trim() === '保存')!;
				const t = Date.now();
				button.click();
				return t;
			});
			latencies.push((await seen) - saveClicked);
			await a.locator('[data-field="notes"]').filter({ hasText: text }).waitFor();
		}
		// Reassignment: device B has a customer open; a manager hands it to another rep.
		const managerAuth = await (
			await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ identity: staff.manager.email, password: staff.manager.password })
			})
		).json();
		await a.goto('/customers');
		await a.getByText(`共 ${N} 位客户`).waitFor({ timeout: 60_000 });
		await a.getByRole('list', { name: '客户' }).getByRole('link').nth(11).waitFor();
		const hrefs = await a
			.getByRole('list', { name: '客户' })
			.getByRole('link')
			.evaluateAll((els) => els.slice(1, 11).map((e) => e.getAttribute('href')!));
		if (hrefs.length < 10) throw new Error(`only ${hrefs.length} customers listed`);
		const unseen: number[] = [];
		for (const h of hrefs) {
			await b.goto(h);
			await b.getByRole('button', { name: '编辑客户' }).waitFor();
			const gone = b.evaluate(
				() =>
					new Promise<number>((resolve) => {
						const check = () => {
							if (document.body.textContent?.includes('本设备上没有这位客户。')) {
								obs.disconnect();
								resolve(Date.now());
							}
						};
						const obs = new MutationObserver(check);
						obs.observe(document.body, { subtree: true, childList: true, characterData: true });
						check();
					})
			);
			const t = Date.now();
			const res = await fetch(`${server.url}/api/collections/customers/records/${h.split('/').pop()}`, {
				method: 'PATCH',
				headers: { 'content-type': 'application/json', authorization: managerAuth.token },
				body: JSON.stringify({ owner: staff.sales2.id })
			});
			if (!res.ok) throw new Error(`reassign: ${res.status}`);
			unseen.push((await gone) - t);
		}
		const worst = Math.max(...unseen);
		console.log(`reassigned ${unseen.length} customers: gone from the device after ${unseen.join(', ')} ms`);
		const p = p95(latencies);
		const sorted = [...latencies].sort((x, y) => x - y);
		console.log(`propagation over ${EDITS} edits: p50 ${sorted[Math.floor(EDITS / 2)]} ms, p95 ${p} ms, max ${sorted[EDITS - 1]} ms`);
		console.log(`first edits: ${latencies.slice(0, 5).join(', ')} ms; slowest at edit #${latencies.indexOf(sorted[EDITS - 1])}`);
		return {
			'sync.initial_10k_s': { value: Number(initial.toFixed(2)), unit: 's', target: 10, customers: N },
			'sync.propagation_p95_ms': { value: p, unit: 'ms', target: 500, edits: EDITS },
			'sync.unseen_after_reassign_s': { value: Number((worst / 1000).toFixed(2)), unit: 's', target: 5, reassigned: unseen.length }
		};
	} finally {
		await browser.close();
		await server.stop();
	}
}
