// Personal fields sealed in the device's storage (issue 13, a lost phone): what RxDB writes is read
// back whole, while the storage itself holds none of the personal values; a device's older plain
// records are sealed when the database opens; a query naming a sealed field fails loudly; another key
// or a value moved onto another record does not open.
import { describe, expect, it } from 'vitest';
import { createRxDatabase, getChangedDocumentsSince } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getDatabase, removeDatabase } from './database';
import { assertNoSealedField, Generations, openDoc, sealDoc, sealedStorage, SEALED_FIELDS, storedIds } from './seal';
import { syncedCollections } from '../sync/collections';
import { customerSchema } from './schemas';

const newKey = () => crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);

const NAME = '封存测试王小明';
const PHONE = '+8613912345678';
const NOTE = '住在幸福路 88 号';

/** Every stored document of a collection as the storage under RxDB holds it, as one text. */
async function stored(collection: { storageInstance: unknown }): Promise<string> {
	const raw = (collection.storageInstance as { originalStorageInstance?: unknown }).originalStorageInstance ?? collection.storageInstance;
	// The storage under the seal (RxDB's own wrappers may sit above it): its documents as stored.
	let inner = raw as { originalStorageInstance?: unknown };
	while (inner.originalStorageInstance) inner = inner.originalStorageInstance as typeof inner;
	return JSON.stringify((await getChangedDocumentsSince(inner as never, 10_000)).documents);
}

