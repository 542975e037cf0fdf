// Bundles src/lib/shared (validation, state equality) for PocketBase's JS hooks, so the device
// and the server run one module. Output: pb_hooks/lib/shared.js (CommonJS, generated, not committed).
import { build } from 'esbuild';

export async function buildShared() {
	await build({
		entryPoints: ['src/lib/shared/index.ts'],
		outfile: 'pb_hooks/lib/shared.js',
		bundle: true,
		format: 'cjs',
		platform: 'neutral',
		mainFields: ['module', 'main'],
		target: 'es2019',
		minify: false,
		legalComments: 'none',
		logLevel: 'warning',
		tsconfigRaw: { compilerOptions: { target: 'es2019' } }
	});
}

if (import.meta.url === `file://${process.argv[1]}`) await buildShared();
