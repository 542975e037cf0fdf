// Before `npm test`: the machine has what the tests drive (Chromium, for Playwright and the app's
// benchmarks; a C compiler and Go, for the server). Run as root on Debian or Ubuntu, it installs the
// missing system packages with apt-get itself (as .ci/run does); otherwise it says exactly what to
// install and stops, instead of failing deep inside Playwright or the Go build.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const missing = [];
if (!existsSync(chromium)) missing.push({ what: `Chromium (${chromium}; or set CHROMIUM_PATH)`, apt: ['chromium', 'fonts-noto-cjk'] });
if (!has('gcc')) missing.push({ what: 'a C compiler (the server links SQLite through cgo)', apt: ['gcc', 'libc6-dev'] });
if (!has('go')) missing.push({ what: 'Go 1.22 or newer (https://go.dev/dl/; GOTOOLCHAIN=auto fetches the version the server pins)', apt: [] });

if (missing.length) {
	const packages = missing.flatMap((m) => m.apt);
	const root = typeof process.getuid === 'function' && process.getuid() === 0;
	if (root && has('apt-get') && missing.every((m) => m.apt.length)) {
		console.log(`Installing ${packages.join(', ')} with apt-get…`);
		execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
		execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
		if (!existsSync(chromium)) {
			console.error(`Chromium is still not at ${chromium}: set CHROMIUM_PATH to where it is.`);
			process.exit(1);
		}
	} else {
		console.error('npm test needs:');
		for (const m of missing) console.error(`  - ${m.what}`);
		if (packages.length) console.error(`On Debian or Ubuntu: sudo apt-get install -y ${packages.join(' ')}`);
		process.exit(1);
	}
}
