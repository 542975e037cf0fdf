// npm start: from a fresh clone, install what is missing, build, apply migrations and serve on one port.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SERVER_BIN } from './paths.mjs';

if (!existsSync('node_modules/.package-lock.json')) {
	console.log('Installing npm packages…');
	execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale', '--no-mailpit'], { stdio: 'inherit' });

const host = process.env.HOST || '127.0.0.1';
const port = process.env.PORT || '8090';
const dataDir = process.env.CRM_DATA_DIR || './pb_data';
const args = ['serve', '--http', `${host}:${port}`, '--dir', dataDir, '--dev=false', '--hooksDir', 'pb_hooks', '--migrationsDir', 'pb_migrations', '--publicDir', 'build', ...process.argv.slice(2)];
if (process.env.CRM_ENCRYPTION_KEY_ENV) args.push('--encryptionEnv', process.env.CRM_ENCRYPTION_KEY_ENV);
console.log(`CRM on http://${host}:${port}  (data: ${dataDir})`);
const child = spawn(SERVER_BIN, args, { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
