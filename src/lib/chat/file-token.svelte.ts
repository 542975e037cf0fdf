import { pb } from '$lib/pb/client';

// Chat images are protected files: their URL needs a file token of someone who may view the message.
// A token lasts a few minutes, so it is fetched when first needed and again when an image fails to load
// with an old one (not on a timer, which would reload every image shown).
class FileToken {
	value = $state('');
	#at = 0;
	/** Whose token it is: another user signed in on this device fetches their own. */
	#owner = '';
	#pending: Promise<void> | null = null;

	/** Fetches a token when there is none, or the one held is older than `maxAge` ms. */
	ensure(maxAge = 150_000): Promise<void> {
		const owner = pb.authStore.record?.id ?? '';
		if (this.value && this.#owner === owner && Date.now() - this.#at < maxAge) return Promise.resolve();
		if (this.#owner !== owner) this.value = '';
		this.#pending ??= pb.files
			.getToken({ requestKey: null })
			.then((token) => {
				this.value = token;
				this.#owner = owner;
				this.#at = Date.now();
			})
			.catch(() => undefined) // offline: images wait for the next try
			.finally(() => (this.#pending = null));
		return this.#pending;
	}

	/** The URL of an image of a message, with the token. */
	url(message: { id: string; collectionId?: string }, name: string): string {
		return pb.files.getURL({ id: message.id, collectionId: message.collectionId, collectionName: 'messages' }, name, { token: this.value });
	}
}

export const fileToken = new FileToken();
