// Personal fields sealed on the device (issue 13, a lost phone): the device's RxDB storage keeps a
// customer's name, phones, e-mails, addresses, notes and field history, and a service record's text,
// only as AES-256-GCM ciphertext, so IndexedDB read directly (a lost or handed-on phone, a copied
// browser profile) shows none of them. The key is the device key (lock/device-key.ts), which the app
// lock's PIN protects.
//
// How: a wrapper around the storage (RxDB's wrapRxStorageInstance, the same hook its own encryption
// plugin uses, with WebCrypto rather than crypto-js: native, and nothing added to the first screen's
// script). A stored document keeps its id, revision, `_meta`, indexed and routing fields (owner,
// customer, follow_up, deleted, seq, tags...) in clear and carries the personal ones in one `_sealed`
// field; the id is the cipher's associated data, so a sealed value cannot be moved onto another record.
// RxDB above the wrapper sees whole documents. Queries run in the storage, on stored documents: no
// selector or sort may name a sealed field (the app filters those in memory, through the customer
// index); sealedQueryGuard refuses a query that does.
import type { RxPlugin, RxStorage, RxStorageInstance, RxStorageInstanceCreationParams } from 'rxdb';
import { getChangedDocumentsSince, getPrimaryFieldOfPrimaryKey, wrapRxStorageInstance } from 'rxdb';
import { aesOpen, aesSeal } from '../lock/aes';
import { syncedCollections } from '../sync/collections';

/** The personal fields per synced collection. Placeholders keep required, indexed fields present. */
export const SEALED_FIELDS: Readonly<Record<string, readonly string[]>> = {
	customers: ['name', 'phones', 'emails', 'addresses', 'gender', 'birthday', 'notes', 'history'],
	service_records: ['summary', 'outcome', 'history'],
	list_views: ['query']
};
const REPLICATION_META = 'RxReplicationProtocolMetaData';
const PLACEHOLDER: Readonly<Record<string, unknown>> = { name: '', summary: '' };

type Doc = Record<string, unknown> & { _sealed?: string };

/**
 * What was sealed or opened lately, so the cipher runs once per value: a write's change event is
 * opened from here; the replication's copy of a record pulled from the server reuses the ciphertext
 * just made for the record itself (same record, same values); a later write's `previous` (the stored
 * revision it replaces, compared by revision only) is not sealed again. The plain values held here
 * are the ones RxDB holds in its own document cache anyway. Bounded; the oldest entries go first.
 */
export class Recent {
	/** ciphertext → the plain fields. */
	readonly opened: Generations<Record<string, unknown>>;
	/** record id and plain fields → ciphertext. */
	readonly sealed: Generations<string>;
	constructor(max = 10_000) {
		this.opened = new Generations(max);
		this.sealed = new Generations(max);
	}
}

/**
 * A bounded map: two generations, the older dropped whole when the newer is full. Constant time
 * (deleting single entries from a large Map and finding its oldest key grows with what was deleted).
 */
export class Generations<V> {
	#young = new Map<string, V>();
	#old = new Map<string, V>();
	constructor(private readonly max: number) {}
	get(key: string): V | undefined {
		return this.#young.get(key) ?? this.#old.get(key);
	}
	set(key: string, value: V): void {
		if (this.#young.size >= this.max / 2) {
			this.#old = this.#young;
			this.#young = new Map();
		}
		this.#young.set(key, value);
	}
}

/** One storage instance's revisions lately sealed or read: `id|rev` → the stored document. */
type Revisions = Generations<Doc>;

/** Where a stored document keeps its personal fields: the document itself, or (the replication's metadata) its `docData`. */
interface Layout {
	fields: readonly string[];
	primary: string;
	/** The replication's metadata: the record is `docData`, whose own id is the cipher's associated data. */
	nested?: 'docData';
}

/** The record that holds the personal fields, and the id its cipher is bound to. */
function recordOf(doc: Doc, layout: Layout): { record: Doc | undefined; aad: string } {
	const record = layout.nested ? (doc[layout.nested] as Doc | undefined) : doc;
	return { record, aad: String(layout.nested ? record?.id : doc[layout.primary]) };
}

