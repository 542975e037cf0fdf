// Where the console's next message fetch of a conversation starts (docs/api/chat.md, Realtime).
//
// The watermark is the newest `created` (server time) among the messages a *fetch* answered. It
// never moves for the console's own sends (the answer to a create says nothing about what others
// wrote meanwhile: a shopper's message written while the agent was offline is older than the reply
// the agent sends on reconnecting) nor for realtime events (the SDK delivers a new connection's
// events before its PB_CONNECT callback, so one can arrive while the messages sent during the cut
// are not fetched yet). The next fetch asks from the watermark less OVERLAP_MS and merges by id:
// `created` is stamped before the row commits, so a message may become visible after a newer one.

// A relative import: the chat benchmark's client (bench/chat.bench.ts, bundled without SvelteKit's
// $lib alias) refetches by these same rules.
import { pbDate, pbMs } from '../pb/time';

export const OVERLAP_MS = 10_000;

export type Marks = Record<string, string>;

interface Stamped {
	id: string;
	created: string;
}

export { pbDate };

/** The lower bound (`created >=`) of the next fetch; null when nothing was fetched yet (load the latest). */
export function fetchFrom(mark: string | undefined): string | null {
	if (!mark || Number.isNaN(pbMs(mark))) return null;
	return pbDate(pbMs(mark) - OVERLAP_MS);
}

/** The watermark once a fetch answered `fetched`: the newest `created` among them, never earlier than before. */
export function advance(mark: string | undefined, fetched: readonly { created: string }[]): string | undefined {
	let best = mark && !Number.isNaN(pbMs(mark)) ? mark : undefined;
	for (const m of fetched) {
		const t = pbMs(m.created);
		if (!Number.isNaN(t) && (best === undefined || t > pbMs(best))) best = m.created;
	}
	return best;
}

/** Held and incoming messages, once each (by id; the incoming copy wins), oldest first (console and widget). */
export function mergeMessages<T extends Stamped>(held: readonly T[], incoming: readonly T[]): T[] {
	const byId = new Map(held.map((m) => [m.id, m]));
	for (const m of incoming) byId.set(m.id, m);
	const at = (m: T) => pbMs(m.created) || 0;
	return [...byId.values()].sort((a, b) => at(a) - at(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Watermarks read back from the device cache: only well-formed ones. */
export function readMarks(kept: unknown): Marks {
	const out: Marks = {};
	if (!kept || typeof kept !== 'object' || Array.isArray(kept)) return out;
	for (const [id, v] of Object.entries(kept)) if (typeof v === 'string' && !Number.isNaN(pbMs(v))) out[id] = v;
	return out;
}
