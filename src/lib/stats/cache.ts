import { ClientResponseError } from 'pocketbase';
import { pb } from '$lib/pb/client';
import { openLocal, sealLocal } from '$lib/lock/sealed-local';

// The last answer of each statistics request (endpoint and query) is kept on the device for the
// signed-in user, so the dashboard and the customer timeline still show figures offline, marked with
// the time they were worked out. Kept in localStorage under the user's id, the answer sealed under
// the device key (lock/sealed-local: a customer's timeline is personal data); removed at sign-out
// (clearStatsCache, called by closeDevice). Only imported by the screens that show statistics.

const PREFIX = 'crm:stats:';
/** Enough for every section of a handful of ranges and a few dozen customer timelines. */
const MAX_ENTRIES = 80;
const TIMEOUT_MS = 30_000;

export type StatsProblem = 'offline' | 'unreachable' | 'session' | 'forbidden' | 'not_found' | 'bad_request' | 'server';

export class StatsError extends Error {
	constructor(
		readonly problem: StatsProblem,
		readonly status = 0,
		readonly field = '',
		readonly code = ''
	) {
		super(problem);
	}
}

export interface StatsResult<T> {
	data: T;
	/** When this device received the answer (ms). */
	savedAt: number;
	/** The answer comes from the device, not from the server just now. */
	cached: boolean;
	/** Why the cached answer is shown (the request could not be made or failed). */
	problem?: StatsProblem;
}

interface Entry {
	saved_at: number;
	/** The answer, sealed (sealed-local). */
	sealed?: string;
	/** The answer in clear: kept by a version before sealing, never read (it is removed). */
	data?: unknown;
}

const storage = (): Storage | null => (typeof localStorage === 'undefined' ? null : localStorage);
const keyOf = (userId: string, cacheKey: string) => `${PREFIX}${userId}:${cacheKey}`;

/** A stable text for a query: parameters sorted, empty ones left out. */
export function queryKey(query: Record<string, string | number | undefined | null>): string {
	return Object.entries(query)
		.filter(([, v]) => v !== undefined && v !== null && v !== '')
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
		.join('&');
}

export async function readCached<T>(userId: string, cacheKey: string): Promise<{ data: T; savedAt: number } | null> {
	const key = keyOf(userId, cacheKey);
	try {
		const raw = storage()?.getItem(key);
		if (!raw) return null;
		const e = JSON.parse(raw) as Entry;
		if (typeof e.sealed !== 'string') {
			// Kept in clear by an older version: not shown, and gone.
			storage()?.removeItem(key);
			return null;
		}
		const text = await openLocal(userId, key, e.sealed);
		return text == null ? null : { data: JSON.parse(text) as T, savedAt: e.saved_at };
	} catch {
		return null;
	}
}

function entriesOf(s: Storage, prefix: string): { key: string; savedAt: number }[] {
	const out: { key: string; savedAt: number }[] = [];
	for (let i = 0; i < s.length; i++) {
		const key = s.key(i);
		if (!key?.startsWith(prefix)) continue;
		let savedAt = 0;
		try {
			savedAt = (JSON.parse(s.getItem(key) ?? '{}') as Entry).saved_at ?? 0;
		} catch {
			// unreadable: removed first
		}
		out.push({ key, savedAt });
	}
	return out.sort((a, b) => a.savedAt - b.savedAt);
}

async function write(userId: string, cacheKey: string, data: unknown, savedAt: number): Promise<void> {
	const s = storage();
	if (!s) return;
	const key = keyOf(userId, cacheKey);
	let sealed: string;
	try {
		sealed = await sealLocal(userId, key, JSON.stringify(data));
	} catch {
		return; // the device key is not open (signed out meanwhile): nothing is kept
	}
	const value = JSON.stringify({ saved_at: savedAt, sealed } satisfies Entry);
	const prefix = `${PREFIX}${userId}:`;
	for (let attempt = 0; attempt < 3; attempt++) {
		try {
			s.setItem(key, value);
			break;
		} catch {
			// Storage full: drop the oldest half of this user's figures and try again.
			const old = entriesOf(s, prefix).filter((e) => e.key !== key);
			if (!old.length) return;
			for (const e of old.slice(0, Math.max(1, Math.ceil(old.length / 2)))) s.removeItem(e.key);
		}
	}
	const all = entriesOf(s, prefix);
	for (const e of all.slice(0, Math.max(0, all.length - MAX_ENTRIES))) s.removeItem(e.key);
}

function forget(userId: string, cacheKey: string): void {
	storage()?.removeItem(keyOf(userId, cacheKey));
}

/** Sign-out: the user's saved figures leave the device with the rest of their data. */
export function clearStatsCache(userId?: string): void {
	const s = storage();
	if (!s) return;
	const prefix = userId ? `${PREFIX}${userId}:` : PREFIX;
	for (const e of entriesOf(s, prefix)) s.removeItem(e.key);
}

function problemOf(err: unknown): StatsError {
	if (err instanceof StatsError) return err;
	const e = err as ClientResponseError;
	const status = typeof e?.status === 'number' ? e.status : 0;
	// The API documents { field, code, message }; PocketBase's own shape is { data: { <field>: { code, message } } }.
	const body = (e instanceof ClientResponseError ? e.response : {}) as { field?: string; code?: string; data?: Record<string, { code?: string } | undefined> };
	const named = Object.keys(body?.data ?? {})[0] ?? '';
	const field = body?.field ?? named;
	const code = body?.code ?? body?.data?.[named]?.code ?? '';
	if (status === 0) return new StatsError('unreachable');
	if (status === 401) return new StatsError('session', status);
	if (status === 403) return new StatsError('forbidden', status);
	if (status === 404) return new StatsError('not_found', status, field, code);
	if (status === 400) return new StatsError('bad_request', status, field, code);
	return new StatsError('server', status);
}

/**
 * Asks the server (when the device is online) and keeps the answer; when the device is offline or
 * the server cannot be reached or fails, answers with the kept one. Throws a StatsError when there
 * is nothing to show.
 */
export async function loadStats<T>(userId: string, path: string, query: Record<string, string | number | undefined>, opts: { cacheKey?: string; online?: boolean } = {}): Promise<StatsResult<T>> {
	const cacheKey = opts.cacheKey ?? `${path}?${queryKey(query)}`;
	const fallback = async (problem: StatsError): Promise<StatsResult<T>> => {
		const kept = await readCached<T>(userId, cacheKey);
		if (!kept) throw problem;
		return { ...kept, cached: true, problem: problem.problem };
	};
	if (opts.online === false) return fallback(new StatsError('offline'));
	const clean = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== ''));
	const ctrl = new AbortController();
	const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
	try {
		const data = await pb.send<T>(path, { query: clean, signal: ctrl.signal });
		const savedAt = Date.now();
		await write(userId, cacheKey, data, savedAt);
		return { data, savedAt, cached: false };
	} catch (err) {
		const problem = problemOf(err);
		if (problem.problem === 'forbidden' || problem.problem === 'not_found') {
			// No longer this user's to see: what was kept goes too.
			forget(userId, cacheKey);
			throw problem;
		}
		if (problem.problem === 'bad_request') throw problem;
		return fallback(problem);
	} finally {
		clearTimeout(timer);
	}
}
