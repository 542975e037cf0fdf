// Text an app keeps in localStorage about customers (the agent console's chats) sealed under the
// device key (device-key.ts), like the local database's personal fields (db/seal.ts): AES-256-GCM,
// the storage key as associated data, so a value cannot be moved under another key.
import { fromBase64, toBase64 } from './b64';
import { deviceKey, deviceKeyOpen } from './device-key';

const PREFIX = 'sealed1:';
const te = new TextEncoder();

/** Seals `text` for `storageKey`. Throws when the key is not open (locked since start, or signed out): nothing is kept then. */
export async function sealLocal(userId: string, storageKey: string, text: string): Promise<string> {
	if (!deviceKeyOpen(userId)) throw new Error('The device key is not open: nothing is kept.');
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: te.encode(storageKey) }, await deviceKey(userId), te.encode(text)));
	const both = new Uint8Array(12 + ct.length);
	both.set(iv);
	both.set(ct, 12);
	return PREFIX + toBase64(both);
}

/** The text kept under `storageKey`, or null when there is none or it does not open (another key). A value kept before sealing is read as it is. */
export async function openLocal(userId: string, storageKey: string, stored: string | null): Promise<string | null> {
	if (stored == null || !stored.startsWith(PREFIX)) return stored;
	const both = fromBase64(stored.slice(PREFIX.length));
	try {
		const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: both.subarray(0, 12), additionalData: te.encode(storageKey) }, await deviceKey(userId), both.subarray(12));
		return new TextDecoder().decode(plain);
	} catch {
		return null;
	}
}
