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
