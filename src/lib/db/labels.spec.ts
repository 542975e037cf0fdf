// The label helpers on a device database (RxDB, memory storage).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { getDatabase, removeDatabase, type CrmDatabase } from './database';
import { createLabel, LabelValidationError, removeLabel, sortLabels, updateLabel } from './labels';
import type { LabelDoc } from './schemas';

const storage = getRxStorageMemory();
const opts = { storage, multiInstance: false, device: 'labels-spec' };
let db: CrmDatabase;
const written: string[] = [];
const onWrite = (_c: 'labels', id: string) => void written.push(id);

beforeAll(async () => {
	db = await getDatabase('labelsspec00001', opts);
});
afterAll(async () => {
	await removeDatabase('labelsspec00001', opts);
});

/** The field errors a rejected write names, as field:code. */
async function refusal(write: Promise<unknown>): Promise<string[]> {
	const err = await write.then(
		() => null,
		(e) => e
	);
	expect(err).toBeInstanceOf(LabelValidationError);
	return (err as LabelValidationError).errors.map((e) => `${e.field}:${e.code}`);
}

describe('label helpers', () => {
	it('creates a label normalised, with field times, and reports the write', async () => {
		const doc = await createLabel(db, { kind: 'tag', name: ' 高价值 ', color: '#0F766E' }, onWrite);
		expect(doc).toMatchObject({ kind: 'tag', name: '高价值', color: '#0f766e', deleted: false, seq: 0 });
		expect(Object.keys(doc.field_times as object).sort()).toEqual(['color', 'kind', 'name']);
		expect(written).toContain(doc.id);
		expect((await db.labels.findOne(doc.id).exec())?.name).toBe('高价值');
	});

	it('refuses invalid input and a name its kind has already (latin letters without case), naming the field', async () => {
		expect(await refusal(createLabel(db, { kind: 'tag', name: 'a,b', color: 'teal' }, onWrite))).toEqual(['name:invalid_separator', 'color:invalid_color']);
		await createLabel(db, { kind: 'tag', name: 'VIP' }, onWrite);
		expect(await refusal(createLabel(db, { kind: 'tag', name: ' vip ' }, onWrite))).toEqual(['name:not_unique']);
		expect(await refusal(createLabel(db, { kind: 'tag', name: '高价值' }, onWrite))).toEqual(['name:not_unique']);
		// the same name as a category is another label
		await expect(createLabel(db, { kind: 'category', name: 'VIP' }, onWrite)).resolves.toMatchObject({ kind: 'category', name: 'VIP' });
	});

	it('renames and recolours, refusing a rename onto another label of the kind', async () => {
		const doc = await createLabel(db, { kind: 'tag', name: '团购' }, onWrite);
		expect(await refusal(updateLabel(db, doc.id, { name: 'vip' }, onWrite))).toEqual(['name:not_unique']);
		expect(await refusal(updateLabel(db, doc.id, { name: '' }, onWrite))).toEqual(['name:required']);
		const renamed = await updateLabel(db, doc.id, { name: '团购客户 ' }, onWrite);
		expect(renamed.name).toBe('团购客户');
		const recoloured = await updateLabel(db, doc.id, { color: '#B91C1C' }, onWrite);
		expect(recoloured).toMatchObject({ name: '团购客户', color: '#b91c1c' });
		expect((recoloured.field_times as Record<string, number>).color).toBeGreaterThanOrEqual((renamed.field_times as Record<string, number>).name);
	});

	it('removes softly; a removed name is free again, and bringing the old label back is then refused', async () => {
		const old = await createLabel(db, { kind: 'category', name: '企业客户' }, onWrite);
		const removed = await removeLabel(db, old.id, onWrite);
		expect(removed.deleted).toBe(true);
		await expect(createLabel(db, { kind: 'category', name: '企业客户' }, onWrite)).resolves.toMatchObject({ deleted: false });
		expect(await refusal(updateLabel(db, old.id, { deleted: false }, onWrite))).toEqual(['name:not_unique']);
	});

	it('orders labels by sort, then by name', () => {
		const l = (name: string, sort?: number) => ({ id: name, kind: 'tag', name, sort }) as LabelDoc;
		expect(sortLabels([l('b'), l('c', -1), l('a'), l('z', 2)]).map((x) => x.name)).toEqual(['c', 'a', 'b', 'z']);
	});
});
