// The scripts shops put on their pages (tracker.js, chat.js) are shipped minified: every shopper's
// browser downloads them. The readable sources stay in static/; the build replaces its copies.
import { transform } from 'esbuild';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

export async function minifyShopScript(source) {
	// legalComments: the first /*! … */ banner (where the options are documented) stays.
	return (await transform(source, { minify: true, target: 'es2017', legalComments: 'inline' })).code;
}

export async function minifyShopScripts(dir = 'build') {
	for (const name of ['tracker.js', 'chat.js']) {
		const out = `${dir}/${name}`;
		if (existsSync(out)) writeFileSync(out, await minifyShopScript(readFileSync(`static/${name}`, 'utf8')));
	}
}

if (import.meta.url === `file://${process.argv[1]}`) await minifyShopScripts();
