// The manager's guide (docs/guide/<locale>/manager.md): the dashboards and what each figure means,
// a segment and its characteristics, a campaign's effect against its holdout, on a desktop (the
// installed app) and the dashboards on a phone.
import { test, expect, DESKTOP, PHONE } from './guide';

test('manager: dashboards, segments, campaign effect', async ({ guide }) => {
	const { w, shot } = guide;
	const page = await guide.as('manager', DESKTOP);
	const nav = page.getByRole('navigation', { name: w('nav.main') });

	await test.step('the dashboard: key figures and the funnel', async () => {
		await nav.getByRole('link', { name: w('nav.analytics'), exact: true }).click();
		await expect(page.getByRole('heading', { name: w('analytics.title'), level: 1 })).toBeVisible();
		await expect(page.getByRole('region', { name: w('analytics.funnel') }).locator('canvas, table').first()).toBeVisible();
		await shot(page, 'manager-analytics');
	});

	await test.step('RFM groups', async () => {
		const rfm = page.getByRole('region', { name: w('analytics.rfm') });
		await expect(rfm.locator('table').first()).toBeVisible();
		await rfm.scrollIntoViewIfNeeded();
		await shot(page, 'manager-rfm');
	});

	await test.step('predicted value', async () => {
		const clv = page.getByRole('region', { name: w('prediction.title') });
		await clv.scrollIntoViewIfNeeded();
		await expect(clv).toBeVisible();
		await shot(page, 'manager-prediction');
	});

	await test.step('a segment and its characteristics', async () => {
		await nav.getByRole('link', { name: w('nav.segments'), exact: true }).click();
		await page.getByRole('link', { name: /高消费客户/ }).first().click();
		await page.getByRole('link', { name: w('chars.open') }).click();
		await expect(page.getByRole('heading', { level: 1 })).toContainText('高消费客户');
		await page.waitForTimeout(500); // charts drawn
		await shot(page, 'manager-segment');
	});

	await test.step('a campaign’s effect against its holdout', async () => {
		await nav.getByRole('link', { name: w('nav.campaigns'), exact: true }).click();
		await page.getByRole('link', { name: /双十二会员回馈/ }).first().click();
		await expect(page.getByRole('heading', { name: '双十二会员回馈', level: 1 })).toBeVisible();
		await expect(page.getByText(w('effect.title'))).toBeVisible();
		await page.getByText(w('effect.title')).scrollIntoViewIfNeeded();
		await shot(page, 'manager-campaign');
	});

	await test.step('the dashboards on a phone', async () => {
		const phone = await guide.as('manager', PHONE);
		await phone.goto('/analytics');
		await expect(phone.getByRole('heading', { name: w('analytics.title'), level: 1 })).toBeVisible();
		await expect(phone.getByRole('region', { name: w('analytics.funnel') }).locator('canvas, table').first()).toBeVisible();
		await shot(phone, 'manager-phone');
	});
});
