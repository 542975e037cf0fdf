import { cpSync, appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, newBrowserContext, waitForServiceWorker } from './fixtures';
import { startServer } from '../fixtures/pocketbase';

test('an open app offers the new version when one is deployed, and updates on request', async ({ browser }) => {
	// Serve a copy of the build, so "deploying" can change its service worker.
	const publicDir = mkdtempSync(join(tmpdir(), 'crm-build-'));
	cpSync('build', publicDir, { recursive: true });
	const server = await startServer({ publicDir });
	try {
		const context = await newBrowserContext(browser, server.url, { locale: 'en-US' });
		const page = await context.newPage();
		await page.goto('/');
		// A fresh install asks for the owner, in the browser's language.
		await expect(page.getByRole('heading', { name: 'Welcome! Create the owner account' })).toBeVisible();
		await waitForServiceWorker(page);
		await expect(page.getByRole('alertdialog')).toHaveCount(0);

		appendFileSync(join(publicDir, 'sw.js'), '\n// deployed again\n');
		await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
		const prompt = page.getByRole('alertdialog');
		await expect(prompt).toContainText('A new version is available.');
		await page.evaluate(() => ((window as unknown as { beforeUpdate: boolean }).beforeUpdate = true));
		await Promise.all([page.waitForEvent('load'), prompt.getByRole('button', { name: 'Update now' }).click()]);
		// The page reloaded under the new service worker.
		expect(await page.evaluate(() => (window as unknown as { beforeUpdate?: boolean }).beforeUpdate)).toBeUndefined();
		await expect(page.getByRole('heading', { name: 'Welcome! Create the owner account' })).toBeVisible();
		await expect(page.getByRole('alertdialog')).toHaveCount(0);
		await context.close();
	} finally {
		await server.stop();
		rmSync(publicDir, { recursive: true, force: true });
	}
});
