// Campaigns for the demo (scripts/demo.mjs), through the same APIs as the app and the shop: shoppers
// who ticked "send me offers" at registration get their consent recorded (the records API, so the
// consent ledger writes it), a manager builds segments and campaigns as a device pushes them, publishes
// (the owner approves the one with an offer), assigns lapsing buyers to the sales reps for a call
// campaign, and the shop's back end then reports what the shoppers did: on-site messages seen and
// clicked, purchases with the campaign's coupon codes, and some purchases by the holdout (so the
// holdout has a baseline to compare with). Ids are fixed, so a second run publishes nothing twice and
// the shop's events are kept once.
import { hash01, pool, random } from './demo-util.mjs';

const DAY = 86_400_000;

/**
 * @param {{ url: string, seed: number, ownerToken: string, serverKey: string,
 *   manager: { email: string, password: string }, sales: { email: string, password: string }[] }} o
 */
export async function demoCampaigns({ url, seed, ownerToken, serverKey, manager, sales }) {
	const rand = random(seed ^ 0xc4a1);
	async function call(method, path, token, body) {
		const res = await fetch(url + path, {
			method,
			headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		const text = await res.text();
		let json = {};
		try {
			json = JSON.parse(text);
		} catch {
			// CSV or empty
		}
		if (!res.ok) throw Object.assign(new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`), { status: res.status, body: json });
		return { json, text };
	}
	const signIn = async (who) => (await call('POST', '/api/collections/staff/auth-with-password', '', { identity: who.email, password: who.password })).json;
	const mgr = await signIn(manager);
	const reps = await Promise.all(sales.map(signIn));
	const tally = { consented: 0, campaigns: 0, published: 0, assigned: 0, impressions: 0, clicks: 0, couponOrders: 0, holdoutOrders: 0 };

	// 1. Consent: about 7 in 10 registered shoppers ticked "send me offers" (the same ones every run).
	const all = [];
	for (let page = 1; ; page++) {
		const { json } = await call(
			'GET',
			`/api/collections/customers/records?page=${page}&perPage=500&skipTotal=1&fields=id,external_id,marketing_consent,owner&filter=${encodeURIComponent('deleted=false')}`,
			ownerToken
		);
		all.push(...json.items);
		if (json.items.length < 500) break;
	}
	const extOf = new Map(all.map((c) => [c.id, c.external_id]));
	const toConsent = all.filter((c) => !c.marketing_consent && c.external_id && hash01(`consent.${seed}.${c.external_id}`) < 0.7);
	await pool(toConsent, 4, async (c) => {
		await call('PATCH', `/api/collections/customers/records/${c.id}`, ownerToken, { marketing_consent: true, consent_how: 'web_form', consent_at: new Date(Date.now() - 200 * DAY).toISOString() });
		tally.consented++;
	});

	// 2. Segments, pushed by the manager's device (a fixed id: pushed again, it is a conflict, which is fine).
	const push = async (collection, doc) => {
		const { json } = await call('POST', `/api/crm/sync/${collection}/push`, mgr.token, { rows: [{ doc, base: null }] });
		if (json.rejected?.length) throw new Error(`${collection} ${doc.id}: ${JSON.stringify(json.rejected)}`);
	};
	const segActive = 'demosegactive01';
	const segLapsing = 'demoseglapsing1';
	const segVip = 'demosegvip00001';
	await push('segments', {
		id: segActive,
		name: '近 90 天买过的客户',
		kind: 'dynamic',
		owner: mgr.record.id,
		shared: true,
		rule: {
			op: 'and',
			rules: [
				{ field: 'order_count', cmp: 'gte', value: 1 },
				{ field: 'days_since_last_purchase', cmp: 'lte', value: 90 }
			]
		}
	});
	await push('segments', {
		id: segLapsing,
		name: '半年没回购的老客',
		kind: 'dynamic',
		owner: mgr.record.id,
		shared: true,
		rule: {
			op: 'and',
			rules: [
				{ field: 'order_count', cmp: 'gte', value: 2 },
				{ field: 'days_since_last_purchase', cmp: 'gte', value: 180 }
			]
		}
	});
	await push('segments', {
		id: segVip,
		name: '高消费客户 (¥5000+)',
		kind: 'dynamic',
		owner: mgr.record.id,
		shared: true,
		rule: { op: 'and', rules: [{ field: 'total_spend', cmp: 'gte', value: 5000 }] }
	});

	// 3. The lapsing buyers get a sales rep (managers assign), so the call campaign has someone to call.
	const lapsing = (await call('GET', `/api/crm/segments/${segLapsing}/members`, mgr.token)).json;
	const lapsingIds = (lapsing.ids ?? []).slice(0, 120);
	await pool(
		lapsingIds.filter((id) => !all.find((c) => c.id === id)?.owner),
		4,
		async (id) => {
			await call('PATCH', `/api/collections/customers/records/${id}`, mgr.token, { owner: reps[tally.assigned % reps.length].record.id });
			tally.assigned++;
		}
	);

	// 4. Campaigns.
	const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
	const inDays = (n) => new Date(Date.now() + 8 * 3600_000 + n * DAY).toISOString().slice(0, 10);
	const ALL_DAY = { quiet_from: '00:00', quiet_to: '00:00' };
	const campaigns = [
		{
			id: 'democampdec1201',
			name: '双十二会员回馈',
			kind: 'broadcast',
			channels: ['onsite', 'chat'],
			publish: true,
			audience: { segment: segActive, exclude: [], holdout_pct: 10, frequency_cap_days: 0 },
			offer: { type: 'threshold', value: 30, threshold: 199, code_mode: 'unique', valid_from: today, valid_to: inDays(14) },
			content: {
				onsite: { style: 'banner', title: '双十二会员回馈', body: '{{name}}，满 199 减 30，券码 {{coupon}}', cta_label: '去使用', cta_url: `${url}/demo-shop/` },
				chat: { body: '{{name}}您好，双十二送您一张满 199 减 30 的券：{{coupon}}，14 天内有效。' }
			},
			schedule: ALL_DAY
		},
		{
			id: 'democampcall001',
			name: '老客回访电话',
			kind: 'broadcast',
			channels: ['task'],
			publish: true,
			audience: { segment: segLapsing, holdout_pct: 20 },
			offer: { type: 'none' },
			content: { task: { kind: 'call', note: '半年没回购：问问上次的体验，告诉他双十二活动' } },
			schedule: ALL_DAY
		},
		{
			id: 'democampcart001',
			name: '购物车挽回（站内）',
			kind: 'triggered',
			channels: ['onsite'],
			publish: true,
			trigger: { type: 'abandoned_cart', delay_hours: 2, reentry_days: 14 },
			audience: { holdout_pct: 10 },
			offer: { type: 'fixed', value: 10, code_mode: 'shared', shared_code: 'CART10', valid_to: inDays(60) },
			content: { onsite: { style: 'popup', title: '购物车里的宝贝还在', body: '{{name}}，今天下单立减 10 元，券码 {{coupon}}', cta_label: '去结算', cta_url: `${url}/demo-shop/` } },
			schedule: ALL_DAY
		},
		{
			id: 'democampnewyr01',
			name: '元旦预热（草稿）',
			kind: 'broadcast',
			channels: ['onsite'],
			publish: false,
			audience: { segment: segVip, holdout_pct: 5 },
			offer: { type: 'percent', value: 12, code_mode: 'unique', valid_from: inDays(20), valid_to: inDays(30) },
			content: { onsite: { style: 'popup', title: '元旦专享', body: '{{name}}，元旦全场 88 折：{{coupon}}' } },
			schedule: { ...ALL_DAY, send_at: new Date(Date.now() + 20 * DAY).toISOString() }
		}
	];
	for (const { publish, ...c } of campaigns) {
		await push('campaigns', { ...c, state: 'draft', owner: mgr.record.id });
		tally.campaigns++;
		if (!publish) continue;
		const { json: current } = await call('GET', `/api/collections/campaigns/records/${c.id}`, mgr.token);
		if (current.state === 'draft') {
			const { json: res } = await call('POST', `/api/crm/campaigns/${c.id}/publish`, mgr.token);
			if (res.state === 'pending_approval') await call('POST', `/api/crm/campaigns/${c.id}/approve`, ownerToken);
		} else if (current.state === 'pending_approval') {
			await call('POST', `/api/crm/campaigns/${c.id}/approve`, ownerToken);
		}
		tally.published++;
	}

	// 5. What the shoppers did: the on-site rows and the coupons of the broadcast, then the holdout.
	const main = campaigns[0].id;
	const rows = [];
	for (let page = 1; ; page++) {
		const { json } = await call('GET', `/api/crm/campaigns/${main}/recipients?page=${page}`, mgr.token);
		rows.push(...json.items);
		if (page * json.per_page >= json.total) break;
	}
	const events = [];
	const now = Date.now();
	const at = () => now - Math.floor(rand() * 3_600_000) - 60_000;
	for (const r of rows) {
		const ext = extOf.get(r.customer);
		if (!ext) continue;
		if (r.channel === 'onsite' && r.status !== 'suppressed' && hash01(`seen.${r.id}`) < 0.45) {
			events.push({ id: `demo-imp-${r.id}`, type: 'campaign_impression', time: at(), customer_id: ext, properties: { delivery: r.id, campaign: main } });
			tally.impressions++;
			if (hash01(`click.${r.id}`) < 0.2) {
				events.push({ id: `demo-clk-${r.id}`, type: 'campaign_click', time: at(), customer_id: ext, properties: { delivery: r.id, campaign: main } });
				tally.clicks++;
			}
			if (r.coupon && hash01(`buy.${r.id}`) < 0.3) {
				const total = 199 + Math.round(hash01(`total.${r.id}`) * 600);
				events.push({ id: `demo-order-${r.id}`, type: 'purchase', time: at(), customer_id: ext, order_id: `demo-cpn-${r.id}`, total: total - 30, coupon: r.coupon });
				tally.couponOrders++;
			}
		} else if (r.channel === 'holdout' && hash01(`hold.${r.id}`) < 0.06) {
			events.push({ id: `demo-order-${r.id}`, type: 'purchase', time: at(), customer_id: ext, order_id: `demo-hld-${r.id}`, total: 150 + Math.round(hash01(`total.${r.id}`) * 500) });
			tally.holdoutOrders++;
		}
	}
	for (let i = 0; i < events.length; i += 500) await call('POST', '/api/crm/events', `Bearer ${serverKey}`, events.slice(i, i + 500));
	// Abandoned carts enter the triggered campaign now rather than at the next minute's scan.
	await call('POST', '/api/crm/campaigns/triggers/run', mgr.token).catch(() => undefined);
	return tally;
}
