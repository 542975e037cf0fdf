// The administrator's guide (docs/guide/<locale>/admin.md): add a colleague with a role, make the
// shop's keys, read the backup status and the audit log, answer a person's data request.
import { test, expect, DESKTOP } from './guide';

test('administrator: staff, shop keys, backups, audit log, a person’s data', async ({ guide }) => {
	const { w, shot } = guide;
	const page = await guide.as('admin', DESKTOP);
	const nav = page.getByRole('navigation', { name: w('nav.main') });
	const stamp = Date.now().toString(36).slice(-4);

	await test.step('add a colleague and give them a role', async () => {
		await nav.getByRole('link', { name: w('nav.staff'), exact: true }).click();
		await expect(page.getByRole('heading', { name: w('staff.title'), level: 1 })).toBeVisible();
		const name = guide.locale === 'en' ? `Sun Wei ${stamp}` : `孙伟${stamp}`;
		await page.getByLabel(w('field.name'), { exact: true }).fill(name);
		await page.getByLabel(w('auth.email'), { exact: true }).fill(`sun.${stamp}.${guide.locale}@demo.test`);
		await page.getByLabel(w('auth.password'), { exact: true }).fill('guide-sales-password');
		await page.getByLabel(w('staff.role'), { exact: true }).selectOption({ label: w('role.sales') });
		await page.getByRole('button', { name: w('staff.add'), exact: true }).click();
		await expect(page.getByRole('status')).toHaveText(w('staff.created', { name }));
		await shot(page, 'admin-staff');
	});

	await test.step('a colleague leaves: deactivate the account', async () => {
		const name = guide.locale === 'en' ? `Sun Wei ${stamp}` : `孙伟${stamp}`;
		await page
			.getByRole('list', { name: w('staff.title') })
			.getByText(name)
			.click();
		page.once('dialog', (d) => void d.accept());
		await page.getByRole('button', { name: w('staff.deactivate'), exact: true }).click();
		await expect(
			page
				.getByRole('list', { name: w('staff.title') })
				.getByRole('listitem')
				.filter({ hasText: name })
		).toContainText(w('staff.deactivated'));
	});

	await test.step('shop connection: a key for the shop’s back end', async () => {
		await nav.getByRole('link', { name: w('nav.settings'), exact: true }).click();
		const shop = page.getByRole('region', { name: w('shop.title') });
		await shop.getByLabel(w('shop.name'), { exact: true }).fill(guide.locale === 'en' ? `Shop back end ${stamp}` : `商城后台 ${stamp}`);
		await shop.getByRole('button', { name: w('shop.create'), exact: true }).click();
		await expect(shop.getByText(w('shop.created', { name: guide.locale === 'en' ? `Shop back end ${stamp}` : `商城后台 ${stamp}` }))).toBeVisible();
		await shop.getByText(w('shop.created', { name: guide.locale === 'en' ? `Shop back end ${stamp}` : `商城后台 ${stamp}` })).scrollIntoViewIfNeeded();
		await page.evaluate(() => window.scrollBy(0, -90));
		await shot(page, 'admin-keys');
		await shop.getByRole('button', { name: w('shop.done'), exact: true }).click();
	});

	await test.step('backups: continuous, and the last copy', async () => {
		const backup = page.getByRole('region', { name: w('backup.title') });
		await backup.scrollIntoViewIfNeeded();
		await expect(backup).toBeVisible();
		await shot(page, 'admin-backup');
	});

	await test.step('the audit log', async () => {
		await page.getByRole('link', { name: w('settings.audit') }).click();
		await expect(page.getByRole('heading', { name: w('audit.title'), level: 1 })).toBeVisible();
		await shot(page, 'admin-audit');
	});

	await test.step('a person asks for their data', async () => {
		await nav.getByRole('link', { name: w('nav.customers'), exact: true }).click();
		await page
			.getByRole('list', { name: w('customers.title') })
			.getByRole('link')
			.first()
			.click();
		const rights = page.getByRole('region', { name: w('rights.title') });
		await rights.scrollIntoViewIfNeeded();
		await shot(page, 'admin-rights');
		const download = page.waitForEvent('download');
		await rights.getByRole('button', { name: w('rights.export_json') }).click();
		expect((await download).suggestedFilename()).toMatch(/\.json$/);
	});
});
