// Unlocking the app lock with the device's own screen lock (fingerprint, face or the phone's code)
// through a passkey (WebAuthn), instead of typing the PIN (issue 13, a lost phone). The passkey is
// made on this device for this app and checked on this device: the assertion's signature is verified
// with the public key kept at registration, over a fresh random challenge, so a stored "yes" cannot
// be replayed. The PIN stays: it sets the lock up and opens it when the passkey cannot be used.

import type { PasskeyRecord } from './pin';

const b64 = (bytes: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const b64url = (bytes: ArrayBuffer | Uint8Array) => b64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const unb64url = (s: string) => unb64(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));

/** Whether this device can unlock with its own screen lock (a platform authenticator that verifies the user). */
export async function passkeyAvailable(): Promise<boolean> {
	try {
		return typeof PublicKeyCredential !== 'undefined' && (await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable());
	} catch {
		return false;
	}
}

/** Makes a passkey for the app lock on this device; throws when the user cancels or the device refuses. */
export async function registerPasskey(user: { id: string; name: string; displayName: string }): Promise<PasskeyRecord> {
	const cred = (await navigator.credentials.create({
		publicKey: {
			challenge: crypto.getRandomValues(new Uint8Array(32)),
			rp: { name: 'CRM' },
			user: { id: new TextEncoder().encode(user.id), name: user.name, displayName: user.displayName },
			pubKeyCredParams: [
				{ type: 'public-key', alg: -7 },
				{ type: 'public-key', alg: -257 }
			],
			authenticatorSelection: { authenticatorAttachment: 'platform', userVerification: 'required', residentKey: 'discouraged' },
			timeout: 60_000,
			attestation: 'none'
		}
	})) as PublicKeyCredential | null;
	if (!cred) throw new Error('no passkey');
	const res = cred.response as AuthenticatorAttestationResponse;
	const key = res.getPublicKey();
	if (!key) throw new Error('the passkey has no usable public key');
	return { id: b64url(cred.rawId), publicKey: b64(key), alg: res.getPublicKeyAlgorithm() };
}

/** An ECDSA signature as WebAuthn gives it (DER) in the raw r || s form that WebCrypto verifies. */
export function derToRaw(der: Uint8Array, size = 32): Uint8Array {
	let i = 2 + (der[1] & 0x80 ? der[1] & 0x7f : 0); // SEQUENCE header
	const part = () => {
		if (der[i++] !== 0x02) throw new Error('not a DER signature');
		const len = der[i++];
		let v = der.slice(i, i + len);
		i += len;
		while (v.length > size && v[0] === 0) v = v.slice(1);
		const out = new Uint8Array(size);
		out.set(v, size - v.length);
		return out;
	};
	const r = part();
	const s = part();
	const raw = new Uint8Array(size * 2);
	raw.set(r);
	raw.set(s, size);
	return raw;
}

/** Asks the device to verify its user with the passkey; true only for a valid, fresh assertion of this app. */
export async function verifyPasskey(rec: PasskeyRecord): Promise<boolean> {
	const challenge = crypto.getRandomValues(new Uint8Array(32));
	let cred: PublicKeyCredential | null;
	try {
		cred = (await navigator.credentials.get({
			publicKey: { challenge, allowCredentials: [{ type: 'public-key', id: unb64url(rec.id) }], userVerification: 'required', timeout: 60_000 }
		})) as PublicKeyCredential | null;
	} catch {
		return false; // cancelled, timed out, or no such passkey
	}
	if (!cred || b64url(cred.rawId) !== rec.id) return false;
	const res = cred.response as AuthenticatorAssertionResponse;
	const client = JSON.parse(new TextDecoder().decode(res.clientDataJSON)) as { type: string; challenge: string; origin: string };
	if (client.type !== 'webauthn.get' || client.challenge !== b64url(challenge) || client.origin !== location.origin) return false;
	const auth = new Uint8Array(res.authenticatorData);
	const flags = auth[32];
	if (!(flags & 0x01) || !(flags & 0x04)) return false; // user present and verified
	const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', res.clientDataJSON));
	const signed = new Uint8Array(auth.length + hash.length);
	signed.set(auth);
	signed.set(hash, auth.length);
	const sig = new Uint8Array(res.signature);
	if (rec.alg === -7) {
		const key = await crypto.subtle.importKey('spki', unb64(rec.publicKey), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
		return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, derToRaw(sig) as BufferSource, signed as BufferSource);
	}
	if (rec.alg === -257) {
		const key = await crypto.subtle.importKey('spki', unb64(rec.publicKey), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
		return crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, sig as BufferSource, signed as BufferSource);
	}
	return false;
}
