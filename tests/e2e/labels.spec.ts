import { test, expect, goOffline, goOnline, PHONE, TABLET, type Device, navTo } from './fixtures';
import type { Page } from '@playwright/test';

/** The suggestions a customer form input offers: the options of the datalist it points to. */
const suggestions = (page: Page, label: string) => page.getByLabel(label, { exact: true }).evaluate((el) => [...((el as HTMLInputElement).list?.options ?? [])].map((o) => o.value));

async function openLabels(d: Device) {
	await navTo(d.page, '设置');
	return d.page.getByRole('region', { name: '标签与分类' });
}

test('a manager adds a tag and a category in settings; a sales rep’s customer form offers them, and the rep cannot manage them', async ({ openAs }) => {
	const manager = await openAs('manager', { viewport: TABLET });
	const rep = await openAs('sales', { viewport: PHONE });

	const section = await openLabels(manager);
	await expect(section.getByText('还没有标签')).toBeVisible();
	await section.getByLabel('类型').selectOption('tag');
	await section.getByLabel('名称', { exact: true }).fill('高价值');
	await section.getByRole('button', { name: '添加' }).click();
	await expect(section.getByRole('list', { name: '标签' }).getByText('高价值')).toBeVisible();
	await section.getByLabel('类型').selectOption('category');
	await section.getByLabel('名称', { exact: true }).fill('企业客户');
	await section.getByRole('button', { name: '添加' }).click();
	await expect(section.getByRole('list', { name: '分类' }).getByText('企业客户')).toBeVisible();
	// The same name of the same kind is refused on the device, naming the field.
	await section.getByLabel('名称', { exact: true }).fill(' 企业客户 ');
	await section.getByRole('button', { name: '添加' }).click();
	await expect(section.getByText('已有同名的项目。')).toBeVisible();
	await expect(section.getByLabel('名称', { exact: true })).toHaveAttribute('aria-invalid', 'true');
	await expect(section.getByRole('list', { name: '分类' }).getByRole('listitem')).toHaveCount(1);

	// The rep's device receives them: the customer form suggests them, free text stays allowed.
	await rep.page.getByRole('link', { name: /新建客户/ }).click();
	await expect.poll(() => suggestions(rep.page, '标签'), { timeout: 15_000 }).toEqual(['高价值']);
	await expect.poll(() => suggestions(rep.page, '分类')).toEqual(['企业客户']);
	await rep.page.getByLabel('标签', { exact: true }).fill('老客户, ');
	await expect.poll(() => suggestions(rep.page, '标签')).toEqual(['老客户, 高价值']);
	await rep.page.getByLabel('标签', { exact: true }).fill('老客户, 高价值');
	await expect.poll(() => suggestions(rep.page, '标签')).toEqual([]);
	await rep.page.getByLabel('姓名').fill('标签客户');
	await rep.page.getByLabel('分类', { exact: true }).fill('企业客户');
	await rep.page.getByRole('button', { name: '保存' }).click();
	await expect(rep.page.getByRole('heading', { name: '标签客户' })).toBeVisible();

	// A sales rep does not see the management section.
	await navTo(rep.page, '设置');
	await expect(rep.page.getByRole('heading', { name: '设置' })).toBeVisible();
	await expect(rep.page.getByRole('heading', { name: '标签与分类' })).toHaveCount(0);
	await expect(rep.page.getByRole('region', { name: '标签与分类' })).toHaveCount(0);
});

test('offline, a manager renames, recolours and removes labels; the rep’s device follows once the manager is back online', async ({ openAs }) => {
	const manager = await openAs('manager', { viewport: PHONE });
	const rep = await openAs('sales', { viewport: TABLET });
	const section = await openLabels(manager);
	const tags = section.getByRole('list', { name: '标签' });
	for (const name of ['团购', '母婴']) {
		await section.getByLabel('名称', { exact: true }).fill(name);
		await section.getByRole('button', { name: '添加' }).click();
		await expect(tags.getByText(name, { exact: true })).toBeVisible();
	}
	await rep.page.getByRole('link', { name: /新建客户/ }).click();
	await expect.poll(() => suggestions(rep.page, '标签'), { timeout: 15_000 }).toEqual(expect.arrayContaining(['团购', '母婴']));

	await goOffline(manager);
	await manager.page.getByRole('button', { name: '重命名“团购”' }).click();
	await manager.page.getByLabel('“团购”的新名称').fill('团购客户');
	await manager.page.getByRole('button', { name: '保存' }).click();
	await expect(tags.getByText('团购客户', { exact: true })).toBeVisible();
	await manager.page.getByLabel('“团购客户”的颜色').fill('#b91c1c');
	await expect(manager.page.getByLabel('“团购客户”的颜色')).toHaveValue('#b91c1c');
	manager.page.once('dialog', (d) => d.accept());
	await manager.page.getByRole('button', { name: '移除“母婴”' }).click();
	await expect(tags.getByText('母婴', { exact: true })).toHaveCount(0);
	// Both changed labels wait on the manager's device; nothing reached the rep.
	await expect(manager.page.getByTestId('sync-indicator')).toContainText('2');
	await expect.poll(() => suggestions(rep.page, '标签')).toEqual(expect.arrayContaining(['团购', '母婴']));

	await goOnline(manager);
	await expect.poll(async () => (await suggestions(rep.page, '标签')).filter((s) => ['团购', '团购客户', '母婴'].includes(s)), { timeout: 15_000 }).toEqual(['团购客户']);
	await manager.page.reload();
	await expect(manager.page.getByLabel('“团购客户”的颜色')).toHaveValue('#b91c1c');
});
