import type { Subscription } from 'rxjs';
import { createSubscriber } from 'svelte/reactivity';
import type { CrmDatabase } from '$lib/db/database';
import type { CustomerDoc } from '$lib/db/schemas';
import type { CustomerSearchIndex } from '$lib/db/search-index';
import { customerIndex } from './customer-index';
import { activeFilterCount, applyFilters, filterOptions, NO_FILTERS, sortCustomers, type CustomerFilters, type CustomerSort, type StatsLike } from '$lib/db/customer-filters';

const PREVIEW = 60;
const collator = new Intl.Collator('zh-CN');
/**
 * The ids of the list's first screen, kept from the last full index: names are sealed in storage
 * (db/seal.ts), so the database cannot sort by them; the preview reads these records and sorts them.
 */
const headKey = (db: CrmDatabase) => `crm:listhead:${db.name}`;
function readHead(db: CrmDatabase): string[] | null {
	try {
		const ids = JSON.parse(localStorage.getItem(headKey(db)) ?? 'null');
		return Array.isArray(ids) && ids.every((x) => typeof x === 'string') ? ids : null;
	} catch {
		return null;
	}
}
function saveHead(db: CrmDatabase, docs: CustomerDoc[]): void {
	try {
		const ids = JSON.stringify(docs.slice(0, PREVIEW).map((d) => d.id));
		if (localStorage.getItem(headKey(db)) !== ids) localStorage.setItem(headKey(db), ids);
	} catch {
		/* no storage: the next start's preview is any PREVIEW customers */
	}
}

/**
 * The customer list with search as you type. The first screen shows a preview straight from the
 * database; the search index (pinyin included, a large module) loads once the screen is up, and is
 * then kept current change by change instead of being rebuilt from every document.
 */
export class CustomerListState {
	query = $state('');
	filters = $state<CustomerFilters>({ ...NO_FILTERS });
	sort = $state<CustomerSort>('name');
	#stats = new Map<string, StatsLike>();
	#index: CustomerSearchIndex<CustomerDoc> | null = null;
	#preview = $state<CustomerDoc[] | null>(null);
	#version = $state(0);
	#subscribe: () => void;
	/** The whole list in name order, kept per index version: clearing the search must not allocate 50,000 entries each time. */
	#everyone: { version: number; docs: CustomerDoc[] } | null = null;
	#loadNow: (() => void) | null = null;
	/** Each customer's latest service record (ms), read only once the list is ordered by last contact. */
	#lastContact = new Map<string, number>();
	#contactSub: Subscription | null = null;
	/** The chosen segment's membership test (worked out on the device), once loaded. */
	#segment: { id: string; has: (c: CustomerDoc) => boolean } | null = null;
	#segmentLoading = '';

	constructor(
		private db: CrmDatabase,
		private userId: string
	) {
		this.#subscribe = createSubscriber((update) => this.#open(update));
	}

	get ready(): boolean {
		this.#subscribe();
		return this.#index !== null && this.#version > 0;
	}

	/** Whether the list shows less than everything because of a search, a filter or an order. */
	get narrowed(): boolean {
		return !!this.query || activeFilterCount(this.filters) > 0 || this.sort !== 'name';
	}

	/** The matching customers, best matches first, then in the chosen order (name: pinyin order). */
	get results(): CustomerDoc[] | null {
		this.#subscribe();
		void this.#version;
		if (!this.#index) return this.#preview && (this.narrowed ? [] : this.#preview);
		if (!this.narrowed) {
			if (this.#everyone?.version !== this.#version) this.#everyone = { version: this.#version, docs: this.#index.searchDocs('') };
			return this.#everyone.docs;
		}
		if (this.sort === 'contact') this.#watchContacts();
		const seg = this.filters.segment;
		if (seg && this.#segment?.id !== seg) this.#loadSegment(seg);
		const inSegment = seg && this.#segment?.id === seg ? this.#segment.has : null;
		const found = applyFilters(this.#index.searchDocs(this.query), this.filters, this.#stats, this.userId, Date.now(), inSegment);
		return sortCustomers(found, this.sort, this.#stats, this.#lastContact);
	}

	/** The tags, categories and regions in use, for the filter menus. */
	get options(): ReturnType<typeof filterOptions> {
		this.#subscribe();
		void this.#version;
		return filterOptions(this.#index ? this.#index.searchDocs('') : (this.#preview ?? []));
	}

	/** The user is about to search: load the index now rather than when the device is idle. */
	prepareSearch(): void {
		this.#loadNow?.();
	}

	/** How many customers the list holds in all (without the search), or null while not known yet. */
	get total(): number | null {
		this.#subscribe();
		void this.#version;
		if (this.#index) return this.#index.size;
		if (this.#preview && this.#preview.length < PREVIEW) return this.#preview.length;
		return null;
	}

	#loadSegment(id: string): void {
		if (this.#segmentLoading === id) return;
		this.#segmentLoading = id;
		void import('$lib/db/segment-members').then(async ({ segmentMembership }) => {
			const m = await segmentMembership(this.db, id);
			if (this.#segmentLoading !== id) return;
			this.#segmentLoading = '';
			this.#segment = { id, has: m?.has ?? (() => false) };
			this.#version++;
		});
	}

	#watchContacts(): void {
		if (this.#contactSub) return;
		this.#contactSub = this.db.service_records.find({ selector: { deleted: { $ne: true } } }).$.subscribe((docs) => {
			const last = new Map<string, number>();
			for (const d of docs) {
				const at = Date.parse(d.at);
				if (at > (last.get(d.customer) ?? -1)) last.set(d.customer, at);
			}
			this.#lastContact = last;
			// Never while the list is being read (a cached query answers at once).
			queueMicrotask(() => this.#version++);
		});
	}

	#open(update: () => void): () => void {
		const subs: Subscription[] = [];
		let closed = false;
		const live = { deleted: { $ne: true } };
		const head = typeof localStorage === 'undefined' ? null : readHead(this.db);
		subs.push(
			(head ? this.db.customers.find({ selector: { ...live, id: { $in: head } } }) : this.db.customers.find({ selector: live, limit: PREVIEW })).$.subscribe((docs) => {
				this.#preview = docs.map((d) => d.toJSON() as CustomerDoc).sort((a, b) => collator.compare(a.name, b.name));
				update();
			}),
			this.db.customer_stats.find().$.subscribe((docs) => {
				this.#stats = new Map(docs.map((d) => [d.customer, d.toJSON() as StatsLike]));
				this.#version++;
				update();
			})
		);
		const shared = customerIndex(this.db);
		const offs: (() => void)[] = [];
		const load = async () => {
			const off = shared.onChange(() => {
				this.#index = shared.index;
				this.#version++;
				update();
			});
			offs.push(off);
			const index = await shared.load();
			if (closed) return;
			if (typeof localStorage !== 'undefined') saveHead(this.db, index.searchDocs(''));
			this.#index = index;
			this.#version++;
			update();
		};
		let started = false;
		const start = () => {
			if (started) return;
			started = true;
			void load();
		};
		this.#loadNow = start;
		// Not on the first screen's critical path: a while after it, when the device is idle.
		const idle = globalThis.requestIdleCallback ?? ((cb: () => void) => setTimeout(cb, 0));
		// Built already (by the global search, or an earlier visit): at once.
		const timer = setTimeout(() => idle(start), shared.index ? 0 : 1500);
		return () => {
			closed = true;
			this.#loadNow = null;
			clearTimeout(timer);
			subs.forEach((s) => s.unsubscribe());
			offs.forEach((off) => off());
			this.#contactSub?.unsubscribe();
			this.#contactSub = null;
		};
	}
}
