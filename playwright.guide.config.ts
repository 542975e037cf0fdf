import { defineConfig, devices } from '@playwright/test';
import { CHROMIUM_ARGS } from './playwright.config';

// `npm run guide` (scripts/guide.mjs): the user guide's tasks, role by role, in Chinese and in
// English, against one server filled by the demo; each run writes the pictures the guide shows
// (docs/guide/img/<locale>/). The steps are the guide's steps: a task that no longer works fails here.
export default defineConfig({
	testDir: 'tests/guide',
	timeout: 120_000,
	expect: { timeout: 15_000 },
	fullyParallel: false,
	workers: 1,
	retries: 0,
	globalSetup: './tests/guide/setup.ts',
	reporter: [['list']],
	use: {
		...devices['Desktop Chrome'],
		launchOptions: { executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS },
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure'
	},
	projects: [
		{ name: 'zh-CN', use: { locale: 'zh-CN' } },
		{ name: 'en', use: { locale: 'en-US' } }
	]
});
