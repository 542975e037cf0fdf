// Event ingestion throughput (docs/api/ingestion.md), both measured in the same run on one server:
//   ingest.events_per_s          batches of 500 through POST /api/crm/events (events + every rollup,
//                                durable commit: synchronous=FULL), 6 batches in flight, over a year
//                                of the demo shop (1M events; its first weeks, when most of the 20,000
//                                customers register, run slower: BENCH_INGEST_EVENTS=200000 shows them)
//   ingest.baseline_rest_per_s   the same kind of events, one by one through PocketBase's standard
//                                record-create API (raw events only, no rollups), 50 connections
//   ingest.batch_to_rest_ratio   the first over the second (target ≥ 10)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { SERVER_BIN, seedStaff, startServer } from '../tests/fixtures/pocketbase';
import { sendShopEvents, shopEventBatches, type ShopApiEvent } from '../tests/fixtures/shop-events';

const EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 1_000_000);
const REST_EVENTS = Number(process.env.BENCH_INGEST_REST_EVENTS ?? 5_000);

export async function run() {
	const server = await startServer();
	try {
		const { staff } = await seedStaff(server.url);
		const auth = await (
			await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ identity: staff.owner.email, password: staff.owner.password })
			})
		).json();
		const created = await (
			await fetch(`${server.url}/api/crm/shop-sources`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', authorization: auth.token },
				body: JSON.stringify({ name: 'bench', kind: 'server', rate_limit: 10_000_000 })
			})
		).json();

		// The batches are generated before the clock starts (a realistic shop: 20k customers, a year).
		const batches = [...shopEventBatches({ customers: 20_000, events: EVENTS, seed: 11 })];
		const total = batches.reduce((s, b) => s + b.length, 0);
		const t0 = performance.now();
		const sent = await sendShopEvents(batches, { url: server.url, key: created.key, concurrency: 6 });
		const seconds = (performance.now() - t0) / 1000;
		if (sent.rejected) throw new Error(`the bench batches had refusals: ${JSON.stringify(sent.rejections)}`);
		const batchRate = Math.round(sent.accepted / seconds);
		console.log(`batched: ${sent.accepted} of ${total} events in ${seconds.toFixed(1)} s = ${batchRate}/s (${sent.retries} retries)`);
		// CRM_PROFILE=1: the server's group-commit log (groups and their times) for a look afterwards.
		if (process.env.CRM_PROFILE) writeFileSync('.bench/ingest-server.log', server.log());

		// Baseline: the same shape of events through the records API, one request per event.
		execFileSync(SERVER_BIN, ['superuser', 'upsert', 'bench@example.test', 'bench-password-1', '--dir', server.dataDir]);
		const su = await (
			await fetch(`${server.url}/api/collections/_superusers/auth-with-password`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ identity: 'bench@example.test', password: 'bench-password-1' })
			})
		).json();
		const sample: ShopApiEvent[] = batches.flat().slice(0, REST_EVENTS);
		let next = 0;
		let failed = 0;
		const worker = async () => {
			while (next < sample.length) {
				const e = sample[next++];
				const res = await fetch(`${server.url}/api/collections/events/records`, {
					method: 'POST',
					headers: { 'content-type': 'application/json', authorization: su.token },
					body: JSON.stringify({
						source: 'rest-baseline',
						event_id: `rest-${e.id}`,
						type: e.type,
						ts: e.time,
						day: new Date(e.time + 8 * 3600_000).toISOString().slice(0, 10),
						anon_id: e.anonymous_id ?? '',
						customer_ext: e.customer_id ?? '',
						product_id: e.product_id ?? '',
						sku: e.sku ?? '',
						category: e.category ?? '',
						price: e.price ?? 0,
						quantity: e.quantity ?? 1,
						order_id: e.order_id ?? '',
						total: e.total ?? 0,
						items: e.items ?? null
					})
				});
				if (!res.ok) failed++;
				await res.arrayBuffer();
			}
		};
		const t1 = performance.now();
		await Promise.all(Array.from({ length: 50 }, worker));
		const restSeconds = (performance.now() - t1) / 1000;
		if (failed) throw new Error(`${failed} record-create requests failed`);
		const restRate = Math.round(sample.length / restSeconds);
		console.log(`one by one (records API, 50 connections): ${sample.length} events in ${restSeconds.toFixed(1)} s = ${restRate}/s`);
		return {
			'ingest.events_per_s': { value: batchRate, unit: 'ev/s', target: 20_000, lowerIsBetter: false },
			'ingest.baseline_rest_per_s': { value: restRate, unit: 'ev/s', target: null },
			'ingest.batch_to_rest_ratio': { value: Math.round((batchRate / restRate) * 10) / 10, unit: 'x', target: 10, lowerIsBetter: false }
		};
	} finally {
		await server.stop();
	}
}
