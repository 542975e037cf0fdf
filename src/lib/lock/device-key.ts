// The device key (issue 13, a lost phone): one random AES-256 key per user and device, under which the
// local database seals its personal fields (db/seal.ts). Where the key is kept:
// - no app lock: in this origin's storage beside the data (`crm:dk:<user>`). IndexedDB read on its own
//   shows no personal field, but whoever copies the whole browser profile has the key too;
// - an app lock: only wrapped (AES-GCM) under a key derived from the PIN with PBKDF2-SHA-256 and a salt
//   of its own (not the PIN check's), so after a restart nothing opens the data before the PIN is
//   entered. The key stays in memory while the app runs: sync goes on behind an idle lock, and a
//   passkey can open an idle lock; after a restart only the PIN can.
// A PIN of 4 to 8 digits is a small space: somebody with the files and time can try them all offline.
// The lock's five tries and remote sign-out protect the running app; the wrapping protects the files
// against casual reading. Sign-out and a wipe delete the key with the data.
import { aesOpenBytes, aesSeal } from './aes';
import { fromBase64, toBase64 } from './b64';

const storeKey = (userId: string) => `crm:dk:${userId}`;
const ITERATIONS = 150_000;

type Stored = { v: 1; raw: string } | { v: 1; wrapped: string; salt: string; iterations: number };

interface Held {
	raw: Uint8Array<ArrayBuffer>;
	key: CryptoKey;
}

const held = new Map<string, Held>();
const waiting = new Map<string, { promise: Promise<CryptoKey>; resolve: (k: CryptoKey) => void }>();

function read(userId: string): Stored | null {
	try {
		const r = JSON.parse(localStorage.getItem(storeKey(userId)) ?? 'null');
		if (r?.v === 1 && (typeof r.raw === 'string' || (typeof r.wrapped === 'string' && typeof r.salt === 'string' && Number.isInteger(r.iterations)))) return r;
	} catch {
		/* unreadable: as if none */
	}
	return null;
}

async function hold(userId: string, raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
	const key = await crypto.subtle.importKey('raw', raw as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']);
	held.set(userId, { raw, key });
	const w = waiting.get(userId);
	if (w) {
		waiting.delete(userId);
		w.resolve(key);
	}
	return key;
}

async function pinKey(pin: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
	const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveKey']);
	return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/** Whether the key is open in memory (a passkey can open an idle lock only then). */
export function deviceKeyOpen(userId: string): boolean {
	return held.has(userId);
}

/** Whether the key waits for the PIN (kept wrapped, not open yet): the database cannot open before. */
export function deviceKeyNeedsPin(userId: string): boolean {
	return !held.has(userId) && 'wrapped' in (read(userId) ?? {});
}

/**
 * The device key for `userId`: made on first use; when a PIN wraps it, the promise settles once the PIN
 * has opened it (`openDeviceKey`).
 */
export async function deviceKey(userId: string): Promise<CryptoKey> {
	const h = held.get(userId);
	if (h) return h.key;
	const s = read(userId);
	if (s && 'raw' in s) return hold(userId, fromBase64(s.raw));
	if (s && 'wrapped' in s) {
		let w = waiting.get(userId);
		if (!w) {
			let resolve!: (k: CryptoKey) => void;
			const promise = new Promise<CryptoKey>((r) => (resolve = r));
			w = { promise, resolve };
			waiting.set(userId, w);
		}
		return w.promise;
	}
	const raw = crypto.getRandomValues(new Uint8Array(32));
	localStorage.setItem(storeKey(userId), JSON.stringify({ v: 1, raw: toBase64(raw) } satisfies Stored));
	return hold(userId, raw);
}

/** A PIN was set (or entered on a device whose key was not wrapped yet): keep the key only wrapped by it. */
export async function wrapDeviceKey(userId: string, pin: string): Promise<void> {
	const h = held.get(userId);
	if (!h) return;
	const salt = crypto.getRandomValues(new Uint8Array(16));
	const wrapped = await aesSeal(await pinKey(pin, salt, ITERATIONS), h.raw);
	localStorage.setItem(storeKey(userId), JSON.stringify({ v: 1, wrapped, salt: toBase64(salt), iterations: ITERATIONS } satisfies Stored));
}

/**
 * The PIN (already checked by the lock) opens the key. Also wraps a key that was kept in clear (a lock
 * set before the key existed). False when it does not open it.
 */
export async function openDeviceKey(userId: string, pin: string): Promise<boolean> {
	const s = read(userId);
	if (!s || 'raw' in s) {
		if (!held.has(userId)) await deviceKey(userId);
		await wrapDeviceKey(userId, pin);
		return true;
	}
	if (held.has(userId)) return true;
	try {
		await hold(userId, await aesOpenBytes(await pinKey(pin, fromBase64(s.salt), s.iterations), s.wrapped));
		return true;
	} catch {
		return false;
	}
}

/** The lock was turned off: the key is kept in clear again (the data must still open at the next start). */
export function unwrapDeviceKey(userId: string): void {
	const h = held.get(userId);
	if (h) localStorage.setItem(storeKey(userId), JSON.stringify({ v: 1, raw: toBase64(h.raw) } satisfies Stored));
}

/** Sign-out or a wipe: the key goes with the data. */
export function forgetDeviceKey(userId: string): void {
	held.delete(userId);
	waiting.delete(userId);
	localStorage.removeItem(storeKey(userId));
}
