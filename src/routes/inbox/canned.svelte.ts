import { pb } from '$lib/pb/client';
import type { CannedReply } from '$lib/chat/types';

// The canned replies this user may use (shared ones and their own), fetched when the composer is
// first used and kept for the session; also kept on the device so shortcuts work offline.
class CannedReplies {
	list = $state<CannedReply[]>([]);
	#loaded = false;
	#key = '';

	async load(force = false): Promise<void> {
		const key = `crm:canned:${pb.authStore.record?.id ?? ''}`;
		if (this.#key !== key) {
			this.#key = key;
			this.#loaded = false;
			try {
				this.list = JSON.parse(localStorage.getItem(key) ?? '[]');
			} catch {
				this.list = [];
			}
		}
		if ((this.#loaded && !force) || !navigator.onLine) return;
		this.#loaded = true;
		try {
			const items = await pb.collection('canned_replies').getFullList<CannedReply>({ sort: 'shortcut', requestKey: null });
			this.list = items.filter((r) => !r.deleted);
			localStorage.setItem(key, JSON.stringify(this.list));
		} catch {
			this.#loaded = false;
		}
	}

	async create(r: { shortcut: string; title: string; body: string; shared: boolean; owner: string }): Promise<void> {
		await pb.collection('canned_replies').create({ ...r, shortcut: slash(r.shortcut), deleted: false }, { requestKey: null });
		await this.load(true);
	}

	async update(id: string, r: { shortcut: string; title: string; body: string; shared?: boolean }): Promise<void> {
		const saved = await pb.collection('canned_replies').update<CannedReply>(id, { ...r, shortcut: slash(r.shortcut) }, { requestKey: null });
		this.list = this.list.map((x) => (x.id === id ? saved : x));
		await this.load(true);
	}

	/** Soft delete (the rules allow no delete): the reply leaves every device on its next load. */
	async remove(id: string): Promise<void> {
		await pb.collection('canned_replies').update(id, { deleted: true }, { requestKey: null });
		this.list = this.list.filter((r) => r.id !== id);
		await this.load(true);
	}
}

const slash = (shortcut: string) => (shortcut.startsWith('/') ? shortcut : `/${shortcut}`);

let instance: CannedReplies | null = null;
export function cannedReplies(): CannedReplies {
	return (instance ??= new CannedReplies());
}
