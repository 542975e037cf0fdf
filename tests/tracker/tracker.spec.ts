// static/tracker.js in a simulated browser (vm context with fake storage, fetch, beacon and timers).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import vm from 'node:vm';

const SRC = readFileSync('static/tracker.js', 'utf8');
const KEY = 'crm_pk_' + 'a'.repeat(33);
/** An identity as the shop's server signs it (the signature is checked by the CRM, not by the tracker). */
const signed = (id: string) => ({ customer_id: id, ts: 1765000000, sig: `sig-${id}` });

// The tracker's API, as a shop's page calls it.
type Call = (...args: unknown[]) => unknown;
type Sent = { url: string; body: { key: string; sent_at: number; events: Record<string, any>[] }; contentType?: string };

function browser(opts: { store?: Map<string, string>; attrs?: Record<string, string>; config?: unknown; stub?: unknown; dnt?: string; online?: boolean } = {}) {
	const store = opts.store ?? new Map<string, string>();
	const attrs: Record<string, string> = { 'data-key': KEY, ...opts.attrs };
	const sent: Sent[] = [];
	const beacons: Sent[] = [];
	const warnings: string[] = [];
	let reply: (body: Sent['body']) => Response = (b) => Response.json({ accepted: b.events.length, duplicates: 0, rejected: [] });
	const win = Object.assign(new EventTarget(), { crmTracker: opts.config, crm: opts.stub }) as any;
	const doc = Object.assign(new EventTarget(), {
		currentScript: { src: 'https://crm.example/tracker.js', getAttribute: (n: string) => attrs[n] ?? null },
		querySelector: () => null,
		visibilityState: 'visible',
		title: '小店',
		referrer: 'https://search.example/'
	});
	const nav = {
		onLine: opts.online ?? true,
		doNotTrack: opts.dnt,
		sendBeacon: (url: string, body: string) => (beacons.push({ url, body: JSON.parse(body) }), true)
	};
	const ctx = vm.createContext({
		window: win,
		document: doc,
		navigator: nav,
		location: { href: 'https://shop.example/p/1', origin: 'https://shop.example' },
		localStorage: {
			getItem: (k: string) => store.get(k) ?? null,
			setItem: (k: string, v: string) => void store.set(k, String(v)),
			removeItem: (k: string) => void store.delete(k)
		},
		fetch: async (url: string, init: RequestInit) => {
			const body = JSON.parse(String(init.body));
			sent.push({ url, body, contentType: (init.headers as Record<string, string>)['Content-Type'] });
			return reply(body);
		},
		setTimeout: (f: () => void, ms: number) => setTimeout(f, ms),
		clearTimeout: (t: ReturnType<typeof setTimeout>) => clearTimeout(t),
		Date,
		Math,
		console: { warn: (m: string) => warnings.push(m) },
		URL,
		CustomEvent,
		crypto
	});
	vm.runInContext(SRC, ctx);
	return {
		crm: win.crm as { track: Call; page: Call; identify: Call; consent: Call; flush: () => Promise<void>; reset: Call },
		win,
		doc,
		nav,
		store,
		sent,
		beacons,
		warnings,
		events: () => sent.flatMap((s) => s.body.events),
		replyWith(f: typeof reply) {
			reply = f;
		}
	};
}

const settle = async (ms = 0) => {
	await vi.advanceTimersByTimeAsync(ms);
};

beforeEach(() => {
	vi.useFakeTimers({ now: new Date('2026-06-18T10:00:00Z') });
});
afterEach(() => {
	vi.useRealTimers();
	vi.restoreAllMocks();
});

