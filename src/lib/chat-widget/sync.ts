// Pure rules of the widget's sync with the server: which conversation state to keep, from where to
// refetch messages, and what a failed send means.

import { pbMs } from '$lib/pb/time';
import { advance, fetchFrom, OVERLAP_MS } from '$lib/chat/watermark';

/** How far back a refetch reaches before the newest message fetched, for events that crossed near a reconnect. */
export const REFETCH_OVERLAP_MS = OVERLAP_MS;

/**
 * Whether `incoming` is an older state of the conversation held (a fetch and a realtime event crossed):
 * then it is ignored. Another conversation, or one without `updated`, is never stale.
 */
export function isStale(held: { id: string; updated?: string } | null | undefined, incoming: { id: string; updated?: string }): boolean {
	if (!held || held.id !== incoming.id) return false;
	const a = pbMs(held.updated);
	const b = pbMs(incoming.updated);
	return !Number.isNaN(a) && !Number.isNaN(b) && b < a;
}

/**
 * The newest `created` of the messages fetched from the server, never of the shopper's own POST answers
 * (a reply made before the shopper's message but not yet heard stays after the watermark) nor of realtime
 * events (after a reconnect they come before the resync's fetch, which would then skip the cut).
 */
export function advanceWidgetMark(watermark: string, fetched: { created: string }[]): string {
	return advance(watermark || undefined, fetched) ?? '';
}

/** The `created` to refetch from (inclusive): the watermark less the overlap, in PocketBase's own format; '' = all. */
export function refetchFrom(watermark: string): string {
	return fetchFrom(watermark) ?? '';
}

export type WidgetSendOutcome = 'retry' | 'reauth' | 'blocked' | 'stored' | 'failed';

/**
 * What a failed message (or conversation) write means: 'retry' (no answer, busy, rate limited: later),
 * 'reauth' (401: the token expired; a new session, then again), 'blocked' (403), 'stored' (another
 * tab sent the same client_id at the same moment: the server has it), 'failed' (refused for good).
 */
export function sendOutcome(status: number, data: unknown, aborted = false): WidgetSendOutcome {
	if (status === 0 || aborted || status === 429 || status >= 500) return 'retry';
	if (status === 401) return 'reauth';
	if (status === 403) return 'blocked';
	const clientId = (data as { client_id?: { code?: string } } | null)?.client_id;
	if (status === 400 && clientId?.code === 'validation_not_unique') return 'stored';
	return 'failed';
}
