/**
 * Shop behaviour events: the limits of POST /api/crm/events, one event's validation and normalisation,
 * shop days, and the RFM scoring rules. Shared by the server hooks (pb_hooks/lib/shared.js) and the
 * device; pure and dependency-free (runs in PocketBase's goja, ES2019). See docs/api/ingestion.md.
 */
import type { FieldError } from './validation';
import { roundMoney } from './money';
import { validateCustomer, normalizeCustomer } from './validation';

export const EVENT_LIMITS = {
	bodyBytes: 1024 * 1024,
	eventsPerBatch: 500,
	propertiesBytes: 4096,
	itemsPerPurchase: 100,
	futureMs: 10 * 60 * 1000,
	pastMs: 400 * 24 * 3600 * 1000,
	/** A history import (?backfill=1, server keys) takes events from 2000-01-01 on. */
	backfillFromMs: 946684800000,
	defaultRatePerMinute: 120000,
	/** A history import's own rate: ten times the key's, at least this. */
	backfillRatePerMinute: 1500000,
	maxRatePerMinute: 10000000
} as const;

export const STANDARD_EVENT_TYPES = ['page_view', 'product_view', 'search', 'add_to_cart', 'remove_from_cart', 'checkout_start', 'purchase', 'refund', 'identify'] as const;
export type StandardEventType = (typeof STANDARD_EVENT_TYPES)[number];

/** Types only a server key may send: money figures must come from the shop's back end. */
export const SERVER_ONLY_TYPES = ['purchase', 'refund'];

/** One bit per step a shopper took on a day (stats_person_day.flags). */
export const EVENT_FLAGS: Record<string, number> = {
	page_view: 1,
	product_view: 2,
	search: 4,
	add_to_cart: 8,
	remove_from_cart: 16,
	checkout_start: 32,
	purchase: 64,
	refund: 128,
	identify: 256
};

const ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
const TYPE_RE = /^[a-z][a-z0-9_]{0,39}$/;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export interface EventItem {
	product_id: string;
	sku: string;
	category: string;
	price: number;
	quantity: number;
}

export interface CustomerTraits {
	name?: string;
	phones?: string[];
	emails?: string[];
	region?: string;
	addresses?: { detail: string; region?: string }[];
}

/** An event as stored (events collection row, before the customer is resolved). */
export interface ShopEvent {
	event_id: string;
	type: string;
	ts: number;
	day: string;
	anon_id: string;
	customer_ext: string;
	product_id: string;
	sku: string;
	category: string;
	price: number;
	quantity: number;
	order_id: string;
	total: number;
	query: string;
	url: string;
	referrer: string;
	items: EventItem[] | null;
	properties: Record<string, unknown> | null;
	traits: CustomerTraits | null;
}

export interface EventContext {
	/** server time, ms */
	now: number;
	/** added to every event time: server now − the sender's sent_at (0 without sent_at) */
	skewMs: number;
	kind: 'server' | 'browser';
	/** shop day offset from UTC in minutes */
	tzOffsetMinutes: number;
	/** a server key's history import (?backfill=1): any past time from EVENT_LIMITS.backfillFromMs on */
	backfill?: boolean;
}

function err(field: string, code: string, message: string): FieldError {
	return { field, code, message };
}

