import { pinyin } from 'pinyin-pro';
import type { CustomerDoc } from './schemas';

/**
 * An in-memory search index over the customers on the device, for search as you type over tens of
 * thousands of customers.
 *
 * Everything expensive (pinyin, phone normalisation, lowercasing, the name order) is computed once per
 * customer in `build` / `upsert`. Entries are kept in name order (`Intl.Collator('zh-CN')`, the same
 * order as `byName`) in chunks of about a thousand, whose haystacks are concatenated into one string
 * for text and one for phones. A search is, per chunk, a few `indexOf` runs from hit to hit over
 * contiguous memory, a tier per entry in a reused byte array, and one pass collecting ids into three
 * tiers (exact, prefix, elsewhere): no sorting, no pinyin, no allocation per entry.
 *
 * Use on a page: keep one `new CustomerSearchIndex<CustomerDoc>()`, call `build(docs)` with each
 * list the database emits (unchanged customers are not indexed again) or `upsert` / `remove` per
 * change, and show `searchDocs(query, limit)`: the matching documents, best matches first.
 */

/** The fields the index reads. Documents marked `deleted` are not indexed. */
export type SearchableCustomer = Pick<CustomerDoc, 'id' | 'name' | 'phones' | 'emails' | 'external_id' | 'deleted'>;

/**
 * One indexed customer. `text` and `phones` are haystacks: their parts are separated, and enclosed, by
 * `SEP`, a character a query never contains, so a match never spans two parts and `SEP + q` is a
 * prefix match of a part, `SEP + q + SEP` an exact match of a part.
 */
export interface SearchEntry {
	id: string;
	/** The name as given, for the order. */
	name: string;
	/** Lowercase: the name without spaces, its pinyin (full, initials, variants), emails, the shop id. */
	text: string;
	/** The digits of every phone number, without the +86 country code; '' when there are none. */
	phones: string;
}

/** Separates the parts of a haystack; stripped from names, emails, ids and queries. */
export const SEP = '\u0001';

/** Phone search needs at least this many digits, so "13" does not match every mobile number. */
export const MIN_PHONE_DIGITS = 3;

