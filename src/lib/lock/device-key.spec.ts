// The device key and the PIN (issue 13, a lost phone): made once and kept; once a PIN is set it is
// kept only wrapped, so after a restart nothing opens it but that PIN; turning the lock off keeps it in
// clear again; sign-out forgets it.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStorage } from '../testing/memory-storage';

let storage: MemoryStorage;
/** A fresh module: what a restart of the app holds in memory (nothing). */
async function restart() {
	vi.resetModules();
	return import('./device-key');
}
async function roundTrip(key: CryptoKey): Promise<string> {
	const iv = new Uint8Array(12);
	const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode('王小明'));
	return Buffer.from(ct).toString('base64');
}

beforeEach(() => {
	storage = new MemoryStorage();
	vi.stubGlobal('localStorage', storage);
});

describe('the device key', () => {
	it('is made once and found again after a restart', async () => {
		const a = await restart();
		const k1 = await a.deviceKey('u1');
		expect(a.deviceKeyOpen('u1')).toBe(true);
		const b = await restart();
		expect(b.deviceKeyNeedsPin('u1')).toBe(false);
		expect(await roundTrip(await b.deviceKey('u1'))).toBe(await roundTrip(k1));
		expect(await roundTrip(await b.deviceKey('u2'))).not.toBe(await roundTrip(k1));
	});

	it('is kept only wrapped once a PIN is set: after a restart only that PIN opens it', async () => {
		const a = await restart();
		const k1 = await a.deviceKey('u1');
		const raw = JSON.parse(storage.getItem('crm:dk:u1')!).raw as string;
		await a.wrapDeviceKey('u1', '7391');
		const kept = storage.getItem('crm:dk:u1')!;
		expect(kept).not.toContain(raw);
		expect(kept).not.toContain('7391');

		const b = await restart();
		expect(b.deviceKeyNeedsPin('u1')).toBe(true);
		let opened: CryptoKey | null = null;
		const waiting = b.deviceKey('u1').then((k) => (opened = k));
		await new Promise((r) => setTimeout(r, 20));
		expect(opened).toBeNull();
		expect(await b.openDeviceKey('u1', '7390')).toBe(false);
		expect(b.deviceKeyOpen('u1')).toBe(false);
		expect(await b.openDeviceKey('u1', '7391')).toBe(true);
		await waiting;
		expect(await roundTrip(opened!)).toBe(await roundTrip(k1));

		// The lock turned off: in clear again, opened at the next start without a PIN.
		b.unwrapDeviceKey('u1');
		const c = await restart();
		expect(c.deviceKeyNeedsPin('u1')).toBe(false);
		expect(await roundTrip(await c.deviceKey('u1'))).toBe(await roundTrip(k1));
	});

	it('a lock set before the key existed wraps the key at the first right PIN', async () => {
		const a = await restart();
		await a.deviceKey('u1');
		expect(await a.openDeviceKey('u1', '2580')).toBe(true);
		expect(JSON.parse(storage.getItem('crm:dk:u1')!).wrapped).toBeTypeOf('string');
		expect((await restart()).deviceKeyNeedsPin('u1')).toBe(true);
	});

	it('is forgotten at sign-out: a new one is made next time', async () => {
		const a = await restart();
		const k1 = await a.deviceKey('u1');
		a.forgetDeviceKey('u1');
		expect(storage.getItem('crm:dk:u1')).toBeNull();
		expect(a.deviceKeyOpen('u1')).toBe(false);
		expect(await roundTrip(await a.deviceKey('u1'))).not.toBe(await roundTrip(k1));
	});
});
