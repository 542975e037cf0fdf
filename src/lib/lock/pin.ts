// The app lock's PIN (issue 13, a lost phone): checked on the device, never sent anywhere. Only a
// PBKDF2-SHA-256 hash of it is kept (with its salt), so reading the device's storage does not give the
// PIN; five wrong PINs in a row delete the device's data (lock.svelte.ts).
import { fromBase64, toBase64 } from './b64';

/** A passkey that opens the lock too (passkey.ts, loaded only when one is made or used). */
export interface PasskeyRecord {
	/** The credential's id, base64url. */
	id: string;
	/** Its public key, SubjectPublicKeyInfo in base64. */
	publicKey: string;
	/** COSE algorithm: -7 (ES256) or -257 (RS256). */
	alg: number;
}

export function readPasskey(v: unknown): PasskeyRecord | undefined {
	const r = v as PasskeyRecord | undefined;
	return r && typeof r.id === 'string' && typeof r.publicKey === 'string' && (r.alg === -7 || r.alg === -257) ? r : undefined;
}

export interface PinRecord {
	v: 1;
	salt: string;
	hash: string;
	iterations: number;
	/** Minutes without a touch or a key (or in the background) before the app locks. */
	idleMinutes: number;
	/** Wrong PINs in a row since the last right one. */
	failures: number;
	/** The device's own screen lock opens it too (passkey.ts). */
	passkey?: PasskeyRecord;
}

export const IDLE_CHOICES = [1, 5, 15, 30] as const;
export const MAX_FAILURES = 5;
const ITERATIONS = 150_000;

/** Why a new PIN is refused: not 4 to 8 digits, or one anybody would try first. */
export function pinProblem(pin: string): 'format' | 'weak' | null {
	if (!/^\d{4,8}$/.test(pin)) return 'format';
	const d = [...pin].map(Number);
	const same = d.every((x) => x === d[0]);
	const up = d.every((x, i) => i === 0 || x === (d[i - 1] + 1) % 10);
	const down = d.every((x, i) => i === 0 || x === (d[i - 1] + 9) % 10);
	return same || up || down ? 'weak' : null;
}

async function derive(pin: string, salt: Uint8Array, iterations: number): Promise<string> {
	const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
	const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, key, 256);
	return toBase64(new Uint8Array(bits));
}

export async function makePinRecord(pin: string, idleMinutes: number, iterations = ITERATIONS): Promise<PinRecord> {
	const salt = crypto.getRandomValues(new Uint8Array(16));
	return { v: 1, salt: toBase64(salt), hash: await derive(pin, salt, iterations), iterations, idleMinutes, failures: 0 };
}

export async function pinMatches(rec: PinRecord, pin: string): Promise<boolean> {
	const got = await derive(pin, fromBase64(rec.salt), rec.iterations);
	// Same length by construction; compare every character.
	let diff = got.length ^ rec.hash.length;
	for (let i = 0; i < got.length; i++) diff |= got.charCodeAt(i) ^ rec.hash.charCodeAt(i % rec.hash.length);
	return diff === 0;
}

export function readPinRecord(raw: string | null): PinRecord | null {
	try {
		const r = JSON.parse(raw ?? 'null');
		return r && r.v === 1 && typeof r.salt === 'string' && typeof r.hash === 'string' && Number.isInteger(r.iterations) ? { failures: 0, idleMinutes: 5, ...r, passkey: readPasskey(r.passkey) } : null;
	} catch {
		return null;
	}
}

/** Whether the app should lock now: idle (or hidden) for the record's minutes. */
export function idleExpired(lastActivity: number, now: number, idleMinutes: number): boolean {
	return now - lastActivity >= idleMinutes * 60_000;
}
