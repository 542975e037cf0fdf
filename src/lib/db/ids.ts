const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A PocketBase-compatible record id (15 chars a-z0-9), made on the device so offline creates need no server. */
export function newRecordId(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(15));
	let id = '';
	// 252 = 7 * 36: bytes at or above it are redrawn to keep the letters uniform.
	for (let i = 0; i < 15; i++) {
		let b = bytes[i];
		while (b >= 252) b = crypto.getRandomValues(new Uint8Array(1))[0];
		id += ALPHABET[b % 36];
	}
	return id;
}
