// The restore drill (issue 14): 10,000 writes through the APIs (customers, events, chat, campaign
// drafts) in two halves a few seconds apart; SIGKILL the server; delete its data directory; restore.
// Every acknowledged write is back byte for byte, and a point-in-time restore to the moment between
// the halves holds exactly the first half. Both restored copies carry a new epoch.
import { afterAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import PocketBase from 'pocketbase';
import { SERVER_BIN, processAlive, seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { clientId, newVisitor } from './chat-helpers';
import { id15 } from './helpers';

const servers: RunningServer[] = [];
afterAll(async () => {
	for (const s of servers.reverse()) await s.stop();
});

const COLLECTIONS = ['customers', 'events', 'conversations', 'messages', 'campaigns'] as const;

function client(url: string) {
	const pb = new PocketBase(url);
	pb.autoCancellation(false);
	return pb;
}

/** Every record of the drill's collections, in a fixed order, as the API returns them. */
async function everything(url: string): Promise<Record<string, string>> {
	const su = client(url);
	await su.collection('_superusers').authWithPassword('drill@example.test', 'drill-password-1');
	const out: Record<string, string> = {};
	for (const c of COLLECTIONS) out[c] = JSON.stringify(await su.collection(c).getFullList({ batch: 1000, sort: 'id' }));
	return out;
}

function counts(all: Record<string, string>) {
	return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, (JSON.parse(v) as unknown[]).length]));
}

async function epochOf(url: string) {
	return (await fetch(`${url}/api/health`)).headers.get('x-crm-epoch');
}

function restore(dataDir: string, to: string, at?: string) {
	return execFileSync(SERVER_BIN, ['restore', '--dir', dataDir, '--to', to, ...(at ? ['--at', at] : [])], { encoding: 'utf8' });
}

it('restores every acknowledged write after the data directory is lost, and to a moment between writes', async () => {
	const server = await startServer({ env: { CRM_CHAT_SESSIONS_PER_MINUTE: '1000' } });
	servers.push(server);
	const root = join(server.dataDir, '..');
	const { staff } = await seedStaff(server.url);
	execFileSync(SERVER_BIN, ['superuser', 'upsert', 'drill@example.test', 'drill-password-1', '--dir', server.dataDir]);
	const admin = client(server.url);
	await admin.collection('staff').authWithPassword(staff.owner.email, staff.owner.password);
	const manager = client(server.url);
	await manager.collection('staff').authWithPassword(staff.manager.email, staff.manager.password);
	const key = (await admin.send('/api/crm/shop-sources', { method: 'POST', body: { name: 'drill', kind: 'server', rate_limit: 10_000_000 } })).key;
	const epoch = await epochOf(server.url);
	expect(epoch).toMatch(/^[0-9a-f]{16}$/);

	let written = 0;
	const half = async (tag: string) => {
		for (let b = 0; b < 15; b++) {
			const rows = Array.from({ length: 100 }, (_, i) => ({
				doc: { id: id15(), name: `演练${tag}${b * 100 + i}`, phones: [`1380013${String(b * 100 + i).padStart(4, '0')}`], owner: staff.sales.id },
				base: null
			}));
			const res = await manager.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows } });
			expect(res.rejected).toEqual([]);
			written += rows.length;
		}
		for (let b = 0; b < 6; b++) {
			const list = Array.from({ length: 500 }, (_, i) => ({ id: `drill-${tag}-${b}-${i}`, type: 'page_view', time: Date.now() - i * 1000, anonymous_id: `drill-anon-${i % 50}` }));
			const res = await fetch(`${server.url}/api/crm/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(list) });
			expect(res.status).toBe(200);
			expect((await res.json()).accepted).toBe(500);
			written += list.length;
		}
		for (let v = 0; v < 15; v++) {
			const visitor = await newVisitor(server.url, `访客${tag}${v}`);
			const conv = await visitor.pb.collection('conversations').create({ visitor: visitor.id });
			written++;
			for (let m = 0; m < 19; m++) {
				await visitor.pb.collection('messages').create({ conversation: conv.id, client_id: clientId(), body: `你好 ${tag} ${v}.${m}` });
				written++;
			}
		}
		for (let b = 0; b < 2; b++) {
			const rows = Array.from({ length: 100 }, () => ({ doc: { id: id15(), name: `演练活动${tag}`, kind: 'broadcast', state: 'draft', owner: staff.manager.id }, base: null }));
			const res = await manager.send('/api/crm/sync/campaigns/push', { method: 'POST', body: { rows } });
			expect(res.rejected).toEqual([]);
			written += rows.length;
		}
	};

	await half('A');
	const firstHalf = await everything(server.url);
	await new Promise((r) => setTimeout(r, 1500));
	const middle = new Date().toISOString();
	await new Promise((r) => setTimeout(r, 1500));
	await half('B');
	expect(written).toBe(10_000);
	const acknowledged = await everything(server.url);

	// The server dies without warning; its backup agent copies what it has not copied yet and exits.
	const { pid } = JSON.parse(readFileSync(join(server.dataDir, 'backup-status.json'), 'utf8'));
	await server.stop({ keepData: true, signal: 'SIGKILL' });
	for (const end = Date.now() + 10_000; processAlive(pid) && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
	expect(processAlive(pid)).toBe(false);
	rmSync(server.dataDir, { recursive: true, force: true }); // the disk is gone

	// The backup holds no readable personal data.
	const files = readdirSync(join(root, 'pb_data-backup'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
	expect(files.length).toBeGreaterThan(0);
	for (const f of files) {
		const bytes = readFileSync(join(f.parentPath, f.name));
		for (const needle of ['13800130042', '演练A', '你好 B']) {
			for (const enc of ['utf8', 'utf16le'] as const) expect(bytes.includes(Buffer.from(needle, enc)), `${f.name} holds ${needle}`).toBe(false);
		}
	}

	const latest = join(root, 'restored');
	const report = restore(server.dataDir, latest);
	expect(report).toContain('integrity check ok');
	expect(statSync(join(latest, 'data.db')).mode & 0o077).toBe(0);
	const back = await startServer({ dataDir: latest });
	servers.push(back);
	expect(counts(await everything(back.url))).toEqual(counts(acknowledged));
	const restored = await everything(back.url);
	for (const c of COLLECTIONS) expect(restored[c] === acknowledged[c], `${c} byte for byte`).toBe(true);
	const newEpoch = await epochOf(back.url);
	expect(newEpoch).toMatch(/^[0-9a-f]{16}$/);
	expect(newEpoch).not.toBe(epoch);

	const pitr = join(root, 'restored-middle');
	restore(server.dataDir, pitr, middle);
	const then = await startServer({ dataDir: pitr });
	servers.push(then);
	const atMiddle = await everything(then.url);
	expect(counts(atMiddle)).toEqual(counts(firstHalf));
	for (const c of COLLECTIONS) expect(atMiddle[c] === firstHalf[c], `${c} at the middle`).toBe(true);

	// A restore never overwrites a database.
	expect(() => restore(server.dataDir, latest)).toThrow();
	expect(existsSync(join(latest, 'data.db'))).toBe(true);
}, 240_000);
