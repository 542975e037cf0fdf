// The sales rep's guide (docs/guide/<locale>/sales.md), step by step on a phone: find a customer,
// call them, log the visit with a follow-up, work the Today list, and work offline.
import { test, expect, PHONE } from './guide';

test('sales rep: find, log, follow up, Today, offline', async ({ guide }) => {
	const { w, shot } = guide;
	const page = await guide.as('sales', PHONE);
	const nav = page.getByRole('navigation', { name: w('nav.main') });

	await test.step('the customer list: the rep’s book', async () => {
		await expect(page.getByRole('heading', { name: w('customers.title'), level: 1 })).toBeVisible();
		await expect(
			page
				.getByRole('list', { name: w('customers.title') })
				.locator('.name')
				.first()
		).toBeVisible();
		await shot(page, 'sales-list');
	});

	const rows = page.getByRole('list', { name: w('customers.title') }).locator('.name');
	const name = (await rows.nth(2).textContent())!.trim();
	await test.step('find a customer by part of the name', async () => {
		await page.getByPlaceholder(w('customers.search_placeholder')).fill(name.slice(0, 2));
		await expect(rows.first()).toBeVisible();
		await expect(page.getByRole('list', { name: w('customers.title') })).toContainText(name);
		await shot(page, 'sales-search');
	});

	await test.step('open the card: call or e-mail with one tap', async () => {
		await page
			.getByRole('link', { name: new RegExp(name) })
			.first()
			.click();
		await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
		await shot(page, 'sales-card');
	});

	await test.step('log a visit and set a follow-up', async () => {
		const form = page.getByRole('form', { name: w('service.new') });
		await form.getByLabel(w('service.kind'), { exact: true }).selectOption({ label: w('service.kind.visit') });
		await form.getByLabel(w('service.summary')).fill(guide.locale === 'en' ? 'Showed the new wool range; wants a quote' : '介绍了新的羊毛系列，想要报价');
		const inThreeDays = new Date(Date.now() + 3 * 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10);
		await form.getByLabel(w('service.follow_up')).fill(inThreeDays);
		await form.getByRole('button', { name: w('service.log'), exact: true }).click();
		await expect(form.getByRole('status')).toHaveText(w('service.saved'));
		await form.scrollIntoViewIfNeeded();
		await shot(page, 'sales-log');
	});

	await test.step('the Today list: follow-ups due and overdue', async () => {
		await nav.getByRole('link', { name: w('nav.today'), exact: true }).click();
		await expect(page.getByRole('heading', { name: w('today.title'), level: 1 })).toBeVisible();
		await expect(page.getByRole('list', { name: w('today.due') })).toBeVisible();
		await shot(page, 'sales-today');
	});

	await test.step('offline: changes wait on the phone and upload by themselves', async () => {
		await page.context().setOffline(true);
		await page
			.getByRole('list', { name: w('today.due') })
			.getByRole('link')
			.first()
			.click();
		const form = page.getByRole('form', { name: w('service.new') });
		await form.getByLabel(w('service.kind'), { exact: true }).selectOption({ label: w('service.kind.call') });
		await form.getByLabel(w('service.summary')).fill(guide.locale === 'en' ? 'Called back: order confirmed' : '已回电：订单确认');
		await form.getByRole('button', { name: w('service.log'), exact: true }).click();
		await expect(form.getByRole('status')).toHaveText(w('service.saved'));
		await expect(page.getByRole('banner')).toContainText(w('sync.offline'));
		await page.evaluate(() => window.scrollTo(0, 0));
		await shot(page, 'sales-offline');
		await page.context().setOffline(false);
		await expect(page.getByRole('banner')).toContainText(w('sync.online'), { timeout: 30_000 });
	});
});
