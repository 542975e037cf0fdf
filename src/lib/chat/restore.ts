// Chat after a restore of the server (issue 14, docs/backup.md). Every API answer carries the server's
// epoch (X-Crm-Epoch); a restore from a backup writes a new one, and the restored server may lack
// messages it acknowledged after the backup's moment. The shopper's widget and the agent console hold
// those messages (the widget in memory, the console in its snapshot too), and had dropped them from
// their outboxes once acknowledged. On a new epoch each sends again, through its normal outbox and
// with the same client_id (server/chatmessages.go answers a client_id it already has with the stored
// message, so nothing is stored twice), every message its user wrote that the server no longer has,
// and refetches the conversation from the start. Like the record sync (src/lib/sync/engine.ts), the
// first epoch a signed-in identity sees is remembered on the device; the first answer after a restore
// with a different one starts the healing.
//
// A relative import only: the hooks tests load this module without SvelteKit's aliases.
import { pbMs } from '../pb/time';

export { sawEpoch, watchEpoch, type EpochStore } from '../sync/epoch';

export interface HeldMessage {
	id: string;
	client_id: string;
	created: string;
}

/**
 * The messages held on the device that `mine` says this user wrote and that the server's full list of
 * the conversation (`server`, fetched from the start) no longer has, by client_id or id; oldest first.
 * These are sent again, with their client_id.
 */
export function lostMessages<T extends HeldMessage>(held: readonly T[], server: readonly HeldMessage[], mine: (m: T) => boolean): T[] {
	const ids = new Set(server.map((m) => m.id));
	const clientIds = new Set(server.map((m) => m.client_id).filter(Boolean));
	const at = (m: T) => pbMs(m.created) || 0;
	const seen = new Set<string>();
	return held
		.filter((m) => {
			if (!mine(m) || !m.client_id || ids.has(m.id) || clientIds.has(m.client_id) || seen.has(m.client_id)) return false;
			seen.add(m.client_id);
			return true;
		})
		.sort((a, b) => at(a) - at(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Waiting messages with the lost ones put back, each client_id once, oldest first (a stable order otherwise). */
export function requeue<T extends { client_id: string }>(waiting: readonly T[], lost: readonly T[], at: (m: T) => number): T[] {
	const have = new Set(waiting.map((m) => m.client_id));
	const all = [...lost.filter((m) => !have.has(m.client_id)), ...waiting];
	return all
		.map((m, i) => ({ m, i }))
		.sort((a, b) => (at(a.m) || 0) - (at(b.m) || 0) || a.i - b.i)
		.map(({ m }) => m);
}
