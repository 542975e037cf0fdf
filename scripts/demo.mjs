// npm run demo -- [--url http://127.0.0.1:8090] [--customers 2000]
// Fills a running CRM with a demo shop through its API (never by writing the database): staff of every
// role and customers with Chinese names, phones and addresses. Shop events and chats come with their issues.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';

const arg = (name, fallback) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? process.argv[i + 1] : fallback;
};
const url = arg('url', `http://127.0.0.1:${process.env.PORT || 8090}`).replace(/\/$/, '');
const total = Number(arg('customers', 2000));
const OWNER = { email: arg('email', 'owner@demo.test'), password: arg('password', 'demo-owner-password'), name: '演示店主' };
const STAFF = [
	['manager@demo.test', 'manager', '王经理'],
	['sales1@demo.test', 'sales', '李晓明'],
	['sales2@demo.test', 'sales', '张丽'],
	['sales3@demo.test', 'sales', '陈刚'],
	['agent@demo.test', 'agent', '赵客服']
];

mkdirSync('.bench', { recursive: true });
await build({ entryPoints: ['tests/fixtures/demo-data.ts'], outfile: '.bench/demo-data.mjs', bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
const { demoCustomer, rng } = await import(`${process.cwd()}/.bench/demo-data.mjs`);

async function call(path, body, token) {
	const res = await fetch(url + path, {
		method: body ? 'POST' : 'GET',
		headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
		body: body ? JSON.stringify(body) : undefined
	});
	const json = await res.json().catch(() => ({}));
	if (!res.ok) throw new Error(`${path}: ${res.status} ${json.message ?? ''} ${JSON.stringify(json.data ?? {})}`);
	return json;
}

const setup = await call('/api/crm/setup').catch((e) => {
	console.error(`Cannot reach the CRM at ${url} (start it with npm start): ${e.message}`);
	process.exit(1);
});
if (setup.needsOwner) await call('/api/crm/setup', OWNER);
const { token } = await call('/api/collections/staff/auth-with-password', { identity: OWNER.email, password: OWNER.password }).catch(() => {
	console.error(`Sign-in as ${OWNER.email} failed: pass the owner's --email and --password.`);
	process.exit(1);
});

const reps = [];
for (const [email, role, name] of STAFF) {
	const password = `demo-${role}-password`;
	const found = await call(`/api/collections/staff/records?filter=${encodeURIComponent(`email="${email}"`)}`, null, token);
	const rec = found.items[0] ?? (await call('/api/collections/staff/records', { email, password, passwordConfirm: password, name, role, emailVisibility: true }, token));
	if (role === 'sales') reps.push(rec.id);
	console.log(`${role.padEnd(8)} ${email}  password: ${password}`);
}

const r = rng(2026);
const id15 = () => Array.from({ length: 15 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(r() * 36)]).join('');
let done = 0;
let refused = 0;
for (let i = 0; i < total; i += 200) {
	const rows = Array.from({ length: Math.min(200, total - i) }, (_, k) => ({
		doc: { id: id15(), ...demoCustomer(i + k, r, reps[(i + k) % reps.length]), external_id: `DEMO-${i + k}` },
		base: null
	}));
	const res = await call('/api/crm/sync/customers/push', { rows }, token);
	refused += res.rejected.length + res.conflicts.length;
	done += rows.length;
	const width = 30;
	const filled = Math.round((done / total) * width);
	process.stdout.write(`\rcustomers [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
}
process.stdout.write('\n');
if (refused) console.log(`${refused} customers existed already (a previous demo run) and were left as they were.`);
console.log(`Done. Sign in at ${url} as ${OWNER.email} / ${OWNER.password} or a staff account above.`);