// eslint-disable-next-line no-control-regex -- control characters are what it removes
const CONTROL = /[\u0000-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex -- control characters count as spaces
const SPACE = /[\s\u0000-\u001f\u007f]+/g;
const HAN = /\p{Script=Han}/u;
const HAN_RUNS = /\p{Script=Han}+|[^\p{Script=Han}]+/gu;
const PHONE_LIKE = /^[\d\s+\-()]+$/;

/** Lowercase, full-width forms folded (NFKC), without spaces and control characters. */
function fold(s: string): string {
	return s.normalize('NFKC').toLowerCase().replace(SPACE, '');
}

/**
 * The pinyin parts of a name that contains Chinese characters, e.g. 张伟 → ["zhangwei", "zw"].
 * The first character is read as a surname (单 shan, 曾 zeng, 解 xie); when that differs from its
 * ordinary reading, the ordinary reading is added too ("danyutong", "dyt"), since people type either.
 * ü is spelled v, as pinyin keyboards do ("lvqiang"), with a u variant ("luqiang").
 * Latin parts of a mixed name are kept as they are ("Anna 李" → "annali", initials "al").
 */
export function namePinyin(name: string): string[] {
	if (!HAN.test(name)) return [];
	let full = '';
	let fullU = '';
	let initials = '';
	let alt: string | null = null;
	let altInitials = '';
	let first = true;
	for (const m of name.normalize('NFKC').matchAll(HAN_RUNS)) {
		const run = m[0];
		if (HAN.test(run)) {
			const syllables = pinyin(run, first ? { toneType: 'none', type: 'array', v: true, surname: 'head' } : { toneType: 'none', type: 'array', v: true });
			if (first) {
				// The ordinary reading of the first two characters (covers compound surnames like 尉迟 too).
				const head = Math.min(2, syllables.length);
				const plain = pinyin(run.slice(0, head), { toneType: 'none', type: 'array', v: true });
				if (plain.length === head && plain.join('') !== syllables.slice(0, head).join('')) {
					alt = plain.join('') + syllables.slice(head).join('');
					altInitials =
						plain.map((s) => s[0]).join('') +
						syllables
							.slice(head)
							.map((s) => s[0])
							.join('');
				}
			}
			for (const s of syllables) {
				const syl = s.toLowerCase().replace(SPACE, '');
				if (!syl) continue;
				full += syl;
				fullU += syl.replace(/v/g, 'u');
				initials += syl[0];
			}
		} else {
			const words = run
				.toLowerCase()
				.split(/[^\p{L}\p{N}]+/u)
				.filter(Boolean);
			full += words.join('');
			fullU += words.join('');
			initials += words.map((w) => w[0]).join('');
		}
		first = false;
	}
	const parts = [full, initials];
	if (fullU !== full) parts.push(fullU);
	if (alt !== null) parts.push(alt, altInitials);
	return parts.map((p) => p.replace(CONTROL, '')).filter(Boolean);
}

/**
 * The digits of a phone number as searched: without the +86 / 0086 country code; a Chinese landline
 * gets its trunk 0 back ("+86 10 1234 5678" → "01012345678"), as people write it at home.
 */
export function searchPhoneDigits(phone: string): string {
	const d = phone.replace(/\D/g, '');
	let national: string | null = null;
	if (/^\s*\+\s*86/.test(phone)) national = d.slice(2);
	else if (d.startsWith('0086')) national = d.slice(4);
	else if (/^861\d{10}$/.test(d)) national = d.slice(2);
	if (national === null) return d;
	return /^1\d{10}$/.test(national) || national.startsWith('0') ? national : '0' + national;
}

// Haystacks are made with join(), which gives flat strings: joining 50,000 of them into the search
// string is then a plain copy (built with `+=`, V8 keeps ropes and the join takes 10-20 times longer).
function textHaystack(doc: SearchableCustomer, pinyinOf: (name: string) => string[]): string {
	const name = doc.name ?? '';
	const parts = ['', fold(name)];
	for (const p of pinyinOf(name)) parts.push(p);
	if (doc.emails) for (const e of doc.emails) if (e) parts.push(fold(e));
	if (doc.external_id) parts.push(fold(doc.external_id));
	parts.push('');
	return parts.join(SEP);
}

function phoneHaystack(doc: SearchableCustomer): string {
	const parts = [''];
	if (doc.phones)
		for (const p of doc.phones) {
			const d = p ? searchPhoneDigits(p) : '';
			if (d) parts.push(d);
		}
	if (parts.length === 1) return '';
	parts.push('');
	return parts.join(SEP);
}

/** Precomputes the haystacks of one customer. */
export function searchEntry(doc: SearchableCustomer): SearchEntry {
	return { id: doc.id, name: doc.name ?? '', text: textHaystack(doc, namePinyin), phones: phoneHaystack(doc) };
}

/** A query as the index searches it. */
export interface NormalizedQuery {
	/** Lowercase, NFKC, without spaces; '' matches everything. */
	text: string;
	/** For phone-like queries with at least MIN_PHONE_DIGITS digits: the digits, and without a leading 86 / 0086. */
	digits: string[];
}

export function normalizeQuery(query: string): NormalizedQuery {
	const nfkc = (query ?? '').normalize('NFKC').trim();
	const text = nfkc.toLowerCase().replace(SPACE, '');
	const digits: string[] = [];
	if (text && PHONE_LIKE.test(nfkc)) {
		const all = nfkc.replace(/\D/g, '');
		if (all.length >= MIN_PHONE_DIGITS) digits.push(all);
		const national = all.replace(/^(0086|86)/, '');
		if (national !== all && national.length >= MIN_PHONE_DIGITS) digits.push(national);
	}
	return { text, digits };
}

interface Slot<T> extends SearchEntry {
	doc: T;
}

/**
 * A run of consecutive entries (in name order) with their haystacks concatenated into one string for
 * text and one for phones: `indexOf` then walks contiguous memory from hit to hit instead of visiting
 * thousands of small strings scattered over the heap (in Node several times faster). Chunks keep a
 * change cheap: it recompiles the strings of one chunk (about a thousand entries), not of all 50,000,
 * so a customer arriving from sync while someone types does not stall the next keystroke.
 */
interface Chunk<T> {
	/** In name order. */
	slots: Slot<T>[];
	/** The compiled strings; false after a change, compiled again by the next search. */
	compiled: boolean;
	ids: string[];
	docs: T[];
	text: string;
	/** textStarts[i]: where entry i begins in `text`; textStarts[length] = text.length. */
	textStarts: Int32Array;
	phones: string;
	phoneStarts: Int32Array;
}

/** Entries per chunk after a build; a chunk is split in two when it grows past twice this. */
const CHUNK_SIZE = 1024;
const NONE = 3;

function chunkOf<T>(slots: Slot<T>[]): Chunk<T> {
	return { slots, compiled: false, ids: [], docs: [], text: '', textStarts: new Int32Array(1), phones: '', phoneStarts: new Int32Array(1) };
}

function compile<T>(c: Chunk<T>): void {
	const slots = c.slots;
	const n = slots.length;
	const ids: string[] = new Array(n);
	const docs: T[] = new Array(n);
	const texts: string[] = new Array(n);
	const phones: string[] = new Array(n);
	const textStarts = new Int32Array(n + 1);
	const phoneStarts = new Int32Array(n + 1);
	let t = 0;
	let p = 0;
	for (let i = 0; i < n; i++) {
		const s = slots[i];
		ids[i] = s.id;
		docs[i] = s.doc;
		texts[i] = s.text;
		phones[i] = s.phones;
		textStarts[i] = t;
		phoneStarts[i] = p;
		t += s.text.length;
		p += s.phones.length;
	}
	textStarts[n] = t;
	phoneStarts[n] = p;
	c.ids = ids;
	c.docs = docs;
	c.text = texts.join('');
	c.textStarts = textStarts;
	c.phones = phones.join('');
	c.phoneStarts = phoneStarts;
	c.compiled = true;
}

/**
 * Marks in `best` each entry of `hay` containing `q`, with the best tier among its occurrences:
 * 0 a whole part equals q, 1 a part starts with q, 2 q occurs inside a part.
 */
function scan(hay: string, starts: Int32Array, q: string, best: Uint8Array): void {
	const len = q.length;
	const last = starts.length - 2; // the last entry
	let e = 0;
	let pos = hay.indexOf(q);
	while (pos !== -1) {
		// The entry holding pos: usually the same as or the one after the previous hit.
		if (pos >= starts[e + 1]) {
			e++;
			if (pos >= starts[e + 1]) {
				let lo = e + 1;
				let hi = last;
				while (lo < hi) {
					const mid = (lo + hi + 1) >>> 1;
					if (starts[mid] <= pos) lo = mid;
					else hi = mid - 1;
				}
				e = lo;
			}
		}
		const tier = hay.charCodeAt(pos - 1) === 1 ? (hay.charCodeAt(pos + len) === 1 ? 0 : 1) : 2;
		if (tier < best[e]) best[e] = tier;
		// Nothing in this entry can beat an exact match: go on after it.
		pos = hay.indexOf(q, best[e] === 0 ? starts[e + 1] : pos + 1);
	}
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
	if (a === b) return true;
	const n = a?.length ?? 0;
	if (n !== (b?.length ?? 0)) return false;
	for (let i = 0; i < n; i++) if (a![i] !== b![i]) return false;
	return true;
}

function sameSearchFields(a: SearchableCustomer, b: SearchableCustomer): boolean {
	return a.name === b.name && a.external_id === b.external_id && sameList(a.phones, b.phones) && sameList(a.emails, b.emails);
}

/** Name order by the zh-CN collator (pinyin order for Chinese names). */
const collator = new Intl.Collator('zh-CN');

function compareSlots(a: SearchEntry, b: SearchEntry): number {
	return collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The first index in `slots` (sorted) whose entry does not sort before `slot`. */
function lowerBound(slots: SearchEntry[], slot: SearchEntry): number {
	let lo = 0;
	let hi = slots.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (compareSlots(slots[mid], slot) < 0) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

export class CustomerSearchIndex<T extends SearchableCustomer = SearchableCustomer> {
	/** All entries in name order (then id), cut into chunks; no chunk is empty. */
	#chunks: Chunk<T>[] = [];
	#byId = new Map<string, Slot<T>>();
	#chunkSize: number;
	/** Scratch for one search: the best tier per entry of a chunk. */
	#best: Uint8Array;
	/** Pinyin by name: names repeat a lot (张伟), and pinyin is the costly part of indexing. */
	#pinyin = new Map<string, string[]>();
	#pinyinOf = (name: string): string[] => {
		let p = this.#pinyin.get(name);
		if (!p) {
			p = namePinyin(name);
			if (this.#pinyin.size >= 100_000) this.#pinyin.clear();
			this.#pinyin.set(name, p);
		}
		return p;
	};

	/** `chunkSize` (entries per compiled chunk) is there for tests; the default suits 50,000 customers. */
	constructor(docs?: Iterable<T>, options: { chunkSize?: number } = {}) {
		this.#chunkSize = Math.max(1, Math.floor(options.chunkSize ?? CHUNK_SIZE));
		this.#best = new Uint8Array(2 * this.#chunkSize + 1);
		if (docs) this.build(docs);
	}

	get size(): number {
		return this.#byId.size;
	}

	has(id: string): boolean {
		return this.#byId.has(id);
	}

	/** The indexed document. */
	get(id: string): T | undefined {
		return this.#byId.get(id)?.doc;
	}

	/**
	 * Replaces the whole index (documents marked deleted are skipped; for a repeated id the last wins).
	 * Calling it again with the current list is cheaper: the haystacks of customers whose name, phones,
	 * emails and shop id did not change are reused. Compiles the search strings at once, so the first
	 * keystroke does not wait for them.
	 */
	build(docs: Iterable<T>): void {
		const old = this.#byId;
		const byId = new Map<string, Slot<T>>();
		for (const doc of docs) {
			if (doc.deleted) {
				byId.delete(doc.id);
				continue;
			}
			const prev = old.get(doc.id);
			byId.set(doc.id, prev && sameSearchFields(prev.doc, doc) ? { id: prev.id, name: prev.name, text: prev.text, phones: prev.phones, doc } : this.#slot(doc));
		}
		const unsorted = [...byId.values()];
		const n = unsorted.length;
		// Rank the distinct names once with the collator, then sort by numbers: names repeat, and a
		// collator comparison costs far more than comparing two numbers.
		const rankOf = new Map<string, number>();
		for (const s of unsorted) rankOf.set(s.name, 0);
		const names = [...rankOf.keys()].sort(collator.compare);
		let r = 0;
		for (let i = 0; i < names.length; i++) {
			// Names the collator calls equal share a rank, so the order is the one `upsert` keeps.
			if (i > 0 && collator.compare(names[i - 1], names[i]) !== 0) r++;
			rankOf.set(names[i], r);
		}
		const ranks = new Int32Array(n);
		const ids: string[] = new Array(n);
		const order = new Uint32Array(n);
		for (let i = 0; i < n; i++) {
			ranks[i] = rankOf.get(unsorted[i].name)!;
			ids[i] = unsorted[i].id;
			order[i] = i;
		}
		order.sort((a, b) => ranks[a] - ranks[b] || (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
		const chunks: Chunk<T>[] = [];
		const size = this.#chunkSize;
		for (let c = 0; c < n; c += size) {
			const slots: Slot<T>[] = new Array(Math.min(size, n - c));
			for (let i = 0; i < slots.length; i++) slots[i] = unsorted[order[c + i]];
			const chunk = chunkOf(slots);
			compile(chunk);
			chunks.push(chunk);
		}
		this.#chunks = chunks;
		this.#byId = byId;
	}

	/** Adds or replaces one customer; a document marked deleted is removed. */
	upsert(doc: T): void {
		if (doc.deleted) {
			this.remove(doc.id);
			return;
		}
		const slot = this.#slot(doc);
		const old = this.#byId.get(doc.id);
		const at = old ? this.#find(old) : null;
		if (at && old!.name === slot.name) {
			// Same place in the order: replace in place.
			at.chunk.slots[at.i] = slot;
			at.chunk.compiled = false;
		} else {
			if (at) this.#removeAt(at.chunk, at.i);
			this.#insert(slot);
		}
		this.#byId.set(doc.id, slot);
	}

	remove(id: string): boolean {
		const old = this.#byId.get(id);
		if (!old) return false;
		const at = this.#find(old);
		if (at) this.#removeAt(at.chunk, at.i);
		this.#byId.delete(id);
		return true;
	}

	/**
	 * Ids of the customers matching `query`, at most `limit`: first those where a whole part (name,
	 * pinyin, initials, phone, email, shop id) equals the query, then those where a part starts with
	 * it, then the rest; in name order within each group. An empty query returns everyone in name order.
	 */
	search(query: string, limit = Infinity): string[] {
		return this.#search(query, limit, (c) => c.ids);
	}

	/** Like `search`, returning the indexed documents. */
	searchDocs(query: string, limit = Infinity): T[] {
		return this.#search(query, limit, (c) => c.docs);
	}

	#search<R>(query: string, limit: number, itemsOf: (c: Chunk<T>) => R[]): R[] {
		const size = this.size;
		const max = Math.max(0, Math.min(Number.isNaN(limit) ? size : Math.floor(limit), size));
		const { text: q, digits } = normalizeQuery(query);
		if (max === 0) return [];
		const exact: R[] = [];
		const prefix: R[] = [];
		const inner: R[] = [];
		const best = this.#best;
		for (const chunk of this.#chunks) {
			if (!chunk.compiled) compile(chunk);
			const items = itemsOf(chunk);
			const n = items.length;
			if (!q) {
				// Everyone, in name order.
				for (let i = 0; i < n && exact.length < max; i++) exact.push(items[i]);
				if (exact.length >= max) break;
				continue;
			}
			best.fill(NONE, 0, n);
			scan(chunk.text, chunk.textStarts, q, best);
			for (const d of digits) scan(chunk.phones, chunk.phoneStarts, d, best);
			for (let i = 0; i < n; i++) {
				const tier = best[i];
				if (tier === NONE) continue;
				if (tier === 0) {
					exact.push(items[i]);
					if (exact.length >= max) break;
				} else if (tier === 1) {
					if (exact.length + prefix.length < max) prefix.push(items[i]);
				} else if (exact.length + prefix.length + inner.length < max) inner.push(items[i]);
			}
			if (exact.length >= max) break;
		}
		const out = exact.concat(prefix, inner);
		if (out.length > max) out.length = max;
		return out;
	}

	#slot(doc: T): Slot<T> {
		return { id: doc.id, name: doc.name ?? '', text: textHaystack(doc, this.#pinyinOf), phones: phoneHaystack(doc), doc };
	}

	/** The chunk that holds, or would hold, `slot`: the first whose last entry does not sort before it. */
	#chunkFor(slot: SearchEntry): number {
		const chunks = this.#chunks;
		let lo = 0;
		let hi = chunks.length - 1;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			const last = chunks[mid].slots[chunks[mid].slots.length - 1];
			if (compareSlots(last, slot) < 0) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	#find(slot: Slot<T>): { chunk: Chunk<T>; i: number } | null {
		if (this.#chunks.length > 0) {
			const chunk = this.#chunks[this.#chunkFor(slot)];
			const i = lowerBound(chunk.slots, slot);
			if (chunk.slots[i] === slot) return { chunk, i };
		}
		// Only if the collator disagreed with itself: look everywhere.
		for (const chunk of this.#chunks) {
			const i = chunk.slots.indexOf(slot);
			if (i !== -1) return { chunk, i };
		}
		return null;
	}

	#insert(slot: Slot<T>): void {
		const chunks = this.#chunks;
		if (chunks.length === 0) {
			chunks.push(chunkOf([slot]));
			return;
		}
		const c = this.#chunkFor(slot);
		const chunk = chunks[c];
		chunk.slots.splice(lowerBound(chunk.slots, slot), 0, slot);
		chunk.compiled = false;
		if (chunk.slots.length > 2 * this.#chunkSize) {
			const half = chunk.slots.length >>> 1;
			chunks.splice(c + 1, 0, chunkOf(chunk.slots.splice(half)));
		}
	}

	#removeAt(chunk: Chunk<T>, i: number): void {
		chunk.slots.splice(i, 1);
		chunk.compiled = false;
		if (chunk.slots.length === 0) this.#chunks.splice(this.#chunks.indexOf(chunk), 1);
	}
}
