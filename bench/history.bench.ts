// A shop's order history on its first day (issue 15, item 1), on a server of its own:
//   history.events_per_s           1,000,000 historical orders (purchases, a tenth of them refunded
//                                  later) of 20,000 customers over the two years before last month,
//                                  through POST /api/crm/events?backfill=1 with a server key, batches
//                                  of 500, 6 in flight (target: at least live ingestion's 20,000/s)
//   history.app_import_orders_per_s  the app's file import path (POST /api/crm/orders/import: a dry
//                                  run of each request, then the import, 1,000 rows a request, one at
//                                  a time as the page sends them) for 100,000 further orders
// BENCH_HISTORY_ORDERS / BENCH_HISTORY_APP_ORDERS shrink them.
import { seedStaff, startServer, OWNER } from '../tests/fixtures/pocketbase';

const ORDERS = Number(process.env.BENCH_HISTORY_ORDERS ?? 1_000_000);
const APP_ORDERS = Number(process.env.BENCH_HISTORY_APP_ORDERS ?? 100_000);
const CUSTOMERS = 20_000;
const DAY = 86_400_000;

/** A small deterministic generator (the same history every run). */
function rng(seed: number) {
	let s = seed >>> 0;
	return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

function* historyBatches(orders: number, end: number): Generator<Record<string, unknown>[]> {
	const r = rng(2026);
	let batch: Record<string, unknown>[] = [];
	const flush = function* () {
		if (batch.length) yield batch;
		batch = [];
	};
	const span = 730 * DAY;
	for (let c = 0; c < CUSTOMERS; c++) {
		batch.push({ id: `h-id-${c}`, type: 'identify', time: end - span - DAY, customer_id: `H${c}`, traits: { name: `历史顾客${c}` } });
		if (batch.length === 500) yield* flush();
	}
	for (let i = 0; i < orders; i++) {
		const c = Math.floor(r() ** 2 * CUSTOMERS); // some customers buy far more often
		const time = end - span + Math.floor(r() * span);
		const total = Math.round((20 + r() * 480) * 100) / 100;
		batch.push({ id: `h-o-${i}`, type: 'purchase', time, customer_id: `H${c}`, order_id: `H-${i}`, total, items: [{ product_id: `P${i % 400}`, price: total, quantity: 1 }] });
		if (i % 10 === 0) batch.push({ id: `h-r-${i}`, type: 'refund', time: time + 3 * DAY, customer_id: `H${c}`, order_id: `H-${i}`, total: Math.round(total * 30) / 100 });
		if (batch.length >= 500) yield* flush();
	}
	yield* flush();
}

export async function run() {
	const server = await startServer();
	const figures: Record<string, { value: number; unit: string; target: number | null; lowerIsBetter?: boolean }> = {};
	try {
		const { staff } = await seedStaff(server.url);
		const post = async (path: string, body: unknown, auth?: string) => {
			const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify(body) });
			const json = await res.json();
			if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
			return json;
		};
		const owner = await post('/api/collections/staff/auth-with-password', { identity: OWNER.email, password: OWNER.password });
		const manager = await post('/api/collections/staff/auth-with-password', { identity: staff.manager.email, password: staff.manager.password });
		const key = (await post('/api/crm/shop-sources', { name: 'history', kind: 'server' }, owner.token)).key;
		const end = Date.now() - 30 * DAY;
		const batches = [...historyBatches(ORDERS, end)];
		const events = batches.reduce((s, b) => s + b.length, 0);
		let next = 0;
		let accepted = 0;
		let retries = 0;
		const worker = async () => {
			while (next < batches.length) {
				const body = JSON.stringify(batches[next++]);
				for (;;) {
					const res = await fetch(`${server.url}/api/crm/events?backfill=1`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
					const json = await res.json();
					if (res.status === 429) {
						retries++;
						await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
						continue;
					}
					if (!res.ok || json.rejected?.length) throw new Error(`backfill: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
					accepted += json.accepted;
					break;
				}
			}
		};
		const t0 = performance.now();
		await Promise.all(Array.from({ length: 6 }, worker));
		const seconds = (performance.now() - t0) / 1000;
		console.log(`history: ${accepted} of ${events} events (${ORDERS} orders) in ${seconds.toFixed(1)} s = ${Math.round(accepted / seconds)}/s (${retries} waits for the rate limit)`);
		figures['history.events_per_s'] = { value: Math.round(accepted / seconds), unit: 'ev/s', target: 20_000, lowerIsBetter: false };

		// The app's file import, as the page sends it.
		const r = rng(7);
		const rows = Array.from({ length: APP_ORDERS }, (_, i) => ({
			row: i + 2,
			order_id: `F-${i}`,
			customer_id: `F${Math.floor(r() * 5000)}`,
			name: '',
			time: end - Math.floor(r() * 600) * DAY,
			total: Math.round((20 + r() * 480) * 100) / 100,
			...(i % 10 === 0 ? { refunded: 5 } : {})
		}));
		const t1 = performance.now();
		for (let i = 0; i < rows.length; i += 1000) await post('/api/crm/orders/import', { rows: rows.slice(i, i + 1000), dry_run: true }, manager.token);
		const checked = (performance.now() - t1) / 1000;
		for (let i = 0; i < rows.length; i += 1000) await post('/api/crm/orders/import', { rows: rows.slice(i, i + 1000) }, manager.token);
		const appSeconds = (performance.now() - t1) / 1000;
		console.log(`app import: ${APP_ORDERS} orders checked in ${checked.toFixed(1)} s and imported in ${(appSeconds - checked).toFixed(1)} s = ${Math.round(APP_ORDERS / appSeconds)} orders/s in all`);
		figures['history.app_import_orders_per_s'] = { value: Math.round(APP_ORDERS / appSeconds), unit: 'orders/s', target: null, lowerIsBetter: false };
		return figures;
	} finally {
		await server.stop();
	}
}
