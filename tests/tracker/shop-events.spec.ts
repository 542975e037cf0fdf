// The demo/benchmark shop generator: valid for the ingestion API, deterministic, in order, realistic enough.
import { describe, expect, it } from 'vitest';
import { shopCatalog, shopCustomer, shopEventBatches, type ShopTally } from '../fixtures/shop-events';
import { EVENT_LIMITS, validateEvent } from '../../src/lib/shared/events';

const NOW = Date.parse('2026-11-26T06:00:00Z');

function run(opts: Parameters<typeof shopEventBatches>[0]) {
	const tally = {} as ShopTally;
	const batches = [...shopEventBatches({ now: NOW, ...opts }, tally)];
	return { batches, events: batches.flat(), tally };
}

describe('shop events generator', () => {
	const { batches, events, tally } = run({ customers: 1000, events: 60_000, seed: 7 });

	it('makes exactly the events asked for, in batches the API takes', () => {
		expect(events).toHaveLength(60_000);
		expect(tally.events).toBe(60_000);
		for (const b of batches) {
			expect(b.length).toBeLessThanOrEqual(EVENT_LIMITS.eventsPerBatch);
			expect(Buffer.byteLength(JSON.stringify({ events: b }))).toBeLessThan(EVENT_LIMITS.bodyBytes);
		}
		expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
	});

	it('every event passes the API validation for a server key, within the time window, in time order', () => {
		for (const e of events) {
			const v = validateEvent(e, { now: NOW, skewMs: 0, kind: 'server', tzOffsetMinutes: 480 });
			if ('error' in v) throw new Error(`${JSON.stringify(v.error)} ${JSON.stringify(e)}`);
		}
		for (let i = 1; i < events.length; i++) expect(events[i].time).toBeGreaterThanOrEqual(events[i - 1].time);
		expect(events[0].time).toBeGreaterThan(NOW - 366 * 86400_000);
		expect(events.at(-1)!.time).toBeLessThan(NOW);
	});

	it('is the same for the same seed and differs for another', () => {
		const again = run({ customers: 1000, events: 60_000, seed: 7 }).events;
		expect(again).toEqual(events);
		const other = run({ customers: 1000, events: 5000, seed: 8 }).events;
		expect(other[0].id).not.toBe(events[0].id);
	});

	it('each customer registers once, with traits, before any other event names it; refunds follow purchases', () => {
		const seen = new Set<string>();
		const orders = new Map<string, number>();
		let anonymousFirst = 0;
		const anonSeen = new Set<string>();
		for (const e of events) {
			if (e.customer_id && !seen.has(e.customer_id)) {
				expect(e.type).toBe('identify');
				expect(e.traits?.name).toMatch(/^[\u4e00-\u9fff]{2,4}$/);
				expect(e.traits?.phone).toMatch(/^\+861[3-9]\d{9}$/);
				if (anonSeen.has(e.anonymous_id!)) anonymousFirst++;
				seen.add(e.customer_id);
			} else if (e.traits) throw new Error(`traits sent twice for ${e.customer_id}`);
			if (e.anonymous_id && !e.customer_id) anonSeen.add(e.anonymous_id);
			if (e.type === 'purchase') {
				expect(e.customer_id).toBeTruthy();
				expect(e.total).toBeCloseTo(
					e.items!.reduce((a, l) => a + l.price * l.quantity, 0),
					1
				);
				orders.set(e.order_id!, e.time);
			}
			if (e.type === 'refund') expect(orders.get(e.order_id!)).toBeLessThan(e.time);
		}
		expect(seen.size).toBe(1000);
		expect(tally.identified).toBe(1000);
		expect(anonymousFirst).toBeGreaterThan(200); // browsed anonymously before registering (linked later)
		expect(shopCustomer(3, 7)).toEqual(shopCustomer(3, 7));
	});

	it('looks like a shop: a funnel, abandoned carts, repeat buyers, refunds, the 618 and 11.11 peaks', () => {
		const n = (t: string) => tally.byType[t] ?? 0;
		expect(n('page_view')).toBeGreaterThan(n('add_to_cart') * 3);
		expect(n('product_view')).toBeGreaterThan(n('add_to_cart') * 5);
		expect(n('add_to_cart')).toBeGreaterThan(n('checkout_start') * 2);
		expect(n('checkout_start')).toBeGreaterThan(n('purchase'));
		expect(n('search')).toBeGreaterThan(0);
		expect(n('remove_from_cart')).toBeGreaterThan(0);
		expect(tally.orders).toBe(n('purchase'));
		expect(tally.repeatBuyers / tally.buyers).toBeGreaterThan(0.15);
		expect(tally.refunds / tally.orders).toBeGreaterThan(0.02);
		expect(tally.refunds / tally.orders).toBeLessThan(0.12);
		const perDay = new Map<string, number>();
		for (const e of events) {
			const day = new Date(e.time + 8 * 3600_000).toISOString().slice(5, 10);
			perDay.set(day, (perDay.get(day) ?? 0) + 1);
		}
		const average = events.length / 365;
		expect(perDay.get('11-11')!).toBeGreaterThan(average * 5);
		expect(perDay.get('06-18')!).toBeGreaterThan(average * 2.5);
		const catalog = shopCatalog();
		expect(catalog.length).toBeGreaterThanOrEqual(190);
		expect(new Set(catalog.map((p) => p.category)).size).toBe(12);
	});
});