function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function daysInMonth(y: number, m: number): number {
	return [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** Milliseconds since 1970 from an ISO 8601 text (no zone = UTC) or a number; NaN when neither. */
export function parseEventTime(v: unknown): number {
	if (typeof v === 'number') return isFinite(v) ? Math.floor(v) : NaN;
	if (typeof v !== 'string') return NaN;
	const m = ISO_RE.exec(v.trim());
	if (!m) return NaN;
	const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => (m[i] === undefined ? 0 : Number(m[i])));
	if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return NaN;
	const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
	let t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
	const zone = m[8];
	if (zone && zone !== 'Z') {
		const sign = zone[0] === '-' ? -1 : 1;
		const digits = zone.slice(1).replace(':', '');
		t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60000;
	}
	return t;
}

function pad(n: number, w = 2): string {
	let s = String(n);
	while (s.length < w) s = `0${s}`;
	return s;
}

/** The shop day (YYYY-MM-DD) of a time, with the shop's offset from UTC. */
export function shopDay(ts: number, tzOffsetMinutes: number): string {
	const d = new Date(ts + tzOffsetMinutes * 60000);
	return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** PocketBase's date text: YYYY-MM-DD HH:MM:SS.sssZ (UTC). */
export function stamp(ts: number): string {
	const d = new Date(ts);
	return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

/** The days from `from` to `to` inclusive (both YYYY-MM-DD). */
export function dayRange(from: string, to: string): string[] {
	const out: string[] = [];
	const start = parseEventTime(from);
	const end = parseEventTime(to);
	for (let t = start; t <= end; t += 86400000) out.push(shopDay(t, 0));
	return out;
}

/** The month (YYYY-MM) `k` months after `month`. */
export function addMonths(month: string, k: number): string {
	const y = Number(month.slice(0, 4));
	const m = Number(month.slice(5, 7)) - 1 + k;
	const yy = y + Math.floor(m / 12);
	return `${yy}-${pad((((m % 12) + 12) % 12) + 1)}`;
}

/** Number of months from `a` to `b` (YYYY-MM), negative when b is earlier. */
export function monthsBetween(a: string, b: string): number {
	return (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5, 7)) - Number(a.slice(5, 7));
}

function text(raw: Record<string, unknown>, field: string, max: number, errors: FieldError[], prefix = ''): string {
	const v = raw[field];
	if (v === undefined || v === null || v === '') return '';
	if (typeof v !== 'string' && typeof v !== 'number') {
		errors.push(err(prefix + field, 'invalid', `${prefix + field} must be text`));
		return '';
	}
	const s = String(v).trim();
	if (s.length > max) errors.push(err(prefix + field, 'too_long', `${prefix + field} takes at most ${max} characters`));
	return s;
}

function money(raw: Record<string, unknown>, field: string, errors: FieldError[], required: boolean, prefix = ''): number {
	const v = raw[field];
	if (v === undefined || v === null || v === '') {
		if (required) errors.push(err(prefix + field, 'required', `${prefix + field} is required`));
		return 0;
	}
	if (typeof v !== 'number' || !isFinite(v) || v < 0 || v > 1e12) {
		errors.push(err(prefix + field, 'invalid', `${prefix + field} must be a number of at least 0`));
		return 0;
	}
	return roundMoney(v);
}

function quantity(raw: Record<string, unknown>, field: string, errors: FieldError[], prefix = ''): number {
	const v = raw[field];
	if (v === undefined || v === null) return 1;
	if (typeof v !== 'number' || Math.floor(v) !== v || v < 1 || v > 10000) {
		errors.push(err(prefix + field, 'invalid', `${prefix + field} must be a whole number from 1 to 10000`));
		return 1;
	}
	return v;
}

function jsonBytes(v: unknown): number {
	const s = JSON.stringify(v);
	let n = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? 2 : 3; // a surrogate pair is 4 bytes in all
	}
	return n;
}

function items(raw: unknown, errors: FieldError[]): EventItem[] | null {
	if (raw === undefined || raw === null) return null;
	if (!Array.isArray(raw)) {
		errors.push(err('items', 'invalid', 'items must be a list of order lines'));
		return null;
	}
	if (raw.length > EVENT_LIMITS.itemsPerPurchase) {
		errors.push(err('items', 'too_large', `items takes at most ${EVENT_LIMITS.itemsPerPurchase} lines`));
		return null;
	}
	const out: EventItem[] = [];
	for (let i = 0; i < raw.length; i++) {
		const line = raw[i];
		const prefix = `items.${i}.`;
		if (!isObject(line)) {
			errors.push(err(`items.${i}`, 'invalid', `items.${i} must be an object`));
			continue;
		}
		const product_id = text(line, 'product_id', 64, errors, prefix);
		if (!product_id) errors.push(err(`${prefix}product_id`, 'required', `${prefix}product_id is required`));
		out.push({
			product_id,
			sku: text(line, 'sku', 64, errors, prefix),
			category: text(line, 'category', 100, errors, prefix),
			price: money(line, 'price', errors, false, prefix),
			quantity: quantity(line, 'quantity', errors, prefix)
		});
	}
	return out;
}

function traits(raw: unknown, errors: FieldError[]): CustomerTraits | null {
	if (raw === undefined || raw === null) return null;
	if (!isObject(raw)) {
		errors.push(err('traits', 'invalid', 'traits must be an object'));
		return null;
	}
	const t: Record<string, unknown> = {};
	const name = text(raw, 'name', 200, errors, 'traits.');
	if (name) t.name = name;
	const phone = text(raw, 'phone', 40, errors, 'traits.');
	if (phone) t.phones = [phone];
	const email = text(raw, 'email', 200, errors, 'traits.');
	if (email) t.emails = [email];
	const region = text(raw, 'region', 200, errors, 'traits.');
	if (region) t.region = region;
	const address = raw.address;
	if (typeof address === 'string' && address.trim()) t.addresses = [region ? { detail: address.trim().slice(0, 500), region } : { detail: address.trim().slice(0, 500) }];
	else if (isObject(address)) t.addresses = [address];
	// The same checks a profile edit gets (phone numbers, emails, addresses), named under traits.
	const problems = validateCustomer({ name: name || 'x', ...t });
	for (const p of problems) {
		const field = p.field === 'phones' ? 'traits.phone' : p.field === 'emails' ? 'traits.email' : p.field === 'addresses' ? 'traits.address' : `traits.${p.field}`;
		errors.push(err(field, 'invalid', p.message));
	}
	if (t.addresses && !problems.some((p) => p.field === 'addresses')) {
		t.addresses = (t.addresses as Record<string, unknown>[]).map((a) => JSON.parse(JSON.stringify(a)));
	}
	return problems.length ? null : (normalizeCustomer(t) as CustomerTraits);
}

/**
 * A shop's customer traits checked as a profile edit is (phone numbers, emails, addresses) and
 * normalised, or the first problem, named under traits. The server's ingestion (server/ingest.go)
 * calls this for the few events that carry traits, so device and server share one phone check.
 */
export function checkTraits(raw: unknown): { traits: CustomerTraits | null } | { error: FieldError } {
	const errors: FieldError[] = [];
	const t = traits(raw, errors);
	return errors.length ? { error: errors[0] } : { traits: t };
}

/**
 * Checks one raw event and returns it normalised, or the first problem found (with the field named).
 * Times are shifted by ctx.skewMs and must fall within the accepted window around ctx.now.
 */
export function validateEvent(raw: unknown, ctx: EventContext): { event: ShopEvent } | { error: FieldError } {
	if (!isObject(raw)) return { error: err('', 'invalid', 'an event must be an object') };
	const errors: FieldError[] = [];
	const first = () => ({ error: errors[0] });

	const id = raw.id;
	if (id === undefined || id === null || id === '') return { error: err('id', 'required', 'id is required') };
	if (typeof id !== 'string' || !ID_RE.test(id)) return { error: err('id', 'invalid', 'id must be 1-64 characters of A-Z a-z 0-9 _ - . :') };

	const type = raw.type;
	if (type === undefined || type === null || type === '') return { error: err('type', 'required', 'type is required') };
	if (typeof type !== 'string' || !TYPE_RE.test(type)) return { error: err('type', 'invalid', 'type must be a known event type or lower-case letters, digits and _ (at most 40)') };
	if (ctx.kind === 'browser' && SERVER_ONLY_TYPES.indexOf(type) >= 0) {
		return { error: err('type', 'type_not_allowed', `${type} events must come from the shop's server key, not a browser key`) };
	}

	if (raw.time === undefined || raw.time === null || raw.time === '') return { error: err('time', 'required', 'time is required') };
	const sent = parseEventTime(raw.time);
	if (isNaN(sent)) return { error: err('time', 'invalid', 'time must be an ISO 8601 time or milliseconds since 1970') };
	const ts = sent + ctx.skewMs;
	if (ctx.backfill) {
		if (ts > ctx.now + EVENT_LIMITS.futureMs || ts < EVENT_LIMITS.backfillFromMs) {
			return { error: err('time', 'time_out_of_range', 'in a history import, time must be from 2000-01-01 on and at most 10 minutes ahead of the server') };
		}
	} else if (ts > ctx.now + EVENT_LIMITS.futureMs || ts < ctx.now - EVENT_LIMITS.pastMs) {
		return { error: err('time', 'time_out_of_range', 'time must be at most 10 minutes ahead of the server and at most 400 days back (older history: send it with ?backfill=1 and a server key)') };
	}

	const anon_id = text(raw, 'anonymous_id', 64, errors);
	const customer_ext = text(raw, 'customer_id', 64, errors);
	if (errors.length) return first();
	if (!anon_id && !customer_ext) return { error: err('anonymous_id', 'required', 'anonymous_id or customer_id is required') };

	const event: ShopEvent = {
		event_id: id,
		type,
		ts,
		day: shopDay(ts, ctx.tzOffsetMinutes),
		anon_id,
		customer_ext,
		product_id: text(raw, 'product_id', 64, errors),
		sku: text(raw, 'sku', 64, errors),
		category: text(raw, 'category', 100, errors),
		price: money(raw, 'price', errors, false),
		quantity: quantity(raw, 'quantity', errors),
		order_id: text(raw, 'order_id', 64, errors),
		total: 0,
		query: text(raw, 'query', 200, errors),
		url: text(raw, 'url', 2000, errors),
		referrer: text(raw, 'referrer', 2000, errors),
		items: items(raw.items, errors),
		properties: null,
		traits: null
	};
	if (errors.length) return first();

	if ((type === 'product_view' || type === 'add_to_cart' || type === 'remove_from_cart') && !event.product_id) {
		return { error: err('product_id', 'required', `product_id is required for ${type}`) };
	}
	if (type === 'purchase' || type === 'refund') {
		if (!event.order_id) return { error: err('order_id', 'required', `order_id is required for ${type}`) };
		event.total = money(raw, 'total', errors, true);
		if (errors.length) return first();
	}

	if (raw.properties !== undefined && raw.properties !== null) {
		if (!isObject(raw.properties)) return { error: err('properties', 'invalid', 'properties must be an object') };
		if (jsonBytes(raw.properties) > EVENT_LIMITS.propertiesBytes) {
			return { error: err('properties', 'too_large', `properties takes at most ${EVENT_LIMITS.propertiesBytes} bytes`) };
		}
		event.properties = raw.properties;
	}
	if (raw.traits !== undefined && raw.traits !== null) {
		if (!customer_ext) return { error: err('traits', 'invalid', 'traits need a customer_id') };
		event.traits = traits(raw.traits, errors);
		if (errors.length) return first();
	}
	return { event };
}

/** RFM named segment from recency and frequency scores (1-5); first match wins. */
export function rfmSegment(r: number, f: number): string {
	if (r >= 4 && f >= 4) return 'champions';
	if (r >= 3 && f >= 3) return 'loyal';
	if (r >= 4 && f === 1) return 'new';
	if (r >= 4) return 'potential_loyalists';
	if (r <= 2 && f >= 3) return 'at_risk';
	if (r === 1) return 'lost';
	return 'hibernating';
}
