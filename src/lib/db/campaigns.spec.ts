// Campaign drafts on a device database (RxDB, memory storage): saved offline, duplicated, and a save
// that changes nothing owes nothing to the server (a bug: the sync indicator kept "1 change waiting").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { getDatabase, removeDatabase, type CrmDatabase } from './database';
import { CampaignValidationError, createCampaign, duplicateOf, newCampaignDraft, updateCampaign } from './campaigns';

const storage = getRxStorageMemory();
const opts = { storage, multiInstance: false, device: 'campaigns-spec' };
let db: CrmDatabase;
const written: string[] = [];
const onWrite = (_c: 'campaigns', id: string) => void written.push(id);

beforeAll(async () => {
	db = await getDatabase('campaignspec001', opts);
});
afterAll(async () => {
	await removeDatabase('campaignspec001', opts);
});

describe('campaign drafts', () => {
	it('a new draft has the defaults and is owed to the server', async () => {
		const c = await createCampaign(db, newCampaignDraft('ownerownerowner', '春季上新'), onWrite);
		expect(c).toMatchObject({ state: 'draft', kind: 'broadcast', audience: { holdout_pct: 10, frequency_cap_days: 7 }, schedule: { quiet_from: '21:00', quiet_to: '09:00' } });
		expect(written).toEqual([c.id]);
	});

	it('saving the same draft again writes nothing and owes nothing', async () => {
		const c = await createCampaign(db, newCampaignDraft('ownerownerowner', '重复保存'), onWrite);
		written.length = 0;
		await updateCampaign(db, c.id, { name: '重复保存', channels: [] }, onWrite);
		expect(written).toEqual([]);
		await updateCampaign(db, c.id, { name: '改了名' }, onWrite);
		expect(written).toEqual([c.id]);
	});

	it('refuses a bad draft naming the field, and keeps what was saved', async () => {
		const c = await createCampaign(db, newCampaignDraft('ownerownerowner', '券'), onWrite);
		const err = await updateCampaign(db, c.id, { offer: { type: 'percent', value: 150 } }, onWrite).catch((e) => e);
		expect(err).toBeInstanceOf(CampaignValidationError);
		expect(err.errors[0]).toMatchObject({ field: 'offer.value', code: 'out_of_range' });
		expect((await db.campaigns.findOne(c.id).exec())?.offer).toEqual({ type: 'none' });
	});

	it('a duplicate is a new draft without the send time or a shared code', async () => {
		const c = await createCampaign(
			db,
			{ ...newCampaignDraft('ownerownerowner', '双十二'), schedule: { send_at: '2026-12-12T10:00:00+08:00' }, offer: { type: 'fixed', value: 10, code_mode: 'shared', shared_code: 'DEC-12' } },
			onWrite
		);
		const copy = duplicateOf(c, 'anotherownerabc', '（副本）');
		expect(copy).toMatchObject({ name: '双十二（副本）', state: 'draft', owner: 'anotherownerabc', schedule: { send_at: '' }, offer: { shared_code: '' } });
	});
});
