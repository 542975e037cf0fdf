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
		await expect(
			page
				.getByRole('region', { name: w('analytics.funnel') })
				.locator('canvas, table')
				.first()
		).toBeVisible();
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

	const segmentName = guide.locale === 'en' ? `East China VIPs ${Date.now().toString(36).slice(-3)}` : `华东的 VIP 客户 ${Date.now().toString(36).slice(-3)}`;
	await test.step('build a segment with a live count', async () => {
		await nav.getByRole('link', { name: w('nav.segments'), exact: true }).click();
		await page.getByRole('link', { name: new RegExp(w('segments.new')) }).click();
		await page.getByLabel(w('segments.name'), { exact: true }).fill(segmentName);
		const c1 = page.getByRole('group', { name: w('segments.condition', { n: 1 }), exact: true });
		await c1.getByLabel(w('segments.field')).selectOption('tags');
		await c1.getByLabel(w('segments.cmp')).selectOption('has_any');
		await c1.getByLabel(w('segments.value'), { exact: true }).fill('VIP');
		await page.getByRole('button', { name: w('segments.add_condition'), exact: true }).click();
		const c2 = page.getByRole('group', { name: w('segments.condition', { n: 2 }), exact: true });
		await c2.getByLabel(w('segments.field')).selectOption('region');
		await c2.getByLabel(w('segments.cmp')).selectOption('eq');
		await c2.getByLabel(w('segments.value'), { exact: true }).fill('华东');
		await expect(page.getByTestId('live-count')).toContainText(/\d/);
		await shot(page, 'manager-segment-new');
		await page.getByRole('button', { name: w('segments.save'), exact: true }).click();
		await expect(page.getByRole('list', { name: w('segments.title') }).getByRole('link', { name: new RegExp(segmentName) })).toBeVisible();
	});

	await test.step('a segment and its characteristics', async () => {
		await nav.getByRole('link', { name: w('nav.segments'), exact: true }).click();
		await page
			.getByRole('link', { name: /高消费客户/ })
			.first()
			.click();
		await page.getByRole('link', { name: w('chars.open') }).click();
		await expect(page.getByRole('heading', { level: 1 })).toContainText('高消费客户');
		await page.waitForTimeout(500); // charts drawn
		await shot(page, 'manager-segment');
	});

	await test.step('a campaign from draft to published', async () => {
		await nav.getByRole('link', { name: w('nav.campaigns'), exact: true }).click();
		await page.getByRole('button', { name: new RegExp(w('campaigns.new')) }).click();
		await page
			.getByLabel(w('campaigns.f.name'), { exact: true })
			.fill(guide.locale === 'en' ? `Weekend free shipping ${Date.now().toString(36).slice(-3)}` : `周末包邮 ${Date.now().toString(36).slice(-3)}`);
		await page.getByLabel(w('campaigns.f.segment'), { exact: true }).selectOption({ label: segmentName });
		await page.getByLabel(w('campaigns.f.holdout'), { exact: true }).fill('20');
		await page.getByRole('button', { name: w('campaigns.next'), exact: true }).click();
		await page.getByRole('button', { name: w('campaigns.next'), exact: true }).click();
		await page.getByRole('checkbox', { name: new RegExp(`^${w('campaigns.channel.onsite')}`) }).check();
		await page.getByLabel(w('campaigns.f.onsite_title'), { exact: true }).fill(guide.locale === 'en' ? 'Free shipping this weekend' : '本周末全场包邮');
		await page.getByLabel(w('campaigns.f.onsite_body'), { exact: true }).fill(guide.locale === 'en' ? '{{name}}, shipping is free this weekend' : '{{name}}，本周末全场包邮');
		await page.getByRole('button', { name: w('campaigns.next'), exact: true }).click();
		await page.getByRole('button', { name: w('campaigns.next'), exact: true }).click();
		await expect(page.getByText(w('campaigns.ready'))).toBeVisible();
		await page.getByRole('button', { name: w('campaigns.recount'), exact: true }).click();
		await expect(page.getByRole('button', { name: w('campaigns.publish'), exact: true })).toBeEnabled({ timeout: 15_000 });
		await expect(page.getByRole('row', { name: new RegExp(w('campaigns.count.holdout').replace(/[()（）]/g, '.')) })).toBeVisible({ timeout: 15_000 });
		await shot(page, 'manager-campaign-review');
		await page.getByRole('button', { name: w('campaigns.publish'), exact: true }).click();
		await expect(page.getByRole('status').filter({ hasText: w('campaigns.published_running') })).toBeVisible({ timeout: 15_000 });
	});

	await test.step('a campaign’s effect against its holdout', async () => {
		await nav.getByRole('link', { name: w('nav.campaigns'), exact: true }).click();
		await page
			.getByRole('link', { name: /双十二会员回馈/ })
			.first()
			.click();
		await expect(page.getByRole('heading', { name: '双十二会员回馈', level: 1 })).toBeVisible();
		await expect(page.getByText(w('effect.title'))).toBeVisible();
		await page.getByText(w('effect.title')).scrollIntoViewIfNeeded();
		await shot(page, 'manager-campaign');
	});

	await test.step('the dashboards on a phone', async () => {
		const phone = await guide.as('manager', PHONE);
		await phone.goto('/analytics');
		await expect(phone.getByRole('heading', { name: w('analytics.title'), level: 1 })).toBeVisible();
		await expect(
			phone
				.getByRole('region', { name: w('analytics.funnel') })
				.locator('canvas, table')
				.first()
		).toBeVisible();
		await shot(phone, 'manager-phone');
	});
});
