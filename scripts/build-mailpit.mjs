// Builds Mailpit (github.com/axllent/mailpit, pinned below), the real SMTP server the e-mail tests and
// benchmarks send to, into .bin/mailpit. Built from the Go module proxy like the CRM server; only when
// missing or when the pinned version changes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const MAILPIT_VERSION = 'v1.33.1';
export const MAILPIT_BIN = resolve('.bin/mailpit');
const STAMP = resolve('.bin/mailpit.version');

export function buildMailpit() {
	if (existsSync(MAILPIT_BIN) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === MAILPIT_VERSION) return false;
	mkdirSync('.bin', { recursive: true });
	console.log(`Building Mailpit ${MAILPIT_VERSION} for the e-mail tests (first time: a few minutes)…`);
	execFileSync('go', ['install', `github.com/axllent/mailpit@${MAILPIT_VERSION}`], {
		stdio: 'inherit',
		env: { ...process.env, GOBIN: resolve('.bin'), GOTOOLCHAIN: process.env.GOTOOLCHAIN === 'local' ? 'local' : 'auto', CGO_ENABLED: '0' }
	});
	writeFileSync(STAMP, MAILPIT_VERSION + '\n');
	return true;
}

if (import.meta.url === `file://${process.argv[1]}`) buildMailpit();