/** The stored form of `doc`: its personal fields moved into `_sealed` (iv ‖ ciphertext, base64). */
export async function sealDoc(doc: Doc, layout: Layout, key: CryptoKey, recent?: Recent, revs?: Revisions): Promise<Doc> {
	const rev = revs && typeof doc._rev === 'string' ? `${String(doc[layout.primary])}|${doc._rev}` : '';
	const known = rev ? revs!.get(rev) : undefined;
	if (known) return known;
	const { record, aad } = recordOf(doc, layout);
	if (!record || typeof record !== 'object') return doc;
	// Never `delete` from, nor add key by key to, a large object: V8 turns it into a slow dictionary
	// (about 0.8 KB more each: 70 MB more heap for 50,000 customers, and slower reads). Object.fromEntries
	// and spreads make fast objects.
	const secret: Record<string, unknown> = {};
	const kept: [string, unknown][] = [];
	let any = false;
	for (const k in record) {
		if (k === '_sealed') continue;
		if (layout.fields.includes(k)) {
			secret[k] = record[k];
			any = true;
			if (k in PLACEHOLDER) kept.push([k, PLACEHOLDER[k]]);
		} else kept.push([k, record[k]]);
	}
	const out: Doc = Object.fromEntries(kept);
	if (any) {
		const text = JSON.stringify(secret);
		const memo = recent ? `${aad}\u0000${text}` : '';
		let sealed = memo ? recent!.sealed.get(memo) : undefined;
		if (!sealed) {
			sealed = await aesSeal(key, text, aad);
			if (recent) {
				recent.sealed.set(memo, sealed);
				recent.opened.set(sealed, secret);
			}
		}
		out._sealed = sealed;
	}
	const stored = layout.nested ? { ...doc, [layout.nested]: out } : out;
	if (rev) revs!.set(rev, stored);
	return stored;
}

/** The document as RxDB knows it. A document stored before sealing existed is returned as it is. */
export async function openDoc(doc: Doc, layout: Layout, key: CryptoKey, recent?: Recent, revs?: Revisions): Promise<Doc> {
	const { record, aad } = recordOf(doc, layout);
	if (!record || typeof record._sealed !== 'string') return doc;
	if (revs && typeof doc._rev === 'string') revs.set(`${String(doc[layout.primary])}|${doc._rev}`, doc);
	let secret = recent?.opened.get(record._sealed);
	if (!secret) {
		let plain: string;
		try {
			plain = await aesOpen(key, record._sealed, aad);
		} catch {
			throw new Error(`The device's local data for ${aad} cannot be opened with this device's key.`);
		}
		secret = JSON.parse(plain) as Record<string, unknown>;
		recent?.opened.set(record._sealed, secret);
	}
	// Spreads, not `delete` nor keys added one by one (see sealDoc): RxDB's records stay fast objects.
	const { _sealed: _, ...clear } = record;
	const out: Doc = { ...clear, ...secret };
	return layout.nested ? { ...doc, [layout.nested]: out } : out;
}

/** Whether a stored document still holds a personal field in clear (stored before sealing existed). */
function unsealed(doc: Doc, layout: Layout): boolean {
	const { record } = recordOf(doc, layout);
	return !!record && typeof record._sealed !== 'string' && layout.fields.some((f) => f in record && !(f in PLACEHOLDER && record[f] === PLACEHOLDER[f]));
}

/**
 * Seals, in place, every document a device stored before sealing existed: read in pages from the
 * storage's change index and written back with the same revision and `_meta`, so nothing is uploaded
 * again and the replication's checkpoints stay valid. Runs before RxDB uses the collection.
 */
async function sealStored(raw: RxStorageInstance<any, any, any>, layout: Layout, key: CryptoKey): Promise<number> {
	let checkpoint: unknown = undefined;
	let sealed = 0;
	for (;;) {
		const page = await getChangedDocumentsSince(raw, 500, checkpoint as never);
		if (!page.documents.length) return sealed;
		const rows = [];
		for (const d of page.documents as Doc[]) if (unsealed(d, layout)) rows.push({ previous: d, document: await sealDoc(d, layout, key) });
		if (rows.length) {
			const res = await raw.bulkWrite(rows as never, 'crm-seal-stored');
			sealed += rows.length - res.error.length;
		}
		checkpoint = page.checkpoint;
	}
}

/** The fields of a schema's records, without RxDB's own (`_rev`, `_meta`...), as one text. */
const signature = (properties: object) =>
	Object.keys(properties)
		.filter((k) => !k.startsWith('_'))
		.sort()
		.join(',');

/**
 * The ids of a collection's live records, read from the storage under the seal: nothing is opened (a
 * check of every id against the server must not queue thousands of cipher calls ahead of an edit).
 */
