import { readFile, writeFile } from 'node:fs/promises';
import Papa from 'papaparse';
import { test, expect, goOffline, PHONE, TABLET } from './fixtures';
import type { Page } from '@playwright/test';

const utf8 = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');

async function chooseCsv(page: Page, name: string, buffer: Buffer) {
	await page.getByLabel('CSV 文件').setInputFiles({ name, mimeType: 'text/csv', buffer });
}

/** The list's "共 N 位客户", once the whole list is counted. */
async function customerCount(page: Page): Promise<number> {
	await page.getByRole('link', { name: '客户', exact: true }).click();
	const count = page.getByText(/^共 \d+ 位客户$/).or(page.getByText(/^还没有客户/));
	await expect(count).toBeVisible();
	return Number((await count.textContent())!.replace(/\D/g, '') || 0);
}

test('a rep imports a UTF-8 file with Chinese headers: one bad row blocks it all, the fixed file imports', async ({ openAs }) => {
	const device = await openAs('sales', { viewport: PHONE });
	const { page } = device;
	await page.getByRole('link', { name: '导入', exact: true }).click();
	await expect(page.getByRole('heading', { name: '导入客户' })).toBeVisible();
	// All of it happens on the device.
	await goOffline(device);
	await expect(page.getByText('尚未选择文件')).toBeVisible();

	const header = '姓名,手机号码,邮箱,备注,商城客户编号';
	const rows = ['导入甲,138 0013 8001,Jia@Example.com,老客户,CSV-U1', '导入乙,12345,,,CSV-U2', '导入丙,+86 139 0013 8003,,,CSV-U3'];
	await chooseCsv(page, 'customers.csv', utf8([header, ...rows]));
	await expect(page.getByText('检测到的编码：UTF-8')).toBeVisible();
	await expect(page.getByLabel('列“姓名”导入为')).toHaveValue('name');
	await expect(page.getByLabel('列“手机号码”导入为')).toHaveValue('phones');
	await expect(page.getByLabel('列“商城客户编号”导入为')).toHaveValue('external_id');

	// Nothing is imported while a row is wrong; the row is named with its spreadsheet number and field.
	await expect(page.getByRole('alert').filter({ hasText: '需要修改的行：1' })).toBeVisible();
	const problems = page.getByRole('list', { name: '需要修改的行' });
	await expect(problems.getByRole('listitem').first()).toContainText('第 3 行');
	await expect(problems).toContainText('电话：请检查电话号码');
	await expect(page.getByRole('button', { name: '导入 3 位客户' })).toBeDisabled();

	// The preview shows rows as they will be saved; ignoring a column takes it out.
	const preview = page.getByRole('region', { name: '前几行的预览' });
	await expect(preview.getByRole('row', { name: /导入甲/ })).toContainText('138 0013 8001');
	await expect(preview.getByRole('row', { name: /导入甲/ })).toContainText('jia@example.com');
	await expect(preview.getByRole('columnheader', { name: '备注' })).toBeVisible();
	await page.getByLabel('列“备注”导入为').selectOption('');
	await expect(preview.getByRole('columnheader', { name: '备注' })).toHaveCount(0);

	rows[1] = '导入乙,139 0013 8002,,,CSV-U2';
	await chooseCsv(page, 'customers-fixed.csv', utf8([header, ...rows]));
	await expect(page.getByText('准备就绪：新建 3 位客户，更新 0 位已有客户。')).toBeVisible();
	await expect(page.getByRole('alert')).toHaveCount(0);
	await page.getByRole('button', { name: '导入 3 位客户' }).click();
	await expect(page.getByRole('status').filter({ hasText: '导入完成：新建 3 位，更新 0 位。' })).toBeVisible();

	await page.getByRole('link', { name: '查看客户' }).click();
	for (const name of ['导入甲', '导入乙', '导入丙']) await expect(page.getByRole('link', { name: new RegExp(name) })).toBeVisible();
	await page.getByRole('link', { name: /导入甲/ }).click();
	await expect(page.getByText('老客户')).toBeVisible();
});

