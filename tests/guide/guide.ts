// What the guide's tasks share: the run's language and the app's words in it, signing in as a demo
// account at the role's screen size, and the pictures (docs/guide/img/<locale>/<name>.png, listed in
// docs/guide/img/<locale>/made.json so the build can tell they came from this run).
import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { words, type GuideLocale } from './words';

export const PHONE = { width: 360, height: 740 };
export const TABLET = { width: 768, height: 1024 };
export const DESKTOP = { width: 1280, height: 860 };

export const ACCOUNTS = {
	sales: { email: 'sales1@demo.test', password: 'demo-sales-password' },
	agent: { email: 'agent@demo.test', password: 'demo-agent-password' },
	manager: { email: 'manager@demo.test', password: 'demo-manager-password' },
	admin: { email: 'owner@demo.test', password: 'demo-owner-password' }
} as const;

export interface Guide {
	locale: GuideLocale;
	/** The app's words in this run's language. */
	w: ReturnType<typeof words>;
	/** Signs in as a demo account at a screen size; returns its page. */
	as: (role: keyof typeof ACCOUNTS, viewport: { width: number; height: number }, opts?: { keepTour?: boolean }) => Promise<Page>;
	/** Saves a picture of the page for the guide. */
	shot: (page: Page, name: string) => Promise<void>;
}

export const IMG = 'docs/guide/img';

export const test = base.extend<{ guide: Guide }>({
	guide: async ({ browser }, use, info) => {
		const locale: GuideLocale = info.project.name === 'en' ? 'en' : 'zh-CN';
		const w = words(locale);
		const url = process.env.GUIDE_URL;
		if (!url) throw new Error('GUIDE_URL is not set: run the guide with `npm run guide`');
		const contexts: import('@playwright/test').BrowserContext[] = [];
		const dir = join(IMG, locale);
		mkdirSync(dir, { recursive: true });
		const guide: Guide = {
			locale,
			w,
			async as(role, viewport, opts = {}) {
				const context = await browser.newContext({ baseURL: url, viewport, locale: locale === 'en' ? 'en-US' : 'zh-CN', timezoneId: 'Asia/Shanghai' });
				contexts.push(context);
				const page = await context.newPage();
				await page.goto('/login');
				await page.getByLabel(w('auth.email')).fill(ACCOUNTS[role].email);
				await page.getByLabel(w('auth.password')).fill(ACCOUNTS[role].password);
				await page.getByRole('button', { name: w('auth.sign_in'), exact: true }).click();
				await expect(page).not.toHaveURL(/\/login$/);
				// The first-login tour (its own step in the guide's quick start): skipped here.
				if (!opts.keepTour) {
					const skip = page.getByRole('button', { name: w('tour.skip') });
					await skip.click({ timeout: 10_000 });
				}
				return page;
			},
			async shot(page, name) {
				await page.waitForLoadState('networkidle').catch(() => undefined);
				// No toast or caret in a picture.
				await page.addStyleTag({ content: '[data-testid="offline-ready"]{display:none!important} *{caret-color:transparent!important}' });
				await page.screenshot({ path: join(dir, `${name}.png`) });
				const made = join(dir, 'made.json');
				const list: string[] = existsSync(made) ? JSON.parse(readFileSync(made, 'utf8')) : [];
				if (!list.includes(name)) list.push(name);
				writeFileSync(made, JSON.stringify(list.sort(), null, '\t') + '\n');
			}
		};
		await use(guide);
		for (const c of contexts) await c.close();
	}
});

export { expect };
