import type { CrmDatabase } from './database';
import type { CampaignDoc } from './schemas';
import { createRecord, RecordValidationError, updateRecord, type OnWrite as BaseOnWrite, type RecordSpec } from './synced-record';
import { CAMPAIGN_MERGE_FIELDS, DEFAULT_QUIET, normalizeCampaign, validateCampaign } from '../shared/campaigns';

export type CampaignInput = Partial<Omit<CampaignDoc, 'id' | 'seq' | 'created' | 'updated' | 'history' | 'field_times'>>;
export { RecordValidationError as CampaignValidationError };

type OnWrite = BaseOnWrite<'campaigns'>;

const spec: RecordSpec<CampaignDoc, 'campaigns'> = {
	collection: 'campaigns',
	mergeFields: CAMPAIGN_MERGE_FIELDS,
	validate: (d) => validateCampaign(d),
	normalize: (d) => normalizeCampaign(d),
	defaults: { name: '', kind: 'broadcast', state: 'draft' }
};

/** A new draft with the defaults a manager starts from (10% holdout, quiet hours 21:00-09:00). */
export function newCampaignDraft(owner: string, name: string): CampaignInput {
	return {
		name,
		kind: 'broadcast',
		state: 'draft',
		owner,
		channels: [],
		audience: { segment: '', exclude: [], frequency_cap_days: 7, holdout_pct: 10 },
		offer: { type: 'none' },
		content: {},
		schedule: { send_at: '', quiet_from: DEFAULT_QUIET.from, quiet_to: DEFAULT_QUIET.to },
		attribution_days: 7,
		archived: false
	};
}

/** Saves a new campaign draft on the device (offline too); sync uploads it. */
export function createCampaign(db: CrmDatabase, input: CampaignInput, onWrite: OnWrite): Promise<CampaignDoc> {
	return createRecord(db, spec, input as Record<string, unknown>, onWrite);
}

/** Applies a patch to a local campaign (a draft's content, or archived, cost and notes of any). */
export function updateCampaign(db: CrmDatabase, id: string, patch: CampaignInput, onWrite: OnWrite): Promise<CampaignDoc> {
	return updateRecord(db, spec, id, patch as Record<string, unknown>, onWrite);
}

/** A copy to edit and send again: the editable fields, as a new draft. */
export function duplicateOf(c: CampaignDoc, owner: string, suffix: string): CampaignInput {
	const copy = JSON.parse(
		JSON.stringify({
			kind: c.kind,
			trigger: c.trigger,
			audience: c.audience,
			offer: c.offer,
			channels: c.channels,
			content: c.content,
			schedule: c.schedule,
			attribution_days: c.attribution_days,
			cost: 0,
			notes: c.notes
		})
	);
	if (copy.schedule) copy.schedule.send_at = '';
	if (copy.offer?.code_mode === 'shared') copy.offer.shared_code = '';
	return { ...copy, name: `${c.name}${suffix}`.slice(0, 100), state: 'draft', owner, archived: false };
}
