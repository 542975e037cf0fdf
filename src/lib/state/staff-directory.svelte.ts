import { pb } from '$lib/pb/client';
import { openLocal, sealLocal } from '$lib/lock/sealed-local';
import { session } from './session.svelte';

export interface StaffEntry {
	id: string;
	name: string;
	role: string;
	/** The service team (staff.team), '' for none. */
	team?: string;
}

const KEY = 'crm:staff-directory';

/**
 * Names of the staff a manager may assign customers to. Fetched when online and kept on the device,
 * sealed under the device key like the rest of what the device holds about people (lock/sealed-local),
 * so the owner menu also works offline. Removed with the rest of the user's data at sign-out.
 */
class StaffDirectory {
	entries = $state<StaffEntry[]>([]);
	#loaded = false;
	#restored: Promise<void> | null = null;

	/** The list kept on the device, opened once (before the key is open, or with another user's list: nothing). */
	#restore(userId: string): Promise<void> {
		this.#restored ??= (async () => {
			try {
				const text = await openLocal(userId, KEY, globalThis.localStorage?.getItem(KEY) ?? null);
				const kept = JSON.parse(text ?? '[]');
				if (Array.isArray(kept) && !this.entries.length) this.entries = kept;
			} catch {
				/* unreadable: as if none */
			}
		})();
		return this.#restored;
	}

	async load(): Promise<void> {
		const userId = session.user?.id;
		if (!userId) return;
		await this.#restore(userId);
		if (this.#loaded || !navigator.onLine) return;
		try {
			const list = await pb.collection('staff').getFullList({ sort: 'name', fields: 'id,name,role,team,deactivated' });
			// A deactivated colleague keeps their records but takes no new customers or chats.
			this.entries = list.filter((s) => !s.deactivated).map((s) => ({ id: s.id, name: s.name, role: s.role, team: s.team ?? '' }));
			this.#loaded = true;
			localStorage.setItem(KEY, await sealLocal(userId, KEY, JSON.stringify(this.entries)));
		} catch {
			// Offline, refused, or the device key not open: the list shown stays; the owner menu then offers only the user.
		}
	}

	clear(): void {
		this.entries = [];
		this.#loaded = false;
		this.#restored = null;
		globalThis.localStorage?.removeItem(KEY);
	}
}

export const staffDirectory = new StaffDirectory();
