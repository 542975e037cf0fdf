// npm run bench -- [group...]: runs the named benchmark groups (all without names), prints a table
// and merges the figures into bench/results.json as {"metric": {"value", "unit", "target"}}.
import { build } from 'esbuild';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const GROUPS = {
	sync: 'bench/sync.bench.ts',
	shell: 'bench/shell.bench.ts',
	customers: 'bench/customers.bench.ts',
	ingest: 'bench/ingest.bench.ts',
	stats: 'bench/stats.bench.ts',
	chat: 'bench/chat.bench.ts',
	soak: 'bench/soak.bench.ts',
	campaigns: 'bench/campaigns.bench.ts',
	backup: 'bench/backup.bench.ts',
	history: 'bench/history.bench.ts'
};
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((g) => !(g in GROUPS));
if (unknown.length) {
	console.error(`Unknown benchmark group(s): ${unknown.join(', ')}. Known: ${Object.keys(GROUPS).join(', ')}`);
	process.exit(2);
}
const groups = wanted.length ? wanted : Object.keys(GROUPS);

execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
mkdirSync('.bench', { recursive: true });
const resultsPath = 'bench/results.json';
const results = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : {};

for (const group of groups) {
	const outfile = `.bench/${group}.mjs`;
	// Bench sources are TypeScript sharing the test fixtures: bundle them for Node.
	await build({ entryPoints: [GROUPS[group]], outfile, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'warning', target: 'node20' });
	const mod = await import(`${process.cwd()}/${outfile}`);
	console.log(`\n== ${group} ==`);
	const figures = await mod.run();
	for (const [k, v] of Object.entries(figures)) results[k] = { ...v, measured_at: new Date().toISOString() };
}

writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
console.log('\nmetric'.padEnd(36) + 'value'.padStart(12) + '  unit'.padEnd(10) + 'target'.padStart(10) + '  met');
for (const [k, v] of Object.entries(results)) {
	const met = v.target == null ? '' : (v.lowerIsBetter === false ? v.value >= v.target : v.value <= v.target) ? 'yes' : 'NO';
	console.log(k.padEnd(35) + String(v.value).padStart(12) + `  ${v.unit}`.padEnd(10) + String(v.target ?? '').padStart(10) + `  ${met}`);
}
