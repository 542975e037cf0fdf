// The customer card on a rep's phone (issue "Daily use", items 7 and 10): a number dials, an e-mail
// opens the mail app, an address opens the map; a source the system set is said in words.
import { test, expect, PHONE } from './fixtures';
import { api, staffToken } from './chat-fixtures';

test('on the card a phone number dials, an e-mail writes, an address opens the map; the source is in words', async ({ openAs, server }) => {
	const manager = await staffToken(server.url, server.staff.manager);
	const stamp = Date.now().toString(36);
	const id = `card${stamp}`.padEnd(15, '0').slice(0, 15);
	await api(
		server.url,
		'/api/crm/sync/customers/push',
		{
			rows: [
				{
					doc: {
						id,
						name: `拨号客户 ${stamp}`,
						owner: server.staff.sales.id,
						phones: ['13987654021', '021 6234 5678'],
						emails: ['card-buyer@example.test'],
						addresses: [{ region: '上海市', detail: '徐汇区漕溪北路 88 号' }],
						source: 'shop'
					},
					base: null
				}
			]
		},
		manager
	);
	const { page } = await openAs('sales', { viewport: PHONE });
	await page.goto(`/customers/${id}`);
	const phones = page.locator('[data-field="phones"]').getByRole('link');
	await expect(phones).toHaveCount(2);
	await expect(phones.first()).toHaveAttribute('href', 'tel:+8613987654021');
	await expect(phones.first()).toHaveText('139 8765 4021');
	await expect(page.locator('[data-field="emails"]').getByRole('link')).toHaveAttribute('href', 'mailto:card-buyer@example.test');
	const address = page.locator('[data-field="addresses"]').getByRole('link');
	await expect(address).toHaveText('徐汇区漕溪北路 88 号');
	await expect(address).toHaveAttribute('href', `https://uri.amap.com/search?keyword=${encodeURIComponent('上海市 徐汇区漕溪北路 88 号')}`);
	await expect(address).toHaveAttribute('target', '_blank');
	// a customer the shop's events made says so in words, not "shop"
	await expect(page.locator('[data-field="source"]')).toHaveText('网店');
});
