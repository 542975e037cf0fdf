import { defineConfig, devices } from '@playwright/test';

// Debian's Chromium (browsers cannot be downloaded here); the flags keep it off the closed network.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
	testDir: 'tests/e2e',
	timeout: 60_000,
	expect: { timeout: 10_000 },
	fullyParallel: false,
	workers: 1,
	retries: 0,
	reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
	use: {
		...devices['Desktop Chrome'],
		locale: 'zh-CN',
		launchOptions: { executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS },
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure'
	}
});
