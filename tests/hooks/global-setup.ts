// Vitest: one real CRM server for the hook and sync tests, on a free port with a throwaway data dir.
import type { TestProject } from 'vitest/node';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';

let server: RunningServer | undefined;

export async function setup(project: TestProject) {
	server = await startServer();
	const { staff } = await seedStaff(server.url);
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
	}
}