describe('tracker.js', () => {
	it('is at most 4 KiB gzipped, as the build ships it (minified: scripts/build.mjs)', async () => {
		const { minifyShopScript } = await import('../../scripts/minify-shop-scripts.mjs');
		const size = gzipSync(await minifyShopScript(readFileSync('static/tracker.js', 'utf8')), { level: 9 }).length;
		console.log(`tracker.js: ${size} bytes gzipped`);
		expect(size).toBeLessThanOrEqual(4096);
	});

	it('sends a page_view on load and batches events after 2 s to the script origin, as text/plain with the key in the body', async () => {
		const b = browser();
		b.crm.track('product_view', { product_id: 'P1', price: 99, color: '红' });
		await settle(1900);
		expect(b.sent).toHaveLength(0);
		await settle(200);
		expect(b.sent).toHaveLength(1);
		const [req] = b.sent;
		expect(req.url).toBe('https://crm.example/api/crm/events');
		expect(req.contentType).toBe('text/plain');
		expect(req.body.key).toBe(KEY);
		expect(req.body.sent_at).toBe(Date.now() - 100); // sent when the 2 s timer fired
		const [pv, view] = req.body.events;
		expect(pv).toMatchObject({ type: 'page_view', url: 'https://shop.example/p/1', referrer: 'https://search.example/', properties: { title: '小店' } });
		expect(view).toMatchObject({ type: 'product_view', product_id: 'P1', price: 99, properties: { color: '红' } });
		expect(pv.anonymous_id).toMatch(/^[0-9a-f]{32}$/);
		expect(view.anonymous_id).toBe(pv.anonymous_id);
		expect(pv.id).not.toBe(view.id);
		expect(b.store.get('crm_aid')).toBe(pv.anonymous_id);
		expect(b.store.has('crm_q')).toBe(false);
	});

	it('flushes at once when 20 events are queued; ids are unique', async () => {
		const b = browser();
		for (let i = 0; i < 19; i++) b.crm.track('search', { query: `q${i}` });
		await settle(0);
		expect(b.sent).toHaveLength(1);
		expect(b.sent[0].body.events).toHaveLength(20);
		expect(new Set(b.events().map((e) => e.id)).size).toBe(20);
	});

	it('keeps the queue in localStorage while offline and sends it after a reload', async () => {
		const first = browser({ online: false });
		first.crm.track('add_to_cart', { product_id: 'P2', quantity: 2 });
		await settle(5000);
		expect(first.sent).toHaveLength(0);
		expect(JSON.parse(first.store.get('crm_q')!)).toHaveLength(2);
		const again = browser({ store: first.store, attrs: { 'data-page': 'off' } });
		await settle(0);
		expect(again.events().map((e) => e.type)).toEqual(['page_view', 'add_to_cart']);
		expect(again.store.has('crm_q')).toBe(false);
	});

	it('sends when the browser comes back online', async () => {
		const b = browser({ online: false });
		await settle(3000);
		b.nav.onLine = true;
		b.win.dispatchEvent(new Event('online'));
		await settle(0);
		expect(b.events()).toHaveLength(1);
	});

	it.each([
		[0, [1000, 2000]],
		[0.999, [1999, 3998]]
	])('retries 5xx and network errors with growing delays (random %s: jitter 50–100%%), then stops retrying', async (random, [first, second]) => {
		vi.spyOn(Math, 'random').mockReturnValue(random);
		const b = browser();
		let n = 0;
		b.replyWith((body) => {
			n++;
			if (n === 1) return new Response('', { status: 503 });
			if (n === 2) throw new TypeError('Failed to fetch');
			return Response.json({ accepted: body.events.length, duplicates: 0, rejected: [] });
		});
		await settle(2000);
		expect(n).toBe(1);
		await settle(first - 1);
		expect(n).toBe(1);
		await settle(1);
		expect(n).toBe(2);
		await settle(second - 1);
		expect(n).toBe(2);
		await settle(1);
		expect(n).toBe(3);
		await settle(60_000);
		expect(n).toBe(3);
		expect(b.store.has('crm_q')).toBe(false);
	});

	it('honours Retry-After on 429', async () => {
		const b = browser();
		let n = 0;
		b.replyWith((body) => (++n === 1 ? new Response('{}', { status: 429, headers: { 'Retry-After': '7' } }) : Response.json({ accepted: body.events.length })));
		await settle(2000);
		await settle(6900);
		expect(n).toBe(1);
		await settle(200);
		expect(n).toBe(2);
	});

	it('reads the wait from the answer when a cross-origin Retry-After header is hidden', async () => {
		const b = browser();
		let n = 0;
		b.replyWith((body) => (++n === 1 ? Response.json({ status: 429, code: 'rate_limited', retry_after: 30 }, { status: 429 }) : Response.json({ accepted: body.events.length })));
		await settle(2000);
		await settle(29_900);
		expect(n).toBe(1);
		await settle(200);
		expect(n).toBe(2);
	});

	it('drops a batch refused with 400/401/413 and logs it once; drops events rejected one by one', async () => {
		const b = browser();
		b.replyWith(() => Response.json({ status: 400, code: 'invalid_body', message: 'x' }, { status: 400 }));
		await settle(2000);
		expect(b.sent).toHaveLength(1);
		b.crm.track('search', { query: 'a' });
		await settle(2000);
		expect(b.sent).toHaveLength(2);
		await settle(120_000);
		expect(b.sent).toHaveLength(2);
		expect(b.warnings.filter((w) => w.includes('400'))).toHaveLength(1);
		expect(b.store.has('crm_q')).toBe(false);

		b.replyWith((body) => Response.json({ accepted: 0, duplicates: 0, rejected: [{ index: 0, id: body.events[0].id, field: 'time', code: 'time_out_of_range' }] }));
		b.crm.track('search', { query: 'b' });
		await settle(2000);
		expect(b.store.has('crm_q')).toBe(false);
		expect(b.warnings.some((w) => w.includes('time_out_of_range'))).toBe(true);
	});

	it('stops sending after 401 (unknown or revoked key)', async () => {
		const b = browser();
		b.replyWith(() => Response.json({ status: 401, code: 'unknown_key' }, { status: 401 }));
		await settle(2000);
		b.crm.track('search', { query: 'a' });
		await settle(10_000);
		expect(b.sent).toHaveLength(1);
	});

	it('hands the queue to sendBeacon when the page is hidden and does not send those events again right away', async () => {
		const b = browser();
		b.crm.track('checkout_start', { total: 10 });
		b.doc.visibilityState = 'hidden';
		b.doc.dispatchEvent(new Event('visibilitychange'));
		expect(b.beacons).toHaveLength(1);
		expect(b.beacons[0].url).toBe('https://crm.example/api/crm/events');
		expect(b.beacons[0].body.key).toBe(KEY);
		expect(b.beacons[0].body.events.map((e) => e.type)).toEqual(['page_view', 'checkout_start']);
		await settle(5000);
		expect(b.sent).toHaveLength(0);
		// Still queued (a beacon may be lost): re-sent later, the server keeps one copy per id.
		await settle(10_000);
		expect(b.events().map((e) => e.id)).toEqual(b.beacons[0].body.events.map((e) => e.id));
	});

	it('identify links the signed customer id to later events; reset forgets it', async () => {
		const b = browser({ attrs: { 'data-page': 'off' } });
		b.crm.identify(signed('C-1001'), { name: '张伟', phone: '+8613800000000' });
		b.crm.track('add_to_cart', { product_id: 'P1' });
		b.crm.reset();
		b.crm.track('search', { query: '耳机' });
		await settle(2000);
		const [id, cart, search] = b.events();
		expect(id).toMatchObject({ type: 'identify', customer_id: 'C-1001', customer_ts: 1765000000, customer_sig: 'sig-C-1001', traits: { name: '张伟' } });
		expect(cart).toMatchObject({ customer_id: 'C-1001', customer_sig: 'sig-C-1001' });
		expect(search.customer_id).toBeUndefined();
		expect(search.customer_sig).toBeUndefined();
		expect(search.anonymous_id).not.toBe(cart.anonymous_id);
	});

	it('an unsigned customer id is not sent (a browser key may not name a customer on its own word)', async () => {
		const b = browser({ attrs: { 'data-page': 'off' } });
		b.crm.identify('C-1001', { name: '冒名' });
		b.crm.track('search', { query: 'x' });
		b.crm.track('search', { query: 'y', customer_id: 'C-1003' });
		await settle(2000);
		expect(b.events().map((e) => e.type)).toEqual(['search', 'search']);
		for (const e of b.events()) expect(e.customer_id).toBeUndefined();
		expect(b.warnings.join(' ')).toMatch(/signed/);
	});

	it('replays calls queued on a stub before the script loaded, with options from window.crmTracker', async () => {
		const b = browser({
			attrs: { 'data-key': '' },
			config: { key: KEY, endpoint: 'https://other.example/e' },
			stub: {
				q: [
					['identify', signed('C-7')],
					['page', { title: 'x' }]
				]
			}
		});
		await settle(2000);
		expect(b.sent[0].url).toBe('https://other.example/e');
		expect(b.events().map((e) => e.type)).toEqual(['identify', 'page_view']);
		expect(b.events()[1].customer_id).toBe('C-7');
	});

	describe('consent required', () => {
		it('sends and stores nothing before consent; consent(true) sends what happened on this page', async () => {
			const b = browser({ attrs: { 'data-consent': 'required' } });
			b.crm.identify(signed('C-9'));
			b.crm.track('product_view', { product_id: 'P9' });
			await settle(30_000);
			b.doc.visibilityState = 'hidden';
			b.doc.dispatchEvent(new Event('visibilitychange'));
			expect(b.sent).toHaveLength(0);
			expect(b.beacons).toHaveLength(0);
			expect(b.store.size).toBe(0);
			await b.crm.consent(true);
			expect(b.events().map((e) => e.type)).toEqual(['page_view', 'identify', 'product_view']);
			expect(b.store.get('crm_consent')).toBe('1');
			expect(JSON.parse(b.store.get('crm_cid')!)).toEqual(signed('C-9'));
			// remembered on the next page
			const next = browser({ store: b.store, attrs: { 'data-consent': 'required' } });
			await settle(2000);
			expect(next.events()).toHaveLength(1);
		});

		it('consent(false) clears the queue and the anonymous id', async () => {
			const b = browser({ online: false });
			b.crm.track('search', { query: 'x' });
			expect(b.store.has('crm_q')).toBe(true);
			b.crm.consent(false);
			expect([...b.store.keys()]).toEqual(['crm_consent']);
			b.crm.track('search', { query: 'y' });
			b.nav.onLine = true;
			b.win.dispatchEvent(new Event('online'));
			await settle(5000);
			expect(b.sent).toHaveLength(0);
			expect([...b.store.keys()]).toEqual(['crm_consent']);
		});

		it('Do Not Track makes consent required', async () => {
			const b = browser({ dnt: '1' });
			await settle(5000);
			expect(b.sent).toHaveLength(0);
			expect(b.store.size).toBe(0);
			await b.crm.consent(true);
			expect(b.events()).toHaveLength(1);
		});
	});
});
