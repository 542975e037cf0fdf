// Builds the PocketBase server (server/main.go, PocketBase pinned in server/go.mod) into .bin/crm-server.
// PocketBase needs a newer Go than some machines have: GOTOOLCHAIN=auto lets Go fetch the pinned
// toolchain from the module proxy.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { GO_ENV, SERVER_BIN, isStale } from './paths.mjs';

// Every Go file of the server, and its module files.
const SOURCES = () => [
	'scripts/build-server.mjs',
	'scripts/paths.mjs',
	'server/go.mod',
	'server/go.sum',
	...readdirSync('server')
		.filter((f) => f.endsWith('.go'))
		.map((f) => `server/${f}`)
];

export function buildServer({ force = false } = {}) {
	if (!force && !isStale(SERVER_BIN, SOURCES())) return false;
	mkdirSync('.bin', { recursive: true });
	console.log('Building the PocketBase server (first time: a few minutes)…');
	execFileSync('go', ['build', '-trimpath', '-tags', 'no_default_driver', '-o', resolve(SERVER_BIN), '.'], {
		cwd: 'server',
		stdio: 'inherit',
		env: GO_ENV
	});
	return true;
}

if (import.meta.url === `file://${process.argv[1]}`) buildServer({ force: process.argv.includes('--force') });
