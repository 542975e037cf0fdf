import PocketBase from 'pocketbase';
import writeXlsxFile from 'write-excel-file/node';
import { test, expect, PHONE, navTo } from './fixtures';
import { statsFormats } from '../../src/lib/stats/format';

// A manager imports the shop's order history from an Excel file on a phone (issue 15, item 1): the
// columns are recognised from the Chinese headers, a bad row is named and nothing is imported, the
// corrected file imports with a progress bar, and the dashboard for those days shows exactly the
// file's sums. The orders lie in 2003, so no other test's events share their days.

const SCREENS = process.env.SCREENS_DIR ?? 'test-results/screens';
const HEADERS = ['订单编号', '会员编号', '收货人', '下单时间', '实付金额', '退款金额'];

type Order = { id: string; customer: string; name: string; at: Date; total: number; refunded: number };

async function xlsx(orders: Order[]): Promise<Buffer> {
	const head = HEADERS.map((value) => ({ value, fontWeight: 'bold' as const }));
	const rows = orders.map((o) => [
		{ value: o.id },
		{ value: o.customer },
		{ value: o.name },
		{ value: o.at, type: Date, format: 'yyyy-mm-dd hh:mm' },
		{ value: o.total, type: Number },
		o.refunded ? { value: o.refunded, type: Number } : null
	]);
	return (writeXlsxFile([head, ...rows] as never) as unknown as { toBuffer(): Promise<Buffer> }).toBuffer();
}

test('a manager imports order history from an Excel file on a phone; a bad row stops it, the corrected file counts exactly', async ({ openAs, server }) => {
	test.setTimeout(90_000);
	const R = `oi${Date.now().toString(36)}`;
	// 1,250 orders of 50 customers over 2003 (two requests of 1,000 and 250), every 9th partly refunded;
	// a day's wall clock in the shop's time, as the spreadsheet holds it.
	const orders: Order[] = Array.from({ length: 1250 }, (_, i) => ({
		id: `${R}-${i}`,
		customer: `${R}-c${i % 50}`,
		name: `导入${i % 50}号`,
		at: new Date(Date.UTC(2003, i % 12, 1 + (i % 28), 10 + (i % 10), 30)),
		total: 50 + ((i * 37) % 500) + 0.5,
		refunded: i % 9 === 0 ? 20 : 0
	}));
	const bad = orders.map((o, i) => (i === 6 ? { ...o, refunded: o.total + 1 } : o));

	const device = await openAs('manager', { viewport: PHONE });
	const { page } = device;
	await navTo(page, '分析');
	await page.getByRole('link', { name: '导入历史订单' }).click();
	await expect(page.getByRole('heading', { name: '导入历史订单', level: 1 })).toBeVisible();
	const type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
	await page.getByLabel('文件', { exact: true }).setInputFiles({ name: '订单.xlsx', mimeType: type, buffer: await xlsx(bad) });
	// The columns, recognised from the headers.
	await expect(page.getByRole('combobox', { name: '导入为 下单时间' })).toHaveValue('time');
	await expect(page.getByRole('combobox', { name: '导入为 会员编号' })).toHaveValue('customer_id');
	await expect(page.getByRole('combobox', { name: '导入为 退款金额' })).toHaveValue('refunded');
	// Row 8 of the sheet (the header is row 1): named, and nothing can be imported.
	await expect(page.getByText('有 1 行无法导入')).toBeVisible();
	await expect(page.getByRole('list', { name: '需要修改的行' })).toContainText('第 8 行：退款金额大于实付金额');
	await expect(page.getByRole('button', { name: /导入 .* 笔订单/ })).toBeDisabled();
	await page.screenshot({ path: `${SCREENS}/order-import-problem-phone.png`, fullPage: true });

	// The corrected file.
	await page.getByLabel('文件', { exact: true }).setInputFiles({ name: '订单（改）.xlsx', mimeType: type, buffer: await xlsx(orders) });
	const f = statsFormats('zh-CN');
	const revenue = orders.reduce((s, o) => s + o.total, 0);
	const refunds = orders.reduce((s, o) => s + o.refunded, 0);
	await expect(page.getByTestId('orders-summary')).toContainText(`50 位客户的 1,250 笔订单`);
	await expect(page.getByTestId('orders-summary')).toContainText(f.money(revenue));
	await page.getByRole('button', { name: '导入 1,250 笔订单' }).click();
	await expect(page.getByRole('status').filter({ hasText: '已导入 1,250 笔订单（其中 0 笔此前已有）' })).toBeVisible({ timeout: 30_000 });
	await page.screenshot({ path: `${SCREENS}/order-import-done-phone.png`, fullPage: true });

	// Agreement: the customers' figures and the dashboard of 2003 are the file's sums.
	const manager = new PocketBase(server.url);
	await manager.collection('staff').authWithPassword(server.staff.manager.email, server.staff.manager.password);
	const [c0] = await manager.collection('customers').getFullList({ filter: `external_id = "${R}-c0"` });
	const [s0] = await manager.collection('customer_stats').getFullList({ filter: `customer = "${c0.id}"` });
	const mine = orders.filter((o) => o.customer === `${R}-c0`);
	expect(c0.name).toBe('导入0号');
	expect(s0.order_count).toBe(mine.length);
	expect(s0.total_spend).toBeCloseTo(
		mine.reduce((s, o) => s + o.total - o.refunded, 0),
		2
	);
	const overview = await manager.send('/api/crm/stats/overview', { query: { from: '2003-01-01', to: '2003-12-31' } });
	expect(overview.orders).toBe(1250);
	expect(overview.revenue).toBeCloseTo(revenue, 2);
	expect(overview.refunds).toBeCloseTo(refunds, 2);
	await page.goto('/analytics?from=2003-01-01&to=2003-12-31');
	await expect(page.getByTestId('kpi-orders').locator('.value')).toHaveText('1,250');
	await expect(page.getByTestId('kpi-revenue').locator('.value')).toHaveText(f.moneyTile(revenue));

	// The same file again: every order is already there, nothing counts twice.
	await page.goto('/orders/import');
	await page.getByLabel('文件', { exact: true }).setInputFiles({ name: '订单（改）.xlsx', mimeType: type, buffer: await xlsx(orders) });
	await page.getByRole('button', { name: '导入 1,250 笔订单' }).click();
	await expect(page.getByRole('status').filter({ hasText: '其中 1,250 笔此前已有' })).toBeVisible({ timeout: 30_000 });
	expect((await manager.send('/api/crm/stats/overview', { query: { from: '2003-01-01', to: '2003-12-31' } })).orders).toBe(1250);
});
