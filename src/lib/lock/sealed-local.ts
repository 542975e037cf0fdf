// Text an app keeps in localStorage about customers (the agent console's chats) sealed under the
// device key (device-key.ts), like the local database's personal fields (db/seal.ts): AES-256-GCM,
// the storage key as associated data, so a value cannot be moved under another key.
import { aesOpen, aesSeal } from './aes';
import { deviceKey, deviceKeyOpen } from './device-key';

const PREFIX = 'sealed1:';
/** Seals `text` for `storageKey`. Throws when the key is not open (locked since start, or signed out): nothing is kept then. */
export async function sealLocal(userId: string, storageKey: string, text: string): Promise<string> {
	if (!deviceKeyOpen(userId)) throw new Error('The device key is not open: nothing is kept.');
	return PREFIX + (await aesSeal(await deviceKey(userId), text, storageKey));
}

/** The text kept under `storageKey`, or null when there is none or it does not open (another key). A value kept before sealing is read as it is. */
export async function openLocal(userId: string, storageKey: string, stored: string | null): Promise<string | null> {
	if (stored == null || !stored.startsWith(PREFIX)) return stored;
	try {
		return await aesOpen(await deviceKey(userId), stored.slice(PREFIX.length), storageKey);
	} catch {
		return null;
	}
}
