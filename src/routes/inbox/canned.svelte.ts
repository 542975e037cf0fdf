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
		const shortcut = r.shortcut.startsWith('/') ? r.shortcut : `/${r.shortcut}`;
		await pb.collection('canned_replies').create({ ...r, shortcut, deleted: false }, { requestKey: null });
		await this.load(true);
	}
}

let instance: CannedReplies | null = null;
export function cannedReplies(): CannedReplies {
	return (instance ??= new CannedReplies());
}
