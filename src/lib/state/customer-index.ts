import type { CrmDatabase } from '$lib/db/database';
import type { CustomerDoc } from '$lib/db/schemas';
import type { CustomerSearchIndex } from '$lib/db/search-index';

/**
 * The device's one search index over its customers (pinyin included, a large module loaded on first
 * use), shared by the customer list and the global search, built once and then kept current change
 * by change for as long as the database is open.
 */
export interface SharedCustomerIndex {
	/** The index once built, else null. */
	readonly index: CustomerSearchIndex<CustomerDoc> | null;
	/** Builds the index if nobody has yet; resolves when it is ready. */
	load(): Promise<CustomerSearchIndex<CustomerDoc>>;
	/** Called after each batch of changes is applied (and once when the index is first built). */
	onChange(listener: () => void): () => void;
}

const shared = new WeakMap<CrmDatabase, SharedCustomerIndex>();

export function customerIndex(db: CrmDatabase): SharedCustomerIndex {
	let s = shared.get(db);
	if (!s) {
		s = create(db);
		shared.set(db, s);
	}
	return s;
}

function create(db: CrmDatabase): SharedCustomerIndex {
	let index: CustomerSearchIndex<CustomerDoc> | null = null;
	let loading: Promise<CustomerSearchIndex<CustomerDoc>> | null = null;
	const listeners = new Set<() => void>();
	const pending = new Map<string, CustomerDoc | null>();
	let scheduled = false;
	const frame = globalThis.requestAnimationFrame ?? ((cb: () => void) => setTimeout(cb, 16));
	// Changes arriving in bursts (a sync pull) are applied once per frame.
	const flush = () => {
		scheduled = false;
		if (!index) return;
		for (const [id, doc] of pending) {
			if (doc) index.upsert(doc);
			else index.remove(id);
		}
		pending.clear();
		for (const l of listeners) l();
	};
	const load = async () => {
		const { CustomerSearchIndex } = await import('$lib/db/search-index');
		const built = new CustomerSearchIndex<CustomerDoc>();
		db.customers.$.subscribe((ev) => {
			// DELETE: a local purge of a record this user lost (soft deletion is the `deleted` field).
			pending.set(ev.documentId, ev.operation === 'DELETE' ? null : (ev.documentData as unknown as CustomerDoc));
			if (!scheduled && index) {
				scheduled = true;
				frame(flush);
			}
		});
		const docs = await db.customers.find().exec();
		built.build(docs.map((d) => d.toJSON() as CustomerDoc));
		index = built;
		flush();
		return built;
	};
	return {
		get index() {
			return index;
		},
		load() {
			loading ??= load();
			return loading;
		},
		onChange(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		}
	};
}
