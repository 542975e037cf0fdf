import { pb } from '$lib/pb/client';

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
 * so the owner menu also works offline. Removed with the rest of the user's data at sign-out.
 */
class StaffDirectory {
	entries = $state<StaffEntry[]>([]);
	#loaded = false;

	constructor() {
		try {
			this.entries = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '[]');
		} catch {
			this.entries = [];
		}
	}

	async load(): Promise<void> {
		if (this.#loaded || !navigator.onLine) return;
		try {
			const list = await pb.collection('staff').getFullList({ sort: 'name', fields: 'id,name,role,team,deactivated' });
			// A deactivated colleague keeps their records but takes no new customers or chats.
			this.entries = list.filter((s) => !s.deactivated).map((s) => ({ id: s.id, name: s.name, role: s.role, team: s.team ?? '' }));
			localStorage.setItem(KEY, JSON.stringify(this.entries));
			this.#loaded = true;
		} catch {
			// Offline or refused: the stored list (possibly empty) stays; the owner menu then offers only the user.
		}
	}

	clear(): void {
		this.entries = [];
		this.#loaded = false;
		globalThis.localStorage?.removeItem(KEY);
	}
}

export const staffDirectory = new StaffDirectory();
