// The server's own checks: gofmt (nothing left unformatted), go vet, and the Go tests beside each file
// (PocketBase's tests.ApiScenario for routes). Run by `npm test`.
import { execFileSync } from 'node:child_process';
import { GO_ENV } from './paths.mjs';

const env = GO_ENV; // the same build settings as the server, so the compiled SQLite is shared
const go = (args) => execFileSync('go', args, { cwd: 'server', stdio: ['ignore', 'pipe', 'inherit'], env }).toString();

const unformatted = execFileSync('gofmt', ['-l', '.'], { cwd: 'server', env }).toString().trim();
if (unformatted) {
	console.error(`gofmt: these files need formatting (run gofmt -w in server/):\n${unformatted}`);
	process.exit(1);
}
go(['vet', '-tags', 'no_default_driver', '.']);
process.stdout.write(go(['test', '-tags', 'no_default_driver', '-count=1', '.']));