export async function storedIds(collection: { storageInstance: unknown; schema: { primaryPath: string } }): Promise<string[]> {
	let inst = collection.storageInstance as { originalStorageInstance?: unknown };
	while (inst.originalStorageInstance) inst = inst.originalStorageInstance as typeof inst;
	const primary = collection.schema.primaryPath;
	const ids: string[] = [];
	let checkpoint: unknown = undefined;
	for (;;) {
		const page = await getChangedDocumentsSince(inst as RxStorageInstance<any, any, any>, 5000, checkpoint as never);
		if (!page.documents.length) return ids;
		for (const d of page.documents as Doc[]) if (!d._deleted) ids.push(String(d[primary]));
		checkpoint = page.checkpoint;
	}
}

/** Throws when a query's selector or sort names a sealed field. */
export function assertNoSealedField(query: { selector?: unknown; sort?: unknown }, fields: readonly string[], collection: string): void {
	const named = new Set<string>();
	const walk = (sel: unknown): void => {
		if (Array.isArray(sel)) return sel.forEach(walk);
		if (!sel || typeof sel !== 'object') return;
		for (const [k, v] of Object.entries(sel)) {
			if (k.startsWith('$')) walk(v);
			else named.add(k.split('.')[0]);
		}
	};
	walk(query.selector);
	for (const part of (query.sort as Record<string, unknown>[] | undefined) ?? []) for (const k of Object.keys(part)) named.add(k.split('.')[0]);
	const bad = fields.filter((f) => named.has(f));
	if (bad.length) throw new Error(`A query on ${collection} names ${bad.join(', ')}, which the device keeps sealed: filter those in memory (the customer index) instead.`);
}

/**
 * An RxDB plugin that refuses, as the app writes them, queries whose selector or sort names a sealed
 * field, on every database (sealed or not, so unit tests on memory storage catch them too).
 */
export const sealedQueryGuard: RxPlugin = {
	name: 'crm-sealed-query-guard',
	rxdb: true,
	hooks: {
		preCreateRxQuery: {
			after: ({ queryObj, collection }: { queryObj: unknown; collection: { name: string } }) => {
				if (queryObj && typeof queryObj === 'object') assertNoSealedField(queryObj as { selector?: unknown; sort?: unknown }, SEALED_FIELDS[collection.name] ?? [], collection.name);
			}
		}
	}
};

/**
 * The storage with the personal fields of `fields`' collections sealed under `key`. Other collections
 * (figures, segments, campaigns, labels, consents' ledger) pass through unchanged.
 */
export function sealedStorage<I, S>(
	storage: RxStorage<I, S>,
	key: CryptoKey,
	fields: Readonly<Record<string, readonly string[]>> = SEALED_FIELDS,
	/** Each collection's schema properties: which collection a replication's metadata belongs to. */
	schemas: Readonly<Record<string, { properties: object }>> = Object.fromEntries(Object.entries(syncedCollections).map(([c, v]) => [c, v.schema]))
): RxStorage<I, S> {
	const recent = new Recent();
	const bySignature = new Map(Object.entries(schemas).map(([c, s]) => [signature(s.properties), c]));
	return {
		...storage,
		async createStorageInstance<R>(params: RxStorageInstanceCreationParams<R, S>) {
			const instance = await storage.createStorageInstance(params);
			const primary = getPrimaryFieldOfPrimaryKey(params.schema.primaryKey) as string;
			let layout: Layout | null = null;
			if (params.schema.title === REPLICATION_META) {
				// The replication's metadata holds the server's last known copy of each record (`docData`).
				const of = bySignature.get(signature((params.schema.properties as { docData?: { properties?: object } }).docData?.properties ?? {}));
				if (of && fields[of]?.length) layout = { fields: fields[of], primary, nested: 'docData' };
			} else if (!params.collectionName.startsWith('rx-') && fields[params.collectionName]?.length) {
				layout = { fields: fields[params.collectionName], primary };
			}
			// RxDB's other own stores (the database's internals) hold no personal data.
			if (!layout) return instance;
			const own = layout;
			// Once per database and collection (a device from before sealing); a database made since holds
			// no record in clear, so the mark may outlive a deleted database.
			const done = `crm:sealed:${params.databaseName}:${params.collectionName}`;
			const marks = typeof localStorage === 'undefined' ? null : localStorage;
			if (!marks?.getItem(done)) {
				await sealStored(instance, own, key);
				marks?.setItem(done, '1');
			}
			const revs: Revisions = new Generations(10_000);
			return wrapRxStorageInstance(
				params.schema,
				instance,
				(d: Doc) => sealDoc(d, own, key, recent, revs) as Promise<any>,
				(d: Doc) => openDoc(d, own, key, recent, revs) as Promise<any>
			) as unknown as RxStorageInstance<R, I, S>;
		}
	};
}