describe('sealed storage', () => {
	it('reads back what it writes, and stores no personal value in clear', async () => {
		const storage = sealedStorage(getRxStorageMemory(), await newKey());
		const db = await getDatabase('sealspec0000001', { storage, multiInstance: false, device: 'a', collections: ['customers', 'service_records'] });
		await db.customers.insert({
			id: 'cust00000000001',
			name: NAME,
			phones: [PHONE],
			emails: ['wang@example.com'],
			notes: NOTE,
			owner: 'staff0000000001',
			tags: ['VIP'],
			history: [{ field: 'notes', from: '旧地址 12 号', at: 1 }]
		});
		await db.service_records.insert({
			id: 'serv00000000001',
			customer: 'cust00000000001',
			staff: 'staff0000000001',
			kind: 'visit',
			summary: `拜访${NAME}`,
			outcome: '下周回访',
			at: '2026-12-01T10:00:00Z',
			follow_up: '2026-12-08'
		});
		const c = (await db.customers.findOne('cust00000000001').exec())!.toJSON();
		expect(c).toMatchObject({ name: NAME, phones: [PHONE], notes: NOTE, tags: ['VIP'] });
		expect((await db.service_records.findOne('serv00000000001').exec())!.summary).toBe(`拜访${NAME}`);

		const text = (await stored(db.customers)) + (await stored(db.service_records));
		for (const secret of [NAME, PHONE, '13912345678', 'wang@example.com', NOTE, '旧地址', '下周回访']) {
			expect(text).not.toContain(secret);
			expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
		}
		// The fields RxDB and the sync route by stay in clear.
		expect(text).toContain('staff0000000001');
		expect(text).toContain('2026-12-08');
		expect(text).toContain('VIP');

		// Queries on clear fields work; one naming a sealed field fails instead of finding nothing.
		expect((await db.service_records.find({ selector: { follow_up: { $lte: '2026-12-08' } } }).exec()).length).toBe(1);
		expect(() => db.customers.find({ selector: { name: NAME } })).toThrow(/sealed/);
		expect(() => db.customers.find({ sort: [{ name: 'asc' }] })).toThrow(/sealed/);
		expect(() => db.customers.find({ selector: { $or: [{ phones: { $in: [PHONE] } }] } })).toThrow(/phones/);
		expect(() => db.service_records.count({ selector: { summary: { $regex: '拜访' } } })).toThrow(/summary/);
		// A query with no order is ordered by RxDB along an index (here the placeholder name): allowed.
		expect((await db.customers.find({ selector: { deleted: { $ne: true } }, limit: 5 }).exec()).map((d) => d.name)).toEqual([NAME]);

		// The ids, read without opening anything (a removed record is left out).
		await db.customers.insert({ id: 'cust00000000009', name: 'x' });
		await (await db.customers.findOne('cust00000000009').exec())!.remove();
		expect(await storedIds(db.customers)).toEqual(['cust00000000001']);

		// An update is sealed too, and change events carry the opened document.
		const seen: string[] = [];
		const sub = db.customers.$.subscribe((ev) => seen.push((ev.documentData as { name: string }).name));
		await db.customers
			.findOne('cust00000000001')
			.exec()
			.then((d) => d!.incrementalPatch({ name: `${NAME}二` }));
		sub.unsubscribe();
		expect(seen).toContain(`${NAME}二`);
		expect(await stored(db.customers)).not.toContain(NAME);
		await removeDatabase('sealspec0000001', { storage, multiInstance: false, device: 'a' });
	});

	it('seals the replication’s copy of each record pulled from the server', async () => {
		const storage = sealedStorage(getRxStorageMemory(), await newKey());
		const db = await getDatabase('sealspec0000003', { storage, multiInstance: false, device: 'c', collections: ['customers'] });
		const server = { id: 'cust00000000005', name: NAME, phones: [PHONE], notes: NOTE, owner: 'staff0000000001', _deleted: false };
		let pulled = false;
		const rep = replicateRxCollection({
			collection: db.customers,
			replicationIdentifier: 'seal-spec',
			live: false,
			push: { handler: async () => [] },
			pull: {
				handler: async () => {
					if (pulled) return { documents: [], checkpoint: { n: 1 } };
					pulled = true;
					return { documents: [server as never], checkpoint: { n: 1 } };
				}
			}
		});
		await rep.awaitInitialReplication();
		expect((await db.customers.findOne('cust00000000005').exec())!.notes).toBe(NOTE);
		const meta = (rep as unknown as { metaInstance: { originalStorageInstance?: unknown } }).metaInstance;
		const text = await stored({ storageInstance: meta });
		expect(text).toContain('cust00000000005');
		expect(text).toContain('_sealed');
		for (const secret of [NAME, PHONE, NOTE]) expect(text).not.toContain(secret);
		await rep.cancel();
		await removeDatabase('sealspec0000003', { storage, multiInstance: false, device: 'c' });
	});

	it('seals the records a device stored in clear before, keeping their revisions', async () => {
		const memory = getRxStorageMemory();
		const plain = await createRxDatabase({ name: 'crm_sealspec0000002_b', storage: memory, multiInstance: false });
		await plain.addCollections({ customers: { schema: customerSchema } });
		await plain.customers.insert({ id: 'cust00000000002', name: NAME, phones: [PHONE], notes: NOTE });
		const rev = (await plain.customers.findOne('cust00000000002').exec())!.toJSON(true)._rev;
		expect(await stored(plain.customers)).toContain(NAME);
		await plain.close();

		const storage = sealedStorage(memory, await newKey());
		const db = await getDatabase('sealspec0000002', { storage, multiInstance: false, device: 'b', collections: ['customers'] });
		const doc = (await db.customers.findOne('cust00000000002').exec())!;
		expect(doc.toJSON(true)).toMatchObject({ name: NAME, phones: [PHONE], notes: NOTE, _rev: rev });
		expect(await stored(db.customers)).not.toContain(NAME);
		expect(await stored(db.customers)).not.toContain('13912345678');
		await removeDatabase('sealspec0000002', { storage, multiInstance: false, device: 'b' });
	});

	it('does not open with another key, nor a sealed value moved onto another record', async () => {
		const key = await newKey();
		const doc = { id: 'cust00000000003', name: NAME, phones: [PHONE], owner: 'x' };
		const layout = { fields: SEALED_FIELDS.customers, primary: 'id' };
		const sealed = await sealDoc(doc, layout, key);
		expect(sealed).toMatchObject({ id: 'cust00000000003', name: '', owner: 'x' });
		expect(sealed.phones).toBeUndefined();
		expect(await openDoc(sealed, layout, key)).toEqual(doc);
		await expect(openDoc(sealed, layout, await newKey())).rejects.toThrow(/cannot be opened/);
		await expect(openDoc({ ...sealed, id: 'cust00000000004' }, layout, key)).rejects.toThrow(/cannot be opened/);
		// A document without personal fields is stored as it is.
		expect(await sealDoc({ id: 'view', owner: 'x' }, { fields: SEALED_FIELDS.list_views, primary: 'id' }, key)).toEqual({ id: 'view', owner: 'x' });
	});

	it('names a sealed field however deep the selector puts it', () => {
		const f = SEALED_FIELDS.customers;
		expect(() => assertNoSealedField({ selector: { deleted: { $ne: true }, owner: 'x' }, sort: [{ id: 'asc' }] }, f, 'customers')).not.toThrow();
		expect(() => assertNoSealedField({ selector: { $and: [{ $or: [{ 'addresses.city': 'x' }] }] } }, f, 'customers')).toThrow(/addresses/);
		expect(() => assertNoSealedField({ selector: {}, sort: [{ notes: 'desc' }] }, f, 'customers')).toThrow(/notes/);
	});

	it('every sealed field is in its collection’s schema, and none is the primary key', () => {
		for (const [c, fields] of Object.entries(SEALED_FIELDS)) {
			const s = (syncedCollections as Record<string, { schema: { properties: object; primaryKey: unknown } }>)[c]?.schema;
			expect(s, c).toBeDefined();
			for (const f of fields) {
				expect(Object.keys(s.properties)).toContain(f);
				expect(s.primaryKey).not.toBe(f);
			}
		}
		// customers.name stays indexed in the schema (so devices need no migration) and is stored as '':
		// the index is never used (a query on it fails, above).
		expect(customerSchema.indexes).toEqual(['name']);
	});

	it('keeps at most its bound of recent values, the newest always', () => {
		const g = new Generations<number>(10);
		for (let i = 0; i < 100; i++) g.set(`k${i}`, i);
		expect(g.get('k99')).toBe(99);
		expect(g.get('k90')).toBe(90);
		expect(g.get('k80')).toBeUndefined();
		expect(g.get('k0')).toBeUndefined();
	});
});
