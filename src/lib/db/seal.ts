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
// index); `database.spec.ts` fails when one does.
import type { RxPlugin, RxStorage, RxStorageInstance, RxStorageInstanceCreationParams } from 'rxdb';
import { getChangedDocumentsSince, wrapRxStorageInstance } from 'rxdb';
import { fromBase64, toBase64 } from '../lock/b64';

/** The personal fields per synced collection. Placeholders keep required, indexed fields present. */
export const SEALED_FIELDS: Readonly<Record<string, readonly string[]>> = {
	customers: ['name', 'phones', 'emails', 'addresses', 'gender', 'birthday', 'notes', 'history'],
	service_records: ['summary', 'outcome', 'history'],
	list_views: ['query']
};
const REPLICATION_META = 'RxReplicationProtocolMetaData';
const PLACEHOLDER: Readonly<Record<string, unknown>> = { name: '', summary: '' };

const te = new TextEncoder();
const td = new TextDecoder();

type Doc = Record<string, unknown> & { _sealed?: string };

/** The stored form of `doc`: its personal fields moved into `_sealed` (iv ‖ ciphertext, base64). */
export async function sealDoc(doc: Doc, fields: readonly string[], key: CryptoKey, primary: string): Promise<Doc> {
	const secret: Record<string, unknown> = {};
	const out: Doc = { ...doc };
	for (const f of fields) {
		if (!(f in out)) continue;
		secret[f] = out[f];
		if (f in PLACEHOLDER) out[f] = PLACEHOLDER[f];
		else delete out[f];
	}
	delete out._sealed;
	if (!Object.keys(secret).length) return out;
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: te.encode(String(doc[primary])) }, key, te.encode(JSON.stringify(secret))));
	const both = new Uint8Array(12 + ct.length);
	both.set(iv);
	both.set(ct, 12);
	out._sealed = toBase64(both);
	return out;
}

/** The document as RxDB knows it. A document stored before sealing existed is returned as it is. */
export async function openDoc(doc: Doc, key: CryptoKey, primary: string): Promise<Doc> {
	if (typeof doc._sealed !== 'string') return doc;
	const both = fromBase64(doc._sealed);
	let plain: ArrayBuffer;
	try {
		plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: both.subarray(0, 12), additionalData: te.encode(String(doc[primary])) }, key, both.subarray(12));
	} catch {
		throw new Error(`The device's local data for ${String(doc[primary])} cannot be opened with this device's key.`);
	}
	const out: Doc = { ...doc, ...JSON.parse(td.decode(plain)) };
	delete out._sealed;
	return out;
}

/** Whether a stored document still holds a personal field in clear (stored before sealing existed). */
function unsealed(doc: Doc, fields: readonly string[]): boolean {
	return typeof doc._sealed !== 'string' && fields.some((f) => f in doc && !(f in PLACEHOLDER && doc[f] === PLACEHOLDER[f]));
}

/**
 * Seals, in place, every document a device stored before sealing existed: read in pages from the
 * storage's change index and written back with the same revision and `_meta`, so nothing is uploaded
 * again and the replication's checkpoints stay valid. Runs before RxDB uses the collection.
 */
async function sealStored(raw: RxStorageInstance<any, any, any>, fields: readonly string[], key: CryptoKey, primary: string): Promise<number> {
	let checkpoint: unknown = undefined;
	let sealed = 0;
	for (;;) {
		const page = await getChangedDocumentsSince(raw, 500, checkpoint as never);
		if (!page.documents.length) return sealed;
		const rows = [];
		for (const d of page.documents as Doc[]) if (unsealed(d, fields)) rows.push({ previous: d, document: await sealDoc(d, fields, key, primary) });
		if (rows.length) {
			const res = await raw.bulkWrite(rows as never, 'crm-seal-stored');
			sealed += rows.length - res.error.length;
		}
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
export function sealedStorage<I, S>(storage: RxStorage<I, S>, key: CryptoKey, fields: Readonly<Record<string, readonly string[]>> = SEALED_FIELDS): RxStorage<I, S> {
	return {
		...storage,
		async createStorageInstance<R>(params: RxStorageInstanceCreationParams<R, S>) {
			const instance = await storage.createStorageInstance(params);
			// The replication's metadata holds the server's last known copy of each record (`docData`):
			// sealed whole. RxDB's other own stores (the database's internals) hold no personal data.
			const own = params.schema.title === REPLICATION_META ? ['docData'] : params.collectionName.startsWith('rx-') ? undefined : fields[params.collectionName];
			if (!own?.length) return instance;
			const primary = typeof params.schema.primaryKey === 'string' ? params.schema.primaryKey : (params.schema.primaryKey as { key: string }).key;
			await sealStored(instance, own, key, primary);
			const wrapped = wrapRxStorageInstance(
				params.schema,
				instance,
				(d: Doc) => sealDoc(d, own, key, primary) as Promise<any>,
				(d: Doc) => openDoc(d, key, primary) as Promise<any>
			) as unknown as RxStorageInstance<R, I, S>;
			// A query runs on stored documents, where sealed fields are ciphertext: a selector that names
			// them would silently find nothing, so it fails loudly instead. (Sorts are checked where the
			// app writes them, by sealedQueryGuard: RxDB itself sorts by an index's fields when a query
			// gives no order, and the placeholder '' of an indexed name makes that the id's order.)
			const query = wrapped.query.bind(wrapped);
			const count = wrapped.count.bind(wrapped);
			wrapped.query = (q) => (assertNoSealedField({ selector: q.query.selector }, own, params.collectionName), query(q));
			wrapped.count = (q) => (assertNoSealedField({ selector: q.query.selector }, own, params.collectionName), count(q));
			return wrapped;
		}
	};
}
