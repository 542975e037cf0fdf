// Pure helpers of the campaign screens (grouping, dates, the preview's variables).
import type { CampaignDoc } from '$lib/db/schemas';
import { describeOffer, fillTemplate, type CampaignOffer, type CampaignSchedule } from '$lib/shared/campaigns';

export const STATE_GROUPS = {
	active: ['running', 'scheduled', 'paused', 'pending_approval'],
	draft: ['draft'],
	done: ['completed', 'cancelled'],
	all: ['draft', 'pending_approval', 'scheduled', 'running', 'paused', 'completed', 'cancelled']
} as const satisfies Record<string, readonly string[]>;
export type StateGroup = keyof typeof STATE_GROUPS;

/** What a campaign sends, as the screens read it: the draft or the copy the server kept at publishing. */
export type CampaignCopy = {
	published_at?: string;
	offer?: CampaignOffer;
	channels?: string[];
	content?: Record<string, Record<string, unknown>>;
	schedule?: CampaignSchedule;
};

/** The date a campaign is known by: when it sends (or sent), else when it started, else when made. */
export function campaignDate(c: Pick<CampaignDoc, 'schedule' | 'started_at' | 'completed_at' | 'created'>): string | null {
	const sendAt = (c.schedule as { send_at?: string } | undefined)?.send_at;
	return sendAt || c.started_at || c.created || null;
}

/** A message filled in as one recipient would read it (a sample coupon when there is an offer). */
export function previewText(text: string | undefined, offer: CampaignOffer | undefined, name: string, locale: 'zh-CN' | 'en'): string {
	const coupon = offer && offer.type !== 'none' ? (offer.code_mode === 'shared' && offer.shared_code ? offer.shared_code : 'AB3D5F7H9K') : '';
	return fillTemplate(text ?? '', { name, coupon, offer: describeOffer(offer, locale), valid_to: offer?.valid_to ?? '', unsubscribe_url: 'https://…/unsubscribe' });
}
