import type { RxCollection } from 'rxdb';
import type { Subscription } from 'rxjs';
import { createSubscriber } from 'svelte/reactivity';
import type { CrmDatabase } from '$lib/db/database';
import { compileRule, type SegmentCustomer, type SegmentRule, type SegmentStats } from '$lib/shared/segments';

export interface PoolCustomer extends SegmentCustomer {
	id: string;
}

type Plain = Record<string, unknown> & { id: string; _deleted?: boolean; deleted?: boolean };

/** customer_stats, when this device's database has the collection (pulled from the server). */
function statsCollection(db: CrmDatabase): RxCollection | null {
	return (db.collections as Record<string, RxCollection | undefined>).customer_stats ?? null;
}

/**
 * Every live customer on the device as plain objects, with their statistics, for evaluating segment
 * rules fast (no RxDocuments in the loop). Loaded once while something reads it, then kept current
 * change by change; a burst of changes (a sync pull) is applied as one batch.
 */
export class CustomerPool {
	#customers = new Map<string, PoolCustomer>();
	#stats = new Map<string, SegmentStats>();
	#list: PoolCustomer[] = [];
	#version = $state(0);
	#ready = $state(false);
	#error = $state<string | null>(null);
	#subscribe: () => void;

	constructor(private db: CrmDatabase) {
		this.#subscribe = createSubscriber((update) => this.#open(update));
	}

	get ready(): boolean {
		this.#subscribe();
		return this.#ready;
	}

	/** Why the customers could not be read from the local database, if they could not. */
	get error(): string | null {
		this.#subscribe();
		return this.#error;
	}

	/** Grows with every applied batch of changes: read it to recompute after a change. */
	get version(): number {
		this.#subscribe();
		return this.#version;
	}

	get customers(): readonly PoolCustomer[] {
		this.#subscribe();
		void this.#version;
		return this.#list;
	}

	/** A customer's statistics, if the server computed any. */
	statsOf(id: string): SegmentStats | undefined {
		return this.#stats.get(id);
	}

	/** The ids of the live customers the rule matches at `now`. */
	matching(rule: SegmentRule, now = Date.now()): string[] {
		const out: string[] = [];
		const matches = compileRule(rule);
		for (const c of this.customers) if (matches(c, this.#stats.get(c.id) ?? null, now)) out.push(c.id);
		return out;
	}

	countMatching(rule: SegmentRule, now = Date.now()): number {
		let n = 0;
		const matches = compileRule(rule);
		for (const c of this.customers) if (matches(c, this.#stats.get(c.id) ?? null, now)) n++;
		return n;
	}

	/**
	 * The values a text or list field holds among the customers on the device, most used first (at
	 * most `limit`), so the segment builder offers them instead of asking for an exact spelling.
	 */
	distinct(field: 'region' | 'category' | 'source' | 'tags', limit = 50): string[] {
		const counts = new Map<string, number>();
		for (const c of this.customers) {
			const v = c[field];
			for (const x of Array.isArray(v) ? v : [v]) {
				const s = typeof x === 'string' ? x.trim() : '';
				if (s) counts.set(s, (counts.get(s) ?? 0) + 1);
			}
		}
		return [...counts]
			.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
			.slice(0, limit)
			.map(([v]) => v);
	}

	/** How many of these ids are live customers on this device (a static segment's members). */
	countPresent(ids: readonly string[]): number {
		void this.customers;
		let n = 0;
		for (const id of ids) if (this.#customers.has(id)) n++;
		return n;
	}

	#setCustomer(doc: Plain): void {
		if (doc._deleted || doc.deleted) this.#customers.delete(doc.id);
		else this.#customers.set(doc.id, doc as PoolCustomer);
	}

	#setStats(doc: Plain): void {
		const customer = typeof doc.customer === 'string' ? doc.customer : doc.id;
		if (doc._deleted || doc.deleted) this.#stats.delete(customer);
		else this.#stats.set(customer, doc as SegmentStats);
	}

	#open(update: () => void): () => void {
		const subs: Subscription[] = [];
		const pending: [set: (doc: Plain) => void, doc: Plain][] = [];
		let timer: ReturnType<typeof setTimeout> | null = null;
		let closed = false;
		const flush = () => {
			timer = null;
			for (const [set, doc] of pending) set(doc);
			pending.length = 0;
			this.#list = [...this.#customers.values()];
			this.#version++;
			update();
		};
		const queue = (set: (doc: Plain) => void, doc: Plain) => {
			pending.push([set, doc]);
			if (!timer && this.#ready) timer = setTimeout(flush, 30);
		};
		const setCustomer = (doc: Plain) => this.#setCustomer(doc);
		const setStats = (doc: Plain) => this.#setStats(doc);
		const stats = statsCollection(this.db);
		// Subscribed before the first read, so no change falls between the two; queued ones apply after it.
		subs.push(this.db.customers.$.subscribe((ev) => queue(setCustomer, ev.documentData as unknown as Plain)));
		if (stats) subs.push(stats.$.subscribe((ev) => queue(setStats, ev.documentData as unknown as Plain)));
		Promise.all([this.db.customers.find().exec(), stats ? stats.find().exec() : Promise.resolve([])])
			.then(([customers, figures]) => {
				if (closed) return;
				this.#customers.clear();
				this.#stats.clear();
				for (const d of customers) this.#setCustomer(d.toJSON() as unknown as Plain);
				for (const d of figures) this.#setStats(d.toJSON() as unknown as Plain);
				this.#ready = true;
				flush();
			})
			.catch((err: unknown) => {
				if (!closed) this.#error = err instanceof Error ? err.message : String(err);
			});
		return () => {
			closed = true;
			if (timer) clearTimeout(timer);
			subs.forEach((s) => s.unsubscribe());
			this.#ready = false;
		};
	}
}
