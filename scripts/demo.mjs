// npm run demo -- [--url http://127.0.0.1:8090] [--customers 20000] [--events 1000000] [--seed 2026] [--concurrency 4]
//                 [--chats 40] [--email owner@demo.test --password demo-owner-password] [--again]
// (or the environment: DEMO_URL, DEMO_CUSTOMERS, DEMO_EVENTS, DEMO_SEED, DEMO_CHATS, DEMO_EMAIL, DEMO_PASSWORD; PORT for the default URL)
// Fills a running CRM with a demo shop through its APIs, never by writing the database: staff of every role
// (admin API), then a year of an invented shop's behaviour through the event ingestion API
// (docs/api/ingestion.md) with a server shop key: customers who register with Chinese names, phones,
// emails and addresses, browsing, searches, carts, checkouts, purchases and refunds. The data is the
// same for a seed; times are relative to now. The server key is kept in .bench/demo-keys.json, so a
// second run against the same server (say after an interruption) sends the same event ids with the same
// key and the server keeps each once. Then live chat of today (scripts/demo-chats.mjs): conversations,
// replies, cases and ratings through the chat APIs. Then campaigns (scripts/demo-campaigns.mjs), then each sales
// rep's book of customers with visits and follow-ups (scripts/demo-book.mjs).
import { build } from 'esbuild';
import { demoChats } from './demo-chats.mjs';
import { demoCampaigns } from './demo-campaigns.mjs';
import { demoBook } from './demo-book.mjs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const arg = (name, env, fallback) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? process.argv[i + 1] : (process.env[env] ?? fallback);
};
const url = arg('url', 'DEMO_URL', `http://127.0.0.1:${process.env.PORT || 8090}`).replace(/\/$/, '');
const customers = Number(arg('customers', 'DEMO_CUSTOMERS', 20000));
const events = Number(arg('events', 'DEMO_EVENTS', 1000000));
const seed = Number(arg('seed', 'DEMO_SEED', 2026));
const concurrency = Number(arg('concurrency', 'DEMO_CONCURRENCY', 4));
const chats = Number(arg('chats', 'DEMO_CHATS', 40));
const OWNER = { email: arg('email', 'DEMO_EMAIL', 'owner@demo.test'), password: arg('password', 'DEMO_PASSWORD', 'demo-owner-password'), name: '演示店主' };
const STAFF = [
	['manager@demo.test', 'manager', '王经理'],
	['sales1@demo.test', 'sales', '李晓明'],
	['sales2@demo.test', 'sales', '张丽'],
	['sales3@demo.test', 'sales', '陈刚'],
	['agent@demo.test', 'agent', '赵客服', '售前组'],
	['agent2@demo.test', 'agent', '钱客服', '售后组']
];
for (const [name, v] of Object.entries({ customers, events, seed, concurrency, chats })) {
	if (!Number.isInteger(v) || v < (name === 'seed' || name === 'chats' ? 0 : 1)) {
		console.error(`--${name} must be a whole number (got ${v})`);
		process.exit(2);
	}
}

