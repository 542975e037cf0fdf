// AES-256-GCM as the device stores it everywhere (the sealed database fields, the kept chats, the
// device key wrapped by the PIN): a fresh 12-byte IV before the ciphertext, in base64.
import { fromBase64, toBase64 } from './b64';

const te = new TextEncoder();
const td = new TextDecoder();
const params = (iv: Uint8Array<ArrayBuffer>, aad?: string): AesGcmParams => (aad === undefined ? { name: 'AES-GCM', iv } : { name: 'AES-GCM', iv, additionalData: te.encode(aad) });

/** `plain` sealed under `key`, bound to `aad` when given: IV ‖ ciphertext, base64. */
export async function aesSeal(key: CryptoKey, plain: Uint8Array<ArrayBuffer> | string, aad?: string): Promise<string> {
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const ct = new Uint8Array(await crypto.subtle.encrypt(params(iv, aad), key, typeof plain === 'string' ? te.encode(plain) : plain));
	const both = new Uint8Array(12 + ct.length);
	both.set(iv);
	both.set(ct, 12);
	return toBase64(both);
}

/** The bytes `aesSeal` sealed; throws when the key or `aad` is not the one it was sealed with. */
export async function aesOpenBytes(key: CryptoKey, sealed: string, aad?: string): Promise<Uint8Array<ArrayBuffer>> {
	const both = fromBase64(sealed);
	return new Uint8Array(await crypto.subtle.decrypt(params(both.slice(0, 12), aad), key, both.subarray(12)));
}

/** The text `aesSeal` sealed; throws as `aesOpenBytes`. */
export async function aesOpen(key: CryptoKey, sealed: string, aad?: string): Promise<string> {
	return td.decode(await aesOpenBytes(key, sealed, aad));
}
