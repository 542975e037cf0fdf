// A graceful stop (issue 14): SIGTERM while event batches and customer pushes are under way. The
// server stops within 10 s (its backup agent with it), answers what it took in, refuses new requests
// with 503 and Retry-After rather than cutting them off, and after a restart every acknowledged write
// is there, once.
import { afterAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import PocketBase from 'pocketbase';
import { SERVER_BIN, processAlive, removeDataDir, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { id15 } from './helpers';

let server: RunningServer | undefined;
let dataDir = '';
afterAll(async () => {
	await server?.stop({ keepData: true });
	if (dataDir) removeDataDir(dataDir);
});

it('drains and stops within 10 s of SIGTERM without losing an acknowledged write', async () => {
	server = await startServer();
	dataDir = server.dataDir;
	const { staff } = await seedStaff(server.url);
	const owner = new PocketBase(server.url);
	await owner.collection('staff').authWithPassword(staff.owner.email, staff.owner.password);
	const manager = new PocketBase(server.url);
	manager.autoCancellation(false);
	await manager.collection('staff').authWithPassword(staff.manager.email, staff.manager.password);
	const key = (await owner.send('/api/crm/shop-sources', { method: 'POST', body: { name: 'sigterm', kind: 'server', rate_limit: 10_000_000 } })).key;
	const url = server.url;

	const ackedEvents = new Set<string>();
	const ackedCustomers = new Set<string>();
	const outcomes = { ok: 0, refused503: 0, noRetryAfter: 0, cut: 0, other: 0 };
	let stop = false;
	let n = 0;
	// Sends one request after another until stopped, counting how each ended; `send` says whether its
	// answer acknowledged the write (and keeps what was acknowledged).
	const client = (send: () => Promise<{ res: Response; acked: boolean }>) => async () => {
		while (!stop) {
			try {
				const { res, acked } = await send();
				if (acked) outcomes.ok++;
				else if (res.status === 503) {
					outcomes.refused503++;
					if (!res.headers.get('retry-after')) outcomes.noRetryAfter++;
				} else outcomes.other++;
			} catch {
				outcomes.cut++;
				await new Promise((r) => setTimeout(r, 50));
			}
		}
	};
	const events = client(async () => {
		const k = n++;
		const batch = Array.from({ length: 200 }, (_, i) => ({ id: `st-${k}-${i}`, type: 'page_view', time: Date.now() - i, anonymous_id: `st-anon-${i % 20}` }));
		const res = await fetch(`${url}/api/crm/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
		const body = await res.json().catch(() => null);
		const acked = res.status === 200 && body?.accepted === 200;
		if (acked) for (const e of batch) ackedEvents.add(e.id);
		return { res, acked };
	});
	const customers = client(async () => {
		const id = id15();
		const res = await fetch(`${url}/api/crm/sync/customers/push`, {
			method: 'POST',
			headers: { authorization: manager.authStore.token, 'content-type': 'application/json' },
			body: JSON.stringify({ rows: [{ doc: { id, name: `停机测试 ${id}`, owner: staff.sales.id }, base: null }] })
		});
		const body = await res.json().catch(() => null);
		const acked = res.status === 200 && body?.rejected?.length === 0 && body?.conflicts?.length === 0;
		if (acked) ackedCustomers.add(id);
		return { res, acked };
	});
	const clients = [events(), events(), events(), customers(), customers()];
	await new Promise((r) => setTimeout(r, 1500));

	const { pid: agentPid } = JSON.parse(readFileSync(join(dataDir, 'backup-status.json'), 'utf8'));
	const t0 = Date.now();
	const exited = new Promise<number>((ok) => server!.process.once('exit', () => ok(Date.now() - t0)));
	server.process.kill('SIGTERM');
	const took = await exited;
	stop = true;
	await Promise.all(clients);
	expect(took).toBeLessThan(10_000);
	expect(processAlive(agentPid)).toBe(false);
	expect(outcomes.ok).toBeGreaterThan(3);
	expect(outcomes.other).toBe(0);
	// Refusals while draining say when to come back.
	expect(outcomes.noRetryAfter).toBe(0);
	console.log('SIGTERM under load:', { took, ...outcomes });

	server = await startServer({ dataDir });
	execFileSync(SERVER_BIN, ['superuser', 'upsert', 'sigterm@example.test', 'sigterm-password-1', '--dir', dataDir]);
	const su = new PocketBase(server.url);
	await su.collection('_superusers').authWithPassword('sigterm@example.test', 'sigterm-password-1');
	const stored = (await su.collection('events').getFullList({ batch: 1000, fields: 'event_id' })).map((e) => e.event_id as string);
	expect(new Set(stored).size).toBe(stored.length);
	const storedSet = new Set(stored);
	for (const id of ackedEvents) expect(storedSet.has(id), id).toBe(true);
	const storedCustomers = new Set((await su.collection('customers').getFullList({ batch: 1000, fields: 'id' })).map((c) => c.id));
	for (const id of ackedCustomers) expect(storedCustomers.has(id), id).toBe(true);
}, 120_000);
