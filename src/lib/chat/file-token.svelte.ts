import type PocketBase from 'pocketbase';

// Chat images are protected files: their URL needs a file token of someone who may view the message.
// A token lasts a few minutes, so it is fetched when first needed and again when an image fails to load
// with an old one (not on a timer, which would reload every image shown). One for the console's
// client (inbox.svelte.ts) and one for the widget's.
export class FileToken {
	value = $state('');
	#at = 0;
	/** Whose token it is: another user signed in on this device fetches their own. */
	#owner = '';
	#pending: Promise<void> | null = null;

	#pb: PocketBase;

	constructor(pb: PocketBase) {
		this.#pb = pb;
	}

	/** Fetches a token when there is none, or the one held is older than `maxAge` ms. */
	ensure(maxAge = 150_000): Promise<void> {
		const owner = this.#pb.authStore.record?.id ?? '';
		if (this.value && this.#owner === owner && Date.now() - this.#at < maxAge) return Promise.resolve();
		if (this.#owner !== owner) this.value = '';
		this.#pending ??= this.#pb.files
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
		return this.#pb.files.getURL({ id: message.id, collectionId: message.collectionId, collectionName: 'messages' }, name, { token: this.value });
	}
}
