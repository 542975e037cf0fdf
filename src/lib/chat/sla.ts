import { pbMs } from '$lib/pb/time';
import { SLA_TARGETS } from '$lib/shared/cases';
import type { ChatCase } from './types';

export interface SlaState {
	responseDue: number;
	resolutionDue: number;
	/** The due time passed before the response (or it is still missing and the time has passed). */
	responseBreached: boolean;
	resolutionBreached: boolean;
}

/** Due times of a case (the server's when it set them, else worked out from its priority) and whether they were missed. */
export function slaOf(c: Pick<ChatCase, 'priority' | 'created' | 'first_response_due' | 'resolution_due' | 'first_response_at' | 'resolved_at'>, now: number): SlaState {
	const target = SLA_TARGETS[c.priority] ?? SLA_TARGETS.normal;
	const created = pbMs(c.created);
	const responseDue = Number.isFinite(pbMs(c.first_response_due)) ? pbMs(c.first_response_due) : created + target.response * 60_000;
	const resolutionDue = Number.isFinite(pbMs(c.resolution_due)) ? pbMs(c.resolution_due) : created + target.resolution * 60_000;
	const responded = pbMs(c.first_response_at);
	const resolved = pbMs(c.resolved_at);
	return {
		responseDue,
		resolutionDue,
		responseBreached: (Number.isFinite(responded) ? responded : now) > responseDue,
		resolutionBreached: (Number.isFinite(resolved) ? resolved : now) > resolutionDue
	};
}
