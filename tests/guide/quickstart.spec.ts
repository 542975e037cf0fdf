// The quick start (docs/guide/<locale>/quickstart.md): the first-login tour, the help behind "?" on
// every screen (also offline), and the global search.
import { test, expect, PHONE } from './guide';

test('quick start: the tour, the help on each screen (offline too), the search', async ({ guide }) => {
	const { w, shot } = guide;
	const page = await guide.as('sales', PHONE, { keepTour: true });

	await test.step('the first-login tour: four steps, or skip', async () => {
		const tour = page.getByRole('dialog', { name: w('tour.label') });
		await expect(tour).toContainText(w('tour.sales.1'));
		await shot(page, 'quickstart-tour');
		for (const n of [2, 3, 4]) {
			await tour.getByRole('button', { name: w('tour.next') }).click();
			await expect(tour).toContainText(w(`tour.sales.${n}`));
		}
		await tour.getByRole('button', { name: w('tour.done') }).click();
		await expect(tour).toHaveCount(0);
		await page.reload();
		await expect(page.getByRole('heading', { name: w('customers.title'), level: 1 })).toBeVisible();
		await expect(page.getByRole('dialog', { name: w('tour.label') })).toHaveCount(0);
	});

	await test.step('help for the screen you are on, also offline', async () => {
		await page
			.getByRole('navigation', { name: w('nav.main') })
			.getByRole('link', { name: w('nav.today'), exact: true })
			.click();
		await page.getByRole('link', { name: w('help.open') }).click();
		await expect(page).toHaveURL(/\/help\/sales#today$/);
		const guideText = page.getByTestId('guide');
		await expect(guideText.locator('#today')).toBeInViewport();
		await shot(page, 'quickstart-help');
		await page.evaluate(async () => {
			await navigator.serviceWorker.ready;
		});
		await page.context().setOffline(true);
		await page.reload();
		await expect(page.getByTestId('guide').locator('#today')).toBeVisible();
		await page.context().setOffline(false);
	});

	await test.step('search everything', async () => {
		await page.getByRole('button', { name: w('search.open') }).click();
		const dialog = page.getByRole('dialog', { name: w('search.open') });
		// Part of a phone number finds the rep's customers who have it.
		await dialog.getByRole('searchbox').fill('138');
		await expect(
			dialog
				.getByRole('region', { name: w('search.customers'), exact: true })
				.getByRole('link')
				.first()
		).toBeVisible();
		await shot(page, 'quickstart-search');
	});
});
