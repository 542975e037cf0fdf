import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const SERVER_BIN = '.bin/crm-server';

/** Newest modification time (ms) of the files under the given paths. */
export function newestMtime(paths) {
	let newest = 0;
	const walk = (p) => {
		if (!existsSync(p)) return;
		const s = statSync(p);
		if (s.isDirectory()) {
			for (const f of readdirSync(p)) if (f !== 'node_modules') walk(join(p, f));
		} else newest = Math.max(newest, s.mtimeMs);
	};
	paths.forEach(walk);
	return newest;
}

export function isStale(output, inputs) {
	return !existsSync(output) || statSync(output).mtimeMs < newestMtime(inputs);
}

// The environment the server is built and tested with. SQLite (compiled from C by mattn/go-sqlite3)
// without its memory statistics: they take one process-wide lock on every allocation, so many
// requests reading at once (500 shoppers' page views) queued on it; with it off, 64 concurrent reads
// ran about 4 times faster (SQLite's documentation recommends SQLITE_DEFAULT_MEMSTATUS=0).
export const GO_ENV = {
	...process.env,
	GOTOOLCHAIN: process.env.GOTOOLCHAIN === 'local' ? 'local' : 'auto',
	CGO_ENABLED: '1',
	CGO_CFLAGS: `${process.env.CGO_CFLAGS ?? '-O2 -g'} -DSQLITE_DEFAULT_MEMSTATUS=0`
};
