// Continuous backup (issue 14, server/backup.go), measured on real servers, one after the other:
//   backup.ingest_cost_ratio  the demo shop's year of events (BENCH_BACKUP_EVENTS, default 1M, 20,000
//                             customers) through POST /api/crm/events with the backup agent off, then
//                             on (fresh servers, the same batches): events/s on over off (target ≥ 0.9)
//   backup.rpo_s              with the backup on, a steady 2,000 events/s for BENCH_BACKUP_RPO_SECONDS
//                             (60): every 100 ms, how far the replica is behind (now minus the start of
//                             the agent's last completed cycle: every write committed before it is in
//                             the replica); p95 (target ≤ 1 s), max beside it
//   backup.restore_1m_s       `crm-server restore` of that database (the 1M events and 20,000 customers
//                             plus the RPO phase's events) from its encrypted replica into a new
//                             directory, checks included (target ≤ 60 s)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seedStaff, startServer, type RunningServer } from '../tests/fixtures/pocketbase';
import { sendShopEvents, shopEventBatches, type ShopApiEvent } from '../tests/fixtures/shop-events';
import { SERVER_BIN } from '../tests/fixtures/pocketbase';

const EVENTS = Number(process.env.BENCH_BACKUP_EVENTS ?? 1_000_000);
const RPO_SECONDS = Number(process.env.BENCH_BACKUP_RPO_SECONDS ?? 60);

async function serverKey(server: RunningServer): Promise<string> {
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
	return created.key;
}

async function ingest(server: RunningServer, key: string, batches: ShopApiEvent[][]): Promise<number> {
	const t0 = performance.now();
	const sent = await sendShopEvents(batches, { url: server.url, key, concurrency: 6 });
	const seconds = (performance.now() - t0) / 1000;
	if (sent.rejected) throw new Error(`the bench batches had refusals: ${JSON.stringify(sent.rejections)}`);
	return sent.accepted / seconds;
}

function status(server: RunningServer): { caught_up_at: string; updated_at: string; db_txid: number; replica_txid: number; last_error?: string } {
	return JSON.parse(readFileSync(join(server.dataDir, 'backup-status.json'), 'utf8'));
}

function percentile(xs: number[], p: number) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export async function run() {
	const batches = [...shopEventBatches({ customers: 20_000, events: EVENTS, seed: 11 })];
	const total = batches.reduce((s, b) => s + b.length, 0);

	const off = await startServer({ env: { CRM_BACKUP: 'off' } });
	let offRate: number;
	try {
		offRate = await ingest(off, await serverKey(off), batches);
		console.log(`backup off: ${total} events at ${Math.round(offRate)}/s`);
	} finally {
		await off.stop();
	}

	const on = await startServer();
	try {
		const key = await serverKey(on);
		// The replica's lag while ingestion runs flat out (the agent yields the CPU to the server).
		const busyLags: number[] = [];
		const busySampler = setInterval(() => {
			try {
				busyLags.push((Date.now() - Date.parse(status(on).caught_up_at)) / 1000);
			} catch {
				// being replaced
			}
		}, 100);
		const onRate = await ingest(on, key, batches);
		clearInterval(busySampler);
		console.log(
			`backup on:  ${total} events at ${Math.round(onRate)}/s (ratio ${(onRate / offRate).toFixed(3)}); replica lag meanwhile p50 ${percentile(busyLags, 50).toFixed(2)} s, p95 ${percentile(busyLags, 95).toFixed(2)} s, max ${Math.max(...busyLags).toFixed(2)} s`
		);

		// Steady 2,000 events/s: four batches of 500 every second, the replica's lag sampled every 100 ms.
		const steady = [...shopEventBatches({ customers: 20_000, events: RPO_SECONDS * 2_000 + 2_000, seed: 12 })].flat();
		const lags: number[] = [];
		let errors = 0;
		const sampler = setInterval(() => {
			try {
				const s = status(on);
				lags.push((Date.now() - Date.parse(s.caught_up_at)) / 1000);
				if (s.last_error) errors++;
			} catch {
				// the status file is being replaced: the next sample reads it
			}
		}, 100);
		const t0 = Date.now();
		let sentEvents = 0;
		for (let second = 0; second < RPO_SECONDS; second++) {
			const slice = steady.slice(second * 2_000, (second + 1) * 2_000).map((e) => ({ ...e, id: `rpo-${e.id}` }));
			const parts = [0, 1, 2, 3].map((i) => slice.slice(i * 500, (i + 1) * 500));
			for (const part of parts) {
				const res = await fetch(`${on.url}/api/crm/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(part) });
				if (res.status !== 200) throw new Error(`steady phase: ${res.status}`);
				await res.arrayBuffer();
				sentEvents += part.length;
				const due = t0 + second * 1000 + ((parts.indexOf(part) + 1) * 1000) / 4;
				if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
			}
		}
		clearInterval(sampler);
		const rateSteady = sentEvents / ((Date.now() - t0) / 1000);
		const p95 = percentile(lags, 95);
		console.log(
			`steady ${Math.round(rateSteady)} events/s for ${RPO_SECONDS} s: replica lag p50 ${percentile(lags, 50).toFixed(2)} s, p95 ${p95.toFixed(2)} s, max ${Math.max(...lags).toFixed(2)} s (${lags.length} samples, ${errors} with an error)`
		);

		// Restore what was replicated: wait for the agent to hold the newest transaction.
		const end = Date.now() + 30_000;
		while (Date.now() < end) {
			const s = status(on);
			if (s.replica_txid >= s.db_txid && Date.parse(s.caught_up_at) > Date.now() - 1000) break;
			await new Promise((r) => setTimeout(r, 200));
		}
		const to = join(on.dataDir, '..', 'restored');
		const r0 = performance.now();
		const out = execFileSync(SERVER_BIN, ['restore', '--dir', on.dataDir, '--to', to], { encoding: 'utf8' });
		const restoreSeconds = (performance.now() - r0) / 1000;
		const events = Number(/events\s+(\d+) rows/.exec(out)?.[1] ?? 0);
		const customers = Number(/customers\s+(\d+) rows/.exec(out)?.[1] ?? 0);
		console.log(`restore: ${events} events, ${customers} customers in ${restoreSeconds.toFixed(1)} s`);
		if (events < total) throw new Error(`the restored database holds ${events} events of ${total}`);
		return {
			'backup.ingest_cost_ratio': { value: Math.round((onRate / offRate) * 1000) / 1000, unit: 'x', target: 0.9, lowerIsBetter: false },
			'backup.ingest_on_per_s': { value: Math.round(onRate), unit: 'ev/s', target: null },
			'backup.ingest_off_per_s': { value: Math.round(offRate), unit: 'ev/s', target: null },
			'backup.rpo_s': { value: Math.round(p95 * 100) / 100, unit: 's', target: 1 },
			'backup.rpo_max_s': { value: Math.round(Math.max(...lags) * 100) / 100, unit: 's', target: null },
			'backup.lag_full_ingest_p95_s': { value: Math.round(percentile(busyLags, 95) * 100) / 100, unit: 's', target: null },
			'backup.restore_1m_s': { value: Math.round(restoreSeconds * 10) / 10, unit: 's', target: 60 }
		};
	} finally {
		await on.stop();
	}
}
