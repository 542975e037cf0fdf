import PocketBase from 'pocketbase';
import { test, expect, PHONE, TABLET, navTo } from './fixtures';

for (const [name, viewport] of [
	['phone', PHONE],
	['tablet', TABLET]
] as const) {
	test(`a segment's characteristics compare it with all customers, charts drawn (${name})`, async ({ openAs, server }) => {
		const tag = `特征${name}`;
		const pb = new PocketBase(server.url);
		await pb.collection('staff').authWithPassword(server.staff.manager.email, server.staff.manager.password);
		const id = () => Array.from({ length: 15 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');
		const customers = [
			{ name: `${tag}甲`, region: '华东', gender: 'female', tags: [tag], birthday: '1990-01-01' },
			{ name: `${tag}乙`, region: '华东', gender: 'male', tags: [tag] },
			{ name: `${tag}丙`, region: '华南', gender: 'female', tags: [tag] }
		];
		const segmentId = id();
		await pb.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: customers.map((c) => ({ doc: { id: id(), ...c }, base: null })) } });
		const seg = {
			id: segmentId,
			name: `${tag}华东`,
			kind: 'dynamic',
			owner: server.staff.manager.id,
			shared: false,
			rule: {
				op: 'and',
				rules: [
					{ field: 'tags', cmp: 'has_any', value: [tag] },
					{ field: 'region', cmp: 'eq', value: '华东' }
				]
			}
		};
		const res = await pb.send('/api/crm/sync/segments/push', { method: 'POST', body: { rows: [{ doc: seg, base: null }] } });
		expect(res.rejected).toEqual([]);

		const { page } = await openAs('manager', { viewport });
		await navTo(page, '客户分组');
		await page.getByRole('link', { name: new RegExp(`${tag}华东`) }).click();
		await page.getByRole('link', { name: '分群特征' }).click();
		await expect(page.getByRole('heading', { name: `“${tag}华东”的特征` })).toBeVisible();
		await expect(page.getByTestId('segment-size')).toContainText('中的 2 位');
		const region = page.getByRole('region', { name: '地区' });
		await expect(region.getByRole('row', { name: /^华东 / })).toContainText('2 (100%)');
		const gender = page.getByRole('region', { name: '性别' });
		await expect(gender.getByRole('row', { name: /^女 / })).toContainText('1 (50%)');
		// The chart is drawn: its canvas holds coloured pixels.
		const drawn = await region.locator('canvas').evaluate((c: HTMLCanvasElement) => {
			const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
			let colored = 0;
			for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] > 240 && d[i + 1] > 240 && d[i + 2] > 240)) colored++;
			return colored;
		});
		expect(drawn).toBeGreaterThan(100);
		await page.screenshot({ path: `test-results/screens/characteristics-${name}.png`, fullPage: false });

		// The segment exports only its members; a member's card names the segment.
		await page.goBack();
		await page.getByRole('link', { name: '导出' }).click();
		await expect(page.getByTestId('export-segment')).toContainText(`${tag}华东`);
		const [download] = await Promise.all([
			page.waitForEvent('download'),
			page
				.getByRole('button', { name: /下载|导出/ })
				.last()
				.click()
		]);
		const csv = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
		expect(csv).toContain(`${tag}甲`);
		expect(csv).toContain(`${tag}乙`);
		expect(csv).not.toContain(`${tag}丙`);
		await page.getByRole('link', { name: '客户', exact: true }).click();
		await page.getByLabel('搜索客户').fill(`${tag}甲`);
		await page.getByRole('link', { name: new RegExp(`${tag}甲`) }).click();
		await expect(page.getByRole('region', { name: '购买与分群' }).getByRole('link', { name: `${tag}华东` })).toBeVisible();
	});
}
