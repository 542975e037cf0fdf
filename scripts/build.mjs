// Builds everything the server runs: the shared hook bundle, the PWA (build/) and the server binary.
// `--if-stale` skips the PWA build when build/ is newer than its sources (npm start).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { buildShared } from './build-shared.mjs';
import { buildServer } from './build-server.mjs';
import { buildMailpit } from './build-mailpit.mjs';
import { isStale } from './paths.mjs';
import { minifyShopScripts } from './minify-shop-scripts.mjs';

const ifStale = process.argv.includes('--if-stale');
await buildShared();
const webInputs = ['src', 'static', 'vite.config.ts', 'svelte.config.js', 'package-lock.json'];
if (!ifStale || isStale('build/index.html', webInputs)) {
	console.log('Building the app (vite build)…');
	execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
	await minifyShopScripts();
}
// The user guide's pictures (made by `npm run guide`), served at /guide/img for the in-app help; not
// in the service worker's precache (kept once seen: vite.config.ts runtimeCaching).
if (existsSync('docs/guide/img') && existsSync('build')) cpSync('docs/guide/img', 'build/guide/img', { recursive: true, filter: (src) => !src.endsWith('.json') });
buildServer();
// The SMTP server of the e-mail tests (not needed to run the CRM).
if (!process.argv.includes('--no-mailpit')) buildMailpit();