mkdirSync('.bench', { recursive: true });
await build({ entryPoints: ['tests/fixtures/shop-events.ts'], outfile: '.bench/shop-events.mjs', bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
const { shopEventBatches, sendShopEvents } = await import(`${process.cwd()}/.bench/shop-events.mjs`);

async function call(path, body, token) {
	const res = await fetch(url + path, {
		method: body ? 'POST' : 'GET',
		headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
		body: body ? JSON.stringify(body) : undefined
	});
	const json = await res.json().catch(() => ({}));
	if (!res.ok) throw new Error(`${path}: ${res.status} ${json.message ?? ''} ${JSON.stringify(json.data ?? json.field ?? {})}`);
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

// Staff of every role (kept from earlier runs). Logins are not filterable (PocketBase keeps hidden
// e-mails out of filters), but an admin reads them: look through the list.
const existing = new Set((await call('/api/collections/staff/records?perPage=500&fields=email', null, token)).items.map((s) => s.email));
for (const [email, role, name, team = ''] of STAFF) {
	const password = `demo-${role}-password`;
	if (!existing.has(email)) await call('/api/collections/staff/records', { email, password, passwordConfirm: password, name, role, team }, token);
	console.log(`${role.padEnd(8)} ${email}  password: ${password}`);
}

// Shop keys: the back end's (server: may send purchases and refunds) and the storefront's (browser).
// A key is shown once. Events are kept once per key, so the server key is remembered here and reused
// while its shop source is live; the storefront gets a new browser key each run (the old one revoked).
const SERVER_KEY_NAME = '演示商城 · 后端 (demo)';
const BROWSER_KEY_NAME = '演示商城 · 网页 (demo)';
const KEY_FILE = '.bench/demo-keys.json';
const sources = await call('/api/crm/shop-sources', null, token).catch((e) => {
	console.error(`The shop connection API is missing (${e.message}); is this CRM up to date?`);
	process.exit(1);
});
const savedKeys = existsSync(KEY_FILE) ? JSON.parse(readFileSync(KEY_FILE, 'utf8')) : {};
const liveServer = sources.items.find((s) => s.name === SERVER_KEY_NAME && !s.revoked);
let serverKey = liveServer && savedKeys[url]?.startsWith(liveServer.prefix) ? savedKeys[url] : null;
if (!serverKey && liveServer && !process.argv.includes('--again')) {
	console.error(
		`This CRM has the demo shop's key (${liveServer.prefix}…) but its secret is not in ${KEY_FILE} here, so the events cannot be ` +
			`resent as the same shop. Use an empty data directory, or pass --again to add them once more as a second shop.`
	);
	process.exit(1);
}
if (!serverKey) {
	if (liveServer) await call(`/api/crm/shop-sources/${liveServer.id}/revoke`, {}, token);
	serverKey = (await call('/api/crm/shop-sources', { name: SERVER_KEY_NAME, kind: 'server', rate_limit: 10_000_000 }, token)).key;
	writeFileSync(KEY_FILE, JSON.stringify({ ...savedKeys, [url]: serverKey }, null, 2) + '\n', { mode: 0o600 });
}
for (const s of sources.items) if (s.name === BROWSER_KEY_NAME && !s.revoked) await call(`/api/crm/shop-sources/${s.id}/revoke`, {}, token);
const browserKey = (await call('/api/crm/shop-sources', { name: BROWSER_KEY_NAME, kind: 'browser' }, token)).key;

// A year of the shop, streamed: one shop day at a time is generated, `concurrency` batches of 500 in flight.
const started = Date.now();
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const time = (s) =>
	s >= 3600
		? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
		: s >= 60
			? `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`
			: `${Math.floor(s)}s`;
const tty = process.stderr.isTTY;
let lastDraw = 0;
function progress(done, final = false) {
	const now = Date.now();
	if (!final && now - lastDraw < (tty ? 200 : 10_000)) return;
	lastDraw = now;
	const elapsed = (now - started) / 1000;
	const rate = done.events / Math.max(elapsed, 0.001);
	const share = Math.min(1, done.events / events);
	const width = 30;
	const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
	const eta = final ? `took ${time(elapsed)}` : `ETA ${rate > 0 ? time((events - done.events) / rate) : '?'}`;
	const line = `events [${bar}] ${(share * 100).toFixed(1).padStart(5)}%  ${fmt(done.events)}/${fmt(events)}  ${fmt(rate)} ev/s  ${eta}`;
	process.stderr.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
}

const tally = {};
const result = await sendShopEvents(shopEventBatches({ customers, events, seed }, tally), {
	url,
	key: serverKey,
	concurrency,
	onBatch: (done) => progress(done)
}).catch((e) => {
	process.stderr.write('\n');
	console.error(`Sending events failed: ${e.message}`);
	process.exit(1);
});
progress(result, true);
const seconds = (Date.now() - started) / 1000;
console.log(
	`${fmt(result.accepted)} events accepted, ${fmt(result.duplicates)} already there (an earlier run), ${fmt(result.rejected)} rejected` +
		` in ${time(seconds)} (${fmt(result.events / seconds)} events/s; ${result.retries} retries).`
);
if (result.rejections.length) console.log('First rejections:', result.rejections);
console.log(
	`The shop: ${fmt(tally.identified)} customers registered, ${fmt(tally.orders)} orders (${fmt(tally.buyers)} buyers, ` +
		`${fmt(tally.repeatBuyers)} bought again), revenue ¥${fmt(tally.revenue)}, ${fmt(tally.refunds)} refunds (¥${fmt(tally.refunded)}).`
);

// RFM scores and named segments now rather than at the server's next 10-minute refresh.
const rfm = await call('/api/crm/stats/rfm/refresh', {}, token).catch((e) => ({ error: e.message }));
console.log(rfm.error ? `RFM refresh failed: ${rfm.error}` : `RFM scores refreshed (${fmt(rfm.changed ?? 0)} customers changed).`);
// Predicted value (BG/NBD and Gamma-Gamma), as the nightly fit would compute it.
const clv = await call('/api/crm/clv/fit', {}, token).catch((e) => ({ error: e.message }));
console.log(
	clv.error
		? `Predicted value not computed: ${clv.error}`
		: `Predicted value: ${clv.status} on ${fmt(clv.customers ?? 0)} buyers (${fmt(clv.repeat_buyers ?? 0)} bought again), ${fmt(clv.totals?.churn_risk ?? 0)} at risk.`
);

// Live chat: conversations, replies, cases and ratings of today (the service metrics and the inbox).
if (chats > 0) {
	const agents = STAFF.filter(([, role]) => role === 'agent').map(([email, role]) => ({ email, password: `demo-${role}-password` }));
	const chatTally = await demoChats({ url, count: chats, seed, agents, manager: { email: 'manager@demo.test', password: 'demo-manager-password' } }).catch((e) => ({ error: e.message }));
	console.log(
		chatTally.error
			? `Demo chats failed: ${chatTally.error}`
			: `Live chat: ${chatTally.conversations} conversations (${chatTally.waiting} waiting in the queue, ${chatTally.resolved} resolved, ${chatTally.rated} rated), ${chatTally.cases} cases.`
	);
}

// Campaigns: consent, segments, a broadcast with coupons and a holdout, a call campaign for the sales
// reps, a triggered one, a draft; then what the shoppers did with them.
const campaignTally = await demoCampaigns({
	url,
	seed,
	ownerToken: token,
	serverKey,
	manager: { email: 'manager@demo.test', password: 'demo-manager-password' },
	sales: STAFF.filter(([, role]) => role === 'sales').map(([email, role]) => ({ email, password: `demo-${role}-password` }))
}).catch((e) => ({ error: e.message }));
console.log(
	campaignTally.error
		? `Demo campaigns failed: ${campaignTally.error}`
		: `Campaigns: ${campaignTally.campaigns} (${campaignTally.published} published); ${fmt(campaignTally.consented)} shoppers' marketing consent recorded, ${campaignTally.assigned} lapsing buyers assigned to sales reps; ` +
				`${fmt(campaignTally.impressions)} on-site messages seen, ${fmt(campaignTally.clicks)} clicked, ${fmt(campaignTally.couponOrders)} orders with the coupon, ${fmt(campaignTally.holdoutOrders)} orders in the holdout.`
);

// Each sales rep's book: customers with tags and categories, past visits, follow-ups due today.
const book = await demoBook({
	url,
	ownerToken: token,
	manager: { email: 'manager@demo.test', password: 'demo-manager-password' },
	sales: STAFF.filter(([, role]) => role === 'sales').map(([email, role]) => ({ email, password: `demo-${role}-password` }))
}).catch((e) => ({ error: e.message }));
console.log(
	book.error
		? `Sales reps' customers failed: ${book.error}`
		: `Sales reps: ${fmt(book.assigned)} customers handed to them, ${fmt(book.records)} visits and calls logged, ${fmt(book.due)} follow-ups due today or overdue.`
);

console.log(`\nSign in at ${url} as ${OWNER.email} / ${OWNER.password} or a staff account above.`);
const shopOn = (await fetch(`${url}/demo-shop/`).catch(() => null))?.ok;
console.log(
	`Demo shop (tracks into this CRM with a browser key): ${url}/demo-shop/?key=${browserKey}${shopOn ? '' : '\n  (off on this server: start it with CRM_DEMO_SHOP=on, e.g. CRM_DEMO_SHOP=on npm start)'}`
);
console.log(`Server key of the demo shop's back end (keep it secret; also in ${KEY_FILE}): ${serverKey}`);
