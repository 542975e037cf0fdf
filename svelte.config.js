import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	kit: {
		// SPA: PocketBase serves build/ and falls back to index.html for client routes.
		adapter: adapter({ fallback: 'index.html', strict: false }),
		serviceWorker: { register: false }
	}
};