test('a GBK file imports with the right names, and importing it again updates instead of duplicating', async ({ openAs }) => {
	const { page } = await openAs('sales', { viewport: PHONE });
	// Chinese Excel writes GBK: 张伟 is D5 C5 CE B0 (not valid UTF-8).
	const zhangWei = Buffer.from([0xd5, 0xc5, 0xce, 0xb0]);
	const gbk = Buffer.concat([Buffer.from('name,phone,customer id\r\n'), zhangWei, Buffer.from(' GBK1,13800138011,CSV-G1\r\n'), zhangWei, Buffer.from(' GBK2,13800138012,CSV-G2\r\n')]);
	// Counted once this device holds all of the rep's customers.
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByText(/上次同步/)).toBeVisible();
	await page.getByTestId('sync-indicator').click();
	const before = await customerCount(page);

	await page.getByRole('link', { name: '导入', exact: true }).click();
	await chooseCsv(page, 'gbk.csv', gbk);
	await expect(page.getByText('检测到的编码：GBK（中文版 Excel / WPS）')).toBeVisible();
	await page.getByRole('button', { name: '导入 2 位客户' }).click();
	await expect(page.getByRole('status').filter({ hasText: '新建 2 位，更新 0 位' })).toBeVisible();
	await page.getByRole('link', { name: '查看客户' }).click();
	await expect(page.getByRole('link', { name: /张伟 GBK1/ })).toBeVisible();
	await expect(page.getByRole('link', { name: /张伟 GBK2/ })).toBeVisible();
	expect(await customerCount(page)).toBe(before + 2);

	await page.getByRole('link', { name: '导入', exact: true }).click();
	await chooseCsv(page, 'gbk.csv', gbk);
	await expect(page.getByRole('region', { name: '前几行的预览' }).getByText('更新')).toHaveCount(2);
	await expect(page.getByText('准备就绪：新建 0 位客户，更新 2 位已有客户。')).toBeVisible();
	await page.getByRole('button', { name: '导入 2 位客户' }).click();
	await expect(page.getByRole('status').filter({ hasText: '新建 0 位，更新 2 位' })).toBeVisible();
	expect(await customerCount(page)).toBe(before + 2);
	await expect(page.getByRole('link', { name: /张伟 GBK1/ })).toHaveCount(1);
});

test('a file over the size limit is refused before it is read, with the limit in MB', async ({ openAs }, testInfo) => {
	const { page } = await openAs('sales', { viewport: PHONE, locale: 'en' });
	await page.getByRole('link', { name: 'Import', exact: true }).click();
	// Playwright refuses setInputFiles buffers over 50 MB, so the 51 MB file goes through the disk.
	const big = testInfo.outputPath('big.csv');
	await writeFile(big, Buffer.alloc(51 * 1024 * 1024, 'a,b\n'));
	await page.getByLabel('CSV file').setInputFiles(big);
	await expect(page.getByRole('alert')).toHaveText(/^This file is 51 MB; files up to 20 MB can be imported\./);
	await expect(page.getByRole('button', { name: /^Import \d+ customers$/ })).toHaveCount(0);
	await expect(page.getByRole('table')).toHaveCount(0);
});

test('a rep exports only their own live customers, with formula cells escaped', async ({ openAs }) => {
	const other = await openAs('sales2', { viewport: TABLET });
	await other.page.getByRole('link', { name: /新建客户/ }).click();
	await other.page.getByLabel('姓名').fill('别的销售的导出客户');
	await other.page.getByRole('button', { name: '保存' }).click();
	await expect(other.page.getByRole('heading', { name: '别的销售的导出客户' })).toBeVisible();
	await other.page.getByTestId('sync-indicator').click();
	await expect(other.page.getByTestId('sync-pending')).toContainText('所有更改已上传', { timeout: 15_000 });

	const { page } = await openAs('sales', { viewport: TABLET });
	for (const [name, notes] of [
		['公式导出客户', '=HYPERLINK("x")'],
		['已删除导出客户', '']
	]) {
		await page.getByRole('link', { name: '客户', exact: true }).click();
		await page.getByRole('link', { name: /新建客户/ }).click();
		await page.getByLabel('姓名').fill(name);
		await page.getByLabel('备注').fill(notes);
		await page.getByRole('button', { name: '保存' }).click();
		await expect(page.getByRole('heading', { name })).toBeVisible();
	}
	page.once('dialog', (d) => d.accept());
	await page.getByRole('button', { name: '删除' }).click();
	await expect(page.getByText('已删除', { exact: true })).toBeVisible();
	// A completed sync after the other rep's upload: that customer still never reaches this device.
	await page.reload();
	await page.getByTestId('sync-indicator').click();
	await expect(page.getByText(/上次同步/)).toBeVisible();

	await page.getByRole('link', { name: '客户', exact: true }).click();
	await page.getByRole('link', { name: '导出', exact: true }).click();
	await expect(page.getByRole('heading', { name: '导出客户' })).toBeVisible();
	const countText = await page.getByText(/^将导出的客户：\d+$/).textContent();
	const expected = Number(countText!.replace(/\D/g, ''));
	const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /下载 CSV/ }).click()]);

	const now = new Date();
	const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
	expect(download.suggestedFilename()).toBe(`customers-${day}.csv`);
	const text = await readFile((await download.path())!, 'utf8');
	expect(text.startsWith('\uFEFF姓名,电话,邮箱,地址,性别,生日,标签,分类,地区,来源,备注,商城客户编号\r\n')).toBe(true);
	const rows = Papa.parse<string[]>(text.slice(1), { skipEmptyLines: true }).data.slice(1);
	expect(rows).toHaveLength(expected);
	const byName = new Map(rows.map((r) => [r[0], r]));
	expect(byName.get('公式导出客户')?.[10]).toBe(`'=HYPERLINK("x")`);
	expect(byName.has('已删除导出客户')).toBe(false);
	expect(byName.has('别的销售的导出客户')).toBe(false);
	await expect(page.getByRole('status').filter({ hasText: `已保存 customers-${day}.csv` })).toBeVisible();
});
