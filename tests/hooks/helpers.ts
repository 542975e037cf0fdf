import PocketBase from 'pocketbase';
import { EventSource } from 'eventsource';
import { inject } from 'vitest';

// PocketBase's realtime client needs EventSource, which Node 20 lacks.
(globalThis as { EventSource?: unknown }).EventSource ??= EventSource;

export function url() {
	return inject('pbUrl');
}

export function staff(key: string) {
	return inject('staff')[key];
}

/**
 * A signed-in PocketBase client for a seeded staff member, with the session the global setup opened
 * (password sign-in is rate limited per address); `fresh` signs in with the password again.
 */
export async function signIn(key: string, opts: { fresh?: boolean } = {}): Promise<PocketBase> {
	const pb = new PocketBase(url());
	pb.autoCancellation(false);
	const s = staff(key);
	const session = inject('sessions')[key];
	if (session && !opts.fresh) pb.authStore.save(session.token, session.record as never);
	else await pb.collection('staff').authWithPassword(s.email, s.password);
	return pb;
}

export function id15(): string {
	return Array.from({ length: 15 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');
}

export async function push(pb: PocketBase, rows: { doc: Record<string, unknown>; base: Record<string, unknown> | null }[]) {
	return pb.send<{ conflicts: Record<string, unknown>[]; rejected: { id: string; status: number; field: string; code: string }[] }>('/api/crm/sync/customers/push', { method: 'POST', body: { rows } });
}

export async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, ms = 5000): Promise<T> {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v !== undefined && v !== false) return v as T;
		if (Date.now() > end) throw new Error('timed out waiting');
		await new Promise((r) => setTimeout(r, 25));
	}
}
