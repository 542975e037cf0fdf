// npm run restore -- --to DIR [--at TIME] [--snapshot FILE] [--epoch E]
// Restores the CRM's database from its encrypted backup into a new data directory and checks it
// (server/restore.go); the live data directory is never touched. Uses the same settings as npm start:
// CRM_DATA_DIR (default ./pb_data), CRM_BACKUP_DIR, CRM_BACKUP_URL, CRM_BACKUP_KEY / CRM_BACKUP_KEY_FILE.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SERVER_BIN } from './paths.mjs';

const args = process.argv.slice(2);
if (!args.includes('--to') || args.includes('--help') || args.includes('-h')) {
	console.log(`Restore the CRM's database from its backup into a new directory, and check it.

  npm run restore -- --to DIR                  the latest replicated state
  npm run restore -- --to DIR --at TIME        the state at a moment (2026-12-07T08:30:00+08:00,
                                               or "2026-12-07 08:30:00" in this machine's time zone)
  npm run restore -- --to DIR --snapshot FILE  a daily snapshot (<backup dir>/snapshots/*.crmbk)

Then stop the server and start it on DIR (CRM_DATA_DIR=DIR npm start), or move DIR into the place of
the data directory. Devices notice the restore and upload again what the restored copy lacks.`);
	process.exit(args.includes('--to') ? 0 : 2);
}
if (!existsSync(SERVER_BIN)) {
	console.error('The server is not built yet: run npm start (or node scripts/build.mjs) once first.');
	process.exit(1);
}
const dataDir = process.env.CRM_DATA_DIR || './pb_data';
const res = spawnSync(SERVER_BIN, ['restore', '--dir', dataDir, ...args], { stdio: 'inherit' });
process.exit(res.status ?? 1);
