// The product catalogue (issue 18, item 3): a manager imports the shop's products from a CSV (a bad
// row is named and stops the import until fixed), finds them in the catalogue, and the customer card
// then names the products the customer viewed and lists an order's items by name with a picture,
// where it said "浏览了商品 P1100" and "2 件商品".
import { test, expect, TABLET, PHONE } from './fixtures';
import { api, staffToken } from './chat-fixtures';

test('a manager imports the catalogue from a CSV, and the customer card names the products', async ({ openAs, server }) => {
	const owner = await staffToken(server.url, server.staff.owner);
	const run = Date.now().toString(36);
	const key = (await api<{ key: string }>(server.url, '/api/crm/shop-sources', { name: `商品 ${run}`, kind: 'server' }, owner)).key;
	const P1 = `SKU-${run}-1`;
	const P2 = `SKU-${run}-2`;
	const cust = `prod-${run}`;
	const now = Date.now();
	const sent = await fetch(`${server.url}/api/crm/events`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
		body: JSON.stringify({
			events: [
				{ id: `v-${run}`, type: 'product_view', time: now - 60_000, customer_id: cust, product_id: P1, traits: { name: `商品顾客${run}` } },
				{
					id: `o-${run}`,
					type: 'purchase',
					time: now - 30_000,
					customer_id: cust,
					order_id: `ORD-${run}`,
					total: 287.5,
					items: [
						{ product_id: P1, price: 199, quantity: 1 },
						{ product_id: P2, price: 88.5, quantity: 1 }
					]
				}
			]
		})
	});
	expect(sent.status).toBe(200);

	const { page, proxy } = await openAs('manager', { viewport: TABLET });
	await page.getByRole('link', { name: '分析', exact: true }).click();
	await page.getByRole('link', { name: '商品目录' }).click();
	await expect(page.getByRole('heading', { name: '商品目录', level: 1 })).toBeVisible();
	const picture = `${proxy.url}/icons/icon-192.png`;
	const csv = (rows: string[]) => Buffer.from(['商品编号,商品名称,类目,售价,主图链接', ...rows].join('\n'), 'utf8');
	const file = page.getByLabel('文件（CSV 或 Excel .xlsx）');
	await file.setInputFiles({ name: '商品.csv', mimeType: 'text/csv', buffer: csv([`${P1},羊毛围巾,配饰,199,${picture}`, `${P2},,手套,abc,`]) });
	await expect(page.getByRole('list', { name: '需要修改的行' })).toContainText('第 3 行：缺少名称；价格不是有效金额');
	await expect(page.getByRole('button', { name: /导入 1 个商品/ })).toBeDisabled();
	await file.setInputFiles({ name: '商品（改）.csv', mimeType: 'text/csv', buffer: csv([`${P1},羊毛围巾,配饰,199,${picture}`, `${P2},真皮手套,手套,88.5,`]) });
	await page.getByRole('button', { name: '导入 2 个商品' }).click();
	await expect(page.getByRole('status').filter({ hasText: '完成' })).toHaveText('完成：新增 2 个，更新 0 个，0 个未变。');
	await page.getByPlaceholder('名称或商品编号').fill(run);
	const table = page.getByTestId('products-list');
	await expect(table.getByRole('rowheader')).toHaveText([new RegExp(`羊毛围巾\\s*${P1}`), new RegExp(`真皮手套\\s*${P2}`)]);
	await expect(table).toContainText('¥199.00');
	await page.screenshot({ path: test.info().outputPath('products-tablet.png') });

	// The customer card on a phone: names instead of ids, the order's items listed.
	const [c] = (await api<{ items: { id: string }[] }>(server.url, `/api/collections/customers/records?filter=${encodeURIComponent(`external_id = "${cust}"`)}`, undefined, owner, 'GET')).items;
	const phone = await openAs('manager', { viewport: PHONE });
	await phone.page.goto(`/customers/${c.id}`);
	const timeline = phone.page.getByTestId('shop-timeline');
	await expect(timeline.getByTestId('timeline-events')).toContainText('浏览了商品 羊毛围巾');
	const items = timeline.getByRole('list', { name: `订单 ORD-${run}` });
	await expect(items.getByRole('listitem')).toHaveText([/羊毛围巾\s*×1 · ¥199.00/, /真皮手套\s*×1 · ¥88.50/]);
	await expect(items.locator('img')).toHaveCount(1);
	await timeline.scrollIntoViewIfNeeded();
	await phone.page.screenshot({ path: test.info().outputPath('products-card-phone.png') });
});
