// The demo's sales reps get a book of customers (issue 18, item 1: after `npm run demo` every rep
// signed in to "还没有客户"): the managed tags and categories, then for each rep a share of the
// registered customers (at most 60 each) handed over by the manager with a category and a tag, and on
// the rep's own device (the sync push, as the app does) visits and calls of the past weeks, three
// follow-ups due today and two overdue. Ids are fixed per customer, so a second run changes nothing.
import { hash01, pool } from './demo-util.mjs';
const DAY = 86_400_000;

/** A 15-character record id made from a key (a-z0-9), the same every run. */
function idFor(key) {
	let out = '';
	for (let i = 0; out.length < 15; i++) out += Math.floor(hash01(`${key}.${i}`) * 36).toString(36);
	return out;
}

const TAGS = ['VIP', '老客', '团购', '母婴', '礼品'];
const CATEGORIES = ['零售', '会员', '企业客户'];
const VISITS = [
	['visit', '上门拜访，介绍了新品', '客户对羊毛系列感兴趣'],
	['call', '电话回访上次订单', '满意，想再订一批'],
	['call', '电话沟通团购报价', '需要和同事商量'],
	['visit', '门店面谈', '留下了样品目录']
];

/** Shop day (UTC+8) of a moment, as YYYY-MM-DD. */
const shopDay = (ms) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);

/**
 * @param {{ url: string, ownerToken: string, manager: { email: string, password: string }, sales: { email: string, password: string }[], perRep?: number }} o
 */
export async function demoBook({ url, ownerToken, manager, sales, perRep = 60 }) {
	async function call(method, path, token, body) {
		const res = await fetch(url + path, {
			method,
			headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		const json = await res.json().catch(() => ({}));
		if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
		return json;
	}
	const signIn = (who) => call('POST', '/api/collections/staff/auth-with-password', '', { identity: who.email, password: who.password });
	const mgr = await signIn(manager);
	const reps = await Promise.all(sales.map(signIn));
	const tally = { assigned: 0, records: 0, due: 0 };

	// The managed labels (kept from an earlier run: pushed again they are conflicts, which is fine).
	const labels = [...TAGS.map((name, i) => ({ kind: 'tag', name, sort: i })), ...CATEGORIES.map((name, i) => ({ kind: 'category', name, sort: i }))];
	await call('POST', '/api/crm/sync/labels/push', mgr.token, { rows: labels.map((l) => ({ doc: { id: idFor(`label.${l.kind}.${l.name}`), ...l }, base: null })) });

	// Registered customers nobody holds yet, in a fixed order.
	const free = [];
	for (let page = 1; ; page++) {
		const json = await call(
			'GET',
			`/api/collections/customers/records?page=${page}&perPage=500&skipTotal=1&fields=id,external_id,owner,tags,category&filter=${encodeURIComponent('deleted=false')}`,
			ownerToken
		);
		free.push(...json.items.filter((c) => !c.owner && c.external_id));
		if (json.items.length < 500) break;
	}
	free.sort((a, b) => hash01(`book.${a.external_id}`) - hash01(`book.${b.external_id}`));
	const share = Math.min(perRep, Math.floor(free.length / (reps.length + 1)));
	const now = Date.now();
	for (const [r, rep] of reps.entries()) {
		const book = free.slice(r * share, (r + 1) * share);
		await pool(book, 4, async (c) => {
			const h = hash01(`tag.${c.external_id}`);
			const tags = [...new Set([...(c.tags ?? []), TAGS[Math.floor(h * TAGS.length)]])];
			await call('PATCH', `/api/collections/customers/records/${c.id}`, mgr.token, {
				owner: rep.record.id,
				tags,
				category: c.category || CATEGORIES[Math.floor(hash01(`cat.${c.external_id}`) * CATEGORIES.length)]
			});
			tally.assigned++;
		});
		// The rep's own service records: two past contacts for a third of the book; follow-ups due today
		// for three customers and overdue for two (what the Today list and the reminders show).
		const rows = [];
		book.forEach((c, i) => {
			if (i % 3 === 0) {
				for (let k = 0; k < 2; k++) {
					const [kind, summary, outcome] = VISITS[(i + k) % VISITS.length];
					rows.push({ id: idFor(`sr.${c.id}.${k}`), customer: c.id, staff: rep.record.id, kind, summary, outcome, at: new Date(now - (3 + k * 9 + (i % 5)) * DAY).toISOString(), follow_up: '' });
				}
			}
			const due = i < 3 ? shopDay(now) : i < 5 ? shopDay(now - (i - 1) * DAY) : '';
			if (due) {
				rows.push({
					id: idFor(`sr.${c.id}.due`),
					customer: c.id,
					staff: rep.record.id,
					kind: 'call',
					summary: '约好今天回电确认订单',
					outcome: '',
					at: new Date(now - 4 * DAY).toISOString(),
					follow_up: due
				});
				tally.due++;
			}
		});
		for (let i = 0; i < rows.length; i += 200) {
			const res = await call('POST', '/api/crm/sync/service_records/push', rep.token, { rows: rows.slice(i, i + 200).map((doc) => ({ doc, base: null })) });
			tally.records += rows.slice(i, i + 200).length - res.conflicts.length - res.rejected.length;
			if (res.rejected.length) throw new Error(`service records refused: ${JSON.stringify(res.rejected.slice(0, 2))}`);
		}
	}
	return tally;
}
