import { describe, expect, it } from 'vitest';
import { sign, generateKeyPairSync, webcrypto } from 'node:crypto';
import { derToRaw } from './passkey';
import { readPasskey } from './pin';

describe('derToRaw', () => {
	it('turns a DER ECDSA signature into the r || s form WebCrypto verifies', async () => {
		const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
		const data = Buffer.from('authenticatorData || clientDataHash');
		const key = await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
		// Many signatures: r and s with a leading zero byte (DER pads a high bit) and shorter than 32 bytes.
		for (let i = 0; i < 40; i++) {
			const der = new Uint8Array(sign('sha256', data, { key: privateKey, dsaEncoding: 'der' }));
			const raw = derToRaw(der);
			expect(raw.length).toBe(64);
			expect(await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, Buffer.from(raw), data)).toBe(true);
		}
	});

	it('refuses what is not a DER signature', () => {
		expect(() => derToRaw(new Uint8Array([0x30, 4, 0x05, 0, 0x05, 0]))).toThrow();
	});
});

describe('readPasskey', () => {
	it('keeps a well-formed record and drops anything else', () => {
		expect(readPasskey({ id: 'abc', publicKey: 'MFk=', alg: -7 })).toEqual({ id: 'abc', publicKey: 'MFk=', alg: -7 });
		expect(readPasskey({ id: 'abc', publicKey: 'MFk=', alg: -8 })).toBeUndefined();
		expect(readPasskey(null)).toBeUndefined();
		expect(readPasskey('x')).toBeUndefined();
	});
});
