import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

export default defineConfig({
	plugins: [
		sveltekit(),
		SvelteKitPWA({
			registerType: 'prompt',
			strategies: 'generateSW',
			manifest: {
				name: '电商 CRM · E-commerce CRM',
				short_name: 'CRM',
				description: 'Customers, service and marketing for your shop, online or offline',
				lang: 'zh-CN',
				start_url: '/',
				scope: '/',
				display: 'standalone',
				orientation: 'any',
				background_color: '#f8fafc',
				theme_color: '#0f766e',
				icons: [
					{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
					{ src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
					{ src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
					{ src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml' }
				]
			},
			workbox: {
				globPatterns: ['client/**/*.{js,css,html,svg,png,webmanifest}'],
				navigateFallback: '/index.html',
				// API, admin UI and the shop's scripts never come from the app-shell cache.
				navigateFallbackDenylist: [/^\/api\//, /^\/_\//, /^\/demo-shop\//, /^\/tracker\.js/],
				cleanupOutdatedCaches: true,
				// The first install takes control at once so the shell works offline after one visit; updates still wait for the prompt.
				clientsClaim: true,
				// Web Push: the push and notificationclick handlers (static/push-sw.js).
				importScripts: ['push-sw.js'],
				// The user guide's pictures (copied into build/guide/img after the build, so not precached:
				// a phone need not download every picture on install): kept once seen, refreshed when online.
				runtimeCaching: [{ urlPattern: /\/guide\/img\//, handler: 'StaleWhileRevalidate', options: { cacheName: 'guide-img', expiration: { maxEntries: 300 } } }]
			},
			kit: { adapterFallback: 'index.html', spa: true }
		})
	],
	define: { __APP_VERSION__: JSON.stringify(pkg.version) },
	build: { target: 'es2022', chunkSizeWarningLimit: 1200 },
	test: {
		include: ['src/**/*.spec.ts', 'tests/hooks/**/*.spec.ts', 'tests/tracker/**/*.spec.ts'],
		environment: 'node',
		expect: { requireAssertions: true },
		testTimeout: 30000,
		hookTimeout: 60000,
		globalSetup: ['tests/hooks/global-setup.ts'],
		fileParallelism: false
	}
});
