import { effect, pooled, type Effect, type GroupFigures, type PooledEffect } from '$lib/shared/effect';

// The campaigns side by side as the server gives them (GET /api/crm/campaigns-compare,
// server/campaignresults.go), and what the strategy views work out from them on the device.

export interface ComparedCampaign {
	id: string;
	name: string;
	kind: string;
	state: string;
	started_at: string;
	channels: string[];
	offer: string;
	/** The campaign's own cost plus its messages' (Settings → Campaigns). */
	cost: number;
	groups: { treated: GroupFigures; holdout: GroupFigures };
}

export interface CompareAnswer {
	months?: number;
	campaigns: ComparedCampaign[];
	/** The shop's margin on extra revenue (0–1). */
	margin?: number;
	as_of: string;
}

/** Each campaign against its own holdout (null without one). */
export function campaignEffect(c: ComparedCampaign, margin: number): Effect | null {
	return c.groups.holdout.recipients && c.groups.treated.recipients ? effect(c.groups.treated, c.groups.holdout, margin, c.cost) : null;
}

export interface PoolRow {
	/** The channels ('email+sms': a campaign sending both cannot be split) or the offer. */
	key: string;
	/** Campaigns of this kind in the period, with or without a holdout. */
	count: number;
	effect: PooledEffect;
}

/** Channels of a campaign as one key, the same whatever order they were chosen in. */
export const channelKey = (c: ComparedCampaign): string => [...c.channels].sort().join('+') || 'none';
export const offerKey = (c: ComparedCampaign): string => c.offer || 'none';

/**
 * The campaigns pooled by a key (channels, offer): each against its own holdout (pooled()), the
 * largest first. Campaigns without a holdout are counted but add nothing to the effect.
 */
export function poolBy(list: readonly ComparedCampaign[], key: (c: ComparedCampaign) => string, margin: number): PoolRow[] {
	const groups = new Map<string, ComparedCampaign[]>();
	for (const c of list) {
		const k = key(c);
		const g = groups.get(k);
		if (g) g.push(c);
		else groups.set(k, [c]);
	}
	return [...groups.entries()]
		.map(([k, cs]) => ({
			key: k,
			count: cs.length,
			effect: pooled(
				cs.map((c) => ({ treated: c.groups.treated, holdout: c.groups.holdout, cost: c.cost })),
				margin
			)
		}))
		.sort((a, b) => b.effect.treated - a.effect.treated || a.key.localeCompare(b.key));
}
