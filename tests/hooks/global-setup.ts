// Vitest: one real CRM server for the hook and sync tests, on a free port with a throwaway data dir.
import type { TestProject } from 'vitest/node';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { SHOP_SECRET } from './shop-secret';

let server: RunningServer | undefined;

export async function setup(project: TestProject) {
	// The tests open many chat sessions from one address, more than a shop's shoppers would.
	server = await startServer({ env: { CRM_SHOP_IDENTITY_SECRET: SHOP_SECRET, CRM_CHAT_SESSIONS_PER_MINUTE: '1000' } });
	const { staff } = await seedStaff(server.url);
	// One sign-in per seeded account for the whole run: password sign-in is rate limited per address
	// (15 in 15 s), as in production, and the tests come from one address.
	const sessions: Record<string, { token: string; record: Record<string, unknown> }> = {};
	for (const [key, s] of Object.entries(staff)) {
		const res = await fetch(`${server.url}/api/collections/staff/auth-with-password`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ identity: s.email, password: s.password })
		});
		if (!res.ok) throw new Error(`sign-in of ${key}: ${res.status}`);
		sessions[key] = await res.json();
	}
	project.provide('sessions', sessions);
	project.provide('pbUrl', server.url);
	project.provide('pbDataDir', server.dataDir);
	project.provide('staff', staff);
}

export async function teardown() {
	await server?.stop();
}

declare module 'vitest' {
	export interface ProvidedContext {
		pbUrl: string;
		pbDataDir: string;
		staff: Record<string, { id: string; email: string; password: string; name: string; role: string }>;
		sessions: Record<string, { token: string; record: Record<string, unknown> }>;
	}
}
