// Campaigns through the real server (issue "Marketing campaigns"): drafts synced like customers, the
// lifecycle and who may drive it, the frozen audience (exclusions, frequency cap, consent, a
// reproducible stratified holdout), e-mail to a real SMTP server (Mailpit) with one-click unsubscribe,
// the SMS gateway's failures, coupons, on-site decisions, triggered entries and sales tasks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { attribute, type Order, type Touch } from '../../src/lib/shared/effect';
import { customer, draft, events, id15, progress, publish, segment, signed, startSmsGateway, startWorld, until, type CampaignWorld, type SmsGateway } from './campaign-helpers';

let w: CampaignWorld;
let gw: SmsGateway;

beforeAll(async () => {
	w = await startWorld();
	gw = await startSmsGateway();
	await w.pb.admin.send('/api/crm/settings/campaigns', {
		method: 'PUT',
		body: {
			email: { enabled: true, host: '127.0.0.1', port: w.mail.smtpPort, username: '', tls: false, sender_name: '小满优选', sender_address: 'shop@example.test' },
			sms: { url: gw.url, key_id: 'test', secret: 'sms-gateway-secret', sign_name: '小满优选', opt_out_keyword: 'TD' }
		}
	});
}, 120_000);

afterAll(async () => {
	await gw?.close();
	await w?.stop();
});

const ALL_DAY = { quiet_from: '00:00', quiet_to: '00:00' };

function emailCampaign(seg: string, extra: Record<string, unknown> = {}) {
	return {
		name: '双十二老客回馈',
		channels: ['email'],
		audience: { segment: seg, holdout_pct: 0 },
		content: { email: { subject: '{{name}}，您的专属优惠', body: '{{name}} 您好：\n送您一张券 {{coupon}}（{{offer}}），详见 https://shop.example/sale' } },
		offer: { type: 'fixed', value: 20, min_spend: 199, code_mode: 'unique' },
		schedule: ALL_DAY,
		...extra
	};
}

describe('drafts and who drives a campaign', () => {
	it('a manager drafts through sync; bad drafts are refused naming the field', async () => {
		const ok = await draft(w, { name: '草稿' });
		expect(ok.res.rejected).toEqual([]);
		const bad = await draft(w, { name: 'x', content: { email: { subject: '{{nmae}}' } } });
		expect(bad.res.rejected).toMatchObject([{ status: 400, field: 'content.email.subject', code: 'unknown_variable' }]);
		const script = await draft(w, { name: 'x', content: { onsite: { body: '<script>alert(1)</script>' } } });
		expect(script.res.rejected).toMatchObject([{ field: 'content.onsite.body', code: 'markup_not_allowed' }]);
		const over = await draft(w, { name: 'x', offer: { type: 'percent', value: 120 } });
		expect(over.res.rejected).toMatchObject([{ field: 'offer.value', code: 'out_of_range' }]);
		// nobody sets the state or the server's fields from a device
		const sneaky = await draft(w, { name: 'x', state: 'running' });
		expect(sneaky.res.rejected).toMatchObject([{ status: 403 }]);
	});

	it('role grid: read, create, publish, approve, cancel', async () => {
		const c = await customer(w, { emails: ['grid@example.test'], owner: w.staff.sales.id });
		const seg = await segment(w, [c.id]);
		// With an on-site message beside the e-mail it stays running after its one e-mail went out
		// (an e-mail-only campaign of one could complete before the cancel below, and refuse it).
		const { id } = await draft(
			w,
			emailCampaign(seg, { channels: ['email', 'onsite'], content: { email: { subject: '{{name}}，您的专属优惠', body: '送您一张券 {{coupon}}' }, onsite: { body: '欢迎回来' } } })
		);
		const outcome = (p: Promise<unknown>) =>
			p.then(
				() => 'allow',
				(e) => (e.status === 403 || e.status === 404 ? 'deny' : `error ${e.status}`)
			);
		// create
		expect((await draft(w, { name: 'sales draft' }, w.pb.sales)).res.rejected).toMatchObject([{ status: 403 }]);
		expect((await draft(w, { name: 'agent draft' }, w.pb.agent)).res.rejected).toMatchObject([{ status: 403 }]);
		expect((await draft(w, { name: 'admin draft' }, w.pb.admin)).res.rejected).toEqual([]);
		// read before publishing: managers and admins
		expect(await outcome(w.pb.admin.collection('campaigns').getOne(id))).toBe('allow');
		expect(await outcome(w.pb.sales.collection('campaigns').getOne(id))).toBe('deny');
		expect(await outcome(w.pb.agent.collection('campaigns').getOne(id))).toBe('deny');
		// publish: managers and admins only
		expect(await outcome(publish(w, id, w.pb.sales))).toBe('deny');
		expect(await outcome(publish(w, id, w.pb.agent))).toBe('deny');
		expect((await publish(w, id)).state).toBe('running');
		// a sales rep reads the campaign that reached their customer; another rep does not
		expect(await outcome(w.pb.sales.collection('campaigns').getOne(id))).toBe('allow');
		expect(await outcome(w.pb.sales2.collection('campaigns').getOne(id))).toBe('deny');
		// the customer card's list: their rep and managers, not another rep
		expect((await w.pb.sales.send(`/api/crm/customers/${c.id}/campaigns`, {})).items).toContainEqual(expect.objectContaining({ campaign: id, channel: 'email' }));
		expect(await outcome(w.pb.sales2.send(`/api/crm/customers/${c.id}/campaigns`, {}))).toBe('deny');
		// cancel: not a rep
		expect(await outcome(w.pb.sales.send(`/api/crm/campaigns/${id}/cancel`, { method: 'POST' }))).toBe('deny');
		expect((await w.pb.manager.send(`/api/crm/campaigns/${id}/cancel`, { method: 'POST' })).state).toBe('cancelled');
	});

	it('a published campaign keeps its content: edits are refused (push and REST); cost and notes may change', async () => {
		const c = await customer(w, { emails: ['locked@example.test'] });
		const { id } = await draft(w, emailCampaign(await segment(w, [c.id])));
		await publish(w, id);
		// The send queue moves the campaign on (running, then completed) right after publishing; an edit
		// based on the record before that is a conflict, not the refusal this test looks for (it failed
		// so once in a full run). The refusal is tested on the record as it settles.
		await until(async () => (await progress(w, id)).state === 'completed' || undefined, 15_000);
		const base = await w.pb.manager.collection('campaigns').getOne(id);
		const edit = await w.pb.manager.send('/api/crm/sync/campaigns/push', { method: 'POST', body: { rows: [{ doc: { ...base, content: { email: { subject: '改了', body: '改了' } } }, base }] } });
		expect(edit.rejected).toMatchObject([{ status: 403, field: 'content', code: 'locked' }]);
		await expect(w.pb.manager.collection('campaigns').update(id, { name: '改名' })).rejects.toMatchObject({ status: 403 });
		expect((await w.pb.manager.collection('campaigns').update(id, { cost: 120, notes: '成本含短信费' })).cost).toBe(120);
		expect((await w.pb.manager.collection('campaigns').getOne(id)).published.content.email.subject).toBe('{{name}}，您的专属优惠');
	});
});

describe('the audience', () => {
	it('counts by reason before publishing, and refuses an audience with nobody left', async () => {
		const noConsent = await customer(w, { marketing_consent: false, emails: ['no@example.test'] });
		const noEmail = await customer(w, { emails: [] });
		const seg = await segment(w, [noConsent.id, noEmail.id]);
		const { id } = await draft(w, emailCampaign(seg));
		const preview = await w.pb.manager.send(`/api/crm/campaigns/${id}/audience`, {});
		expect(preview.counts).toMatchObject({ members: 2, audience: 2, reachable: 0, suppressed_by_reason: { no_consent: 1, no_email: 1 } });
		const refused = await publish(w, id).catch((e) => e);
		expect(refused.status).toBe(400);
		expect(refused.response.data.audience.code).toBe('empty');
		expect(refused.response.counts.suppressed_by_reason).toEqual({ no_consent: 1, no_email: 1 });
		expect((await w.pb.manager.collection('campaigns').getOne(id)).state).toBe('draft');
	});

	it('the review counts who in the audience bought in the last 30 days, the base of the smallest detectable uplift', async () => {
		const ext = ['a', 'b', 'c'].map((x) => `B30-${x}-${id15()}`);
		const people: { id: string; external_id: string }[] = [];
		for (const e of ext) people.push({ ...(await customer(w, { emails: [`${e.toLowerCase()}@example.test`], external_id: e })), external_id: e });
		const day = 86_400_000;
		const res = await events(w, [
			{ id: `o-${id15()}`, type: 'purchase', time: Date.now() - 2 * day, customer_id: ext[0], order_id: `o-${id15()}`, total: 88 },
			{ id: `o-${id15()}`, type: 'purchase', time: Date.now() - 40 * day, customer_id: ext[1], order_id: `o-${id15()}`, total: 99 }
		]);
		expect(res.rejected).toEqual([]);
		const seg = await segment(
			w,
			people.map((p) => p.id)
		);
		const { id } = await draft(w, emailCampaign(seg, { audience: { segment: seg, holdout_pct: 10 } }));
		const preview = await w.pb.manager.send(`/api/crm/campaigns/${id}/audience`, {});
		expect(preview.baseline).toEqual({ audience: 3, bought_30d: 1, days: 30 });
	});

	it('refuses a schedule in the past and names the field', async () => {
		const c = await customer(w, { emails: ['past@example.test'] });
		const { id } = await draft(w, emailCampaign(await segment(w, [c.id]), { schedule: { send_at: '2026-01-01T10:00:00+08:00' } }));
		await expect(publish(w, id)).rejects.toMatchObject({ status: 400, response: { data: { 'schedule.send_at': { code: 'in_past' } } } });
	});

	it('exclusions and the frequency cap leave people out; the holdout is stratified by RFM and the same every time', async () => {
		const people = [];
		for (let i = 0; i < 60; i++) people.push(await customer(w, { emails: [`h${i}@example.test`], external_id: `H-${id15()}` }));
		// RFM groups as the statistics job writes them
		for (let i = 0; i < people.length; i++) {
			await w.su.collection('customer_stats').create({ customer: people[i].id, rfm_segment: i < 30 ? 'champions' : 'at_risk', order_count: 1, total_spend: 10 });
		}
		const excludedSeg = await segment(w, [people[0].id, people[1].id]);
		const seg = await segment(
			w,
			people.map((p) => p.id)
		);
		const fields = emailCampaign(seg, {
			audience: { segment: seg, exclude: [excludedSeg], holdout_pct: 20 },
			channels: ['onsite'],
			content: { onsite: { body: '欢迎回来' } },
			offer: { type: 'none' }
		});
		const a = await draft(w, fields);
		const b = await draft(w, fields);
		const pa = await w.pb.manager.send(`/api/crm/campaigns/${a.id}/audience`, {});
		expect(pa.counts).toMatchObject({ members: 60, excluded: 2, audience: 58 });
		// 28 champions and 30 at risk: 20% of each
		expect(pa.counts.holdout).toBe(Math.round(28 * 0.2) + Math.round(30 * 0.2));
		await publish(w, a.id);
		const held = async (id: string) => (await w.su.collection('campaign_recipients').getFullList({ filter: `campaign = "${id}" && channel = "holdout"` })).map((r) => r.customer).sort();
		const first = await held(a.id);
		expect(first).toHaveLength(pa.counts.holdout);
		// the draw depends on the campaign: published again as another campaign, another draw…
		await publish(w, b.id);
		expect(await held(b.id)).not.toEqual(first);
		// …and reproducible: the same campaign id and members give the same holdout
		const replay = await w.pb.manager.send(`/api/crm/campaigns/${a.id}/audience`, {});
		expect(replay.frozen).toBe(true);
		expect(replay.counts.holdout).toBe(first.length);
		// the frequency cap: everyone was just reached by an on-site message? not sent yet, so nobody is capped
		const c = await draft(w, { ...fields, audience: { segment: seg, frequency_cap_days: 7, holdout_pct: 0 } });
		expect((await w.pb.manager.send(`/api/crm/campaigns/${c.id}/audience`, {})).counts.frequency_cap).toBe(0);
	});
});

describe('e-mail', () => {
	it('goes to consenting recipients only, once, personalised, with a one-click unsubscribe that stops the next campaign', async () => {
		await w.mail.clear();
		const yes = await customer(w, { name: '张<b>伟</b>', emails: ['zhang@example.test'] });
		const no = await customer(w, { marketing_consent: false, emails: ['nope@example.test'] });
		const seg = await segment(w, [yes.id, no.id]);
		const { id } = await draft(w, emailCampaign(seg));
		const out = await publish(w, id);
		expect(out.counts).toMatchObject({ audience: 2, reachable: 1, suppressed_by_reason: { no_consent: 1 } });
		const msgs = await until(async () => {
			const m = (await w.mail.messages()).filter((x) => x.Subject.includes('专属优惠'));
			return m.length >= 1 && m;
		});
		await new Promise((r) => setTimeout(r, 500));
		expect((await w.mail.messages()).filter((x) => x.Subject.includes('专属优惠')).map((m) => m.To[0].Address)).toEqual(['zhang@example.test']);
		const full = await w.mail.message(msgs[0].ID);
		expect(full.Subject).toBe('张<b>伟</b>，您的专属优惠');
		expect(full.HTML).toContain('张&lt;b&gt;伟&lt;/b&gt;');
		expect(full.HTML).not.toContain('<b>伟</b>');
		expect(full.Text).toMatch(/券 [A-Z2-9]{10}（立减 ¥20（满 ¥199 可用））/);
		expect(full.HTML).toContain('/api/crm/r/');
		const headers = await w.mail.headers(msgs[0].ID);
		expect(headers['List-Unsubscribe-Post']).toEqual(['List-Unsubscribe=One-Click']);
		const unsub = headers['List-Unsubscribe'][0].replace(/^<|>$/g, '').replace('http://crm.example.test', w.server.url);
		expect(await until(async () => (await progress(w, id)).by_channel.email?.sent === 1 && true)).toBe(true);

		// the mail client's one-click unsubscribe (RFC 8058)
		const res = await fetch(unsub, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
		expect(res.status).toBe(200);
		const ledger = await w.pb.manager.collection('consents').getFullList({ filter: `customer = "${yes.id}"`, sort: 'at' });
		expect(ledger.at(-1)).toMatchObject({ purpose: 'marketing_email', granted: false, how: 'one_click_unsubscribe', campaign: id });
		// the next campaign leaves them out, by reason
		const next = await draft(w, emailCampaign(seg, { name: '下一次' }));
		const p = await w.pb.manager.send(`/api/crm/campaigns/${next.id}/audience`, {});
		expect(p.counts).toMatchObject({ reachable: 0, suppressed_by_reason: { no_consent: 2 } });
		// a tampered link does nothing
		expect(
			(
				await fetch(
					unsub.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')),
					{ method: 'POST' }
				)
			).status
		).toBe(404);
	});

	it('opens count only where the shop recorded tracking consent; unsubscribes, message costs and the margin reach the results', async () => {
		const stamp = id15().slice(0, 6);
		const a = await customer(w, { emails: [`open-a-${stamp}@example.test`], external_id: `OP-${stamp}-a` });
		const b = await customer(w, { emails: [`open-b-${stamp}@example.test`], external_id: `OP-${stamp}-b` });
		const consent = (body: Record<string, unknown>, key = w.serverKey) =>
			fetch(`${w.server.url}/api/crm/consents`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
		// The shop's consent API: its key, its fields
		expect((await consent({ customer_id: `OP-${stamp}-a`, purpose: 'tracking', granted: true }, w.browserKey)).status).toBe(403);
		expect((await consent({ customer_id: `OP-${stamp}-a`, purpose: 'tracking', granted: true }, 'crm_sk_not-a-key')).status).toBe(401);
		for (const [body, field] of [
			[{ customer_id: `OP-${stamp}-a`, purpose: 'cookies', granted: true }, 'purpose'],
			[{ customer_id: `OP-${stamp}-a`, purpose: 'tracking' }, 'granted'],
			[{ customer_id: '', purpose: 'tracking', granted: true }, 'customer_id'],
			[{ customer_id: `OP-${stamp}-a`, purpose: 'tracking', granted: true, at: '2099-01-01T00:00:00Z' }, 'at']
		] as const) {
			const res = await consent(body);
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect((await res.json()).field).toBe(field);
		}
		const missing = await consent({ customer_id: 'nobody-here', purpose: 'tracking', granted: true });
		expect(missing.status).toBe(404);
		expect(await missing.json()).toMatchObject({ code: 'customer_not_found', field: 'customer_id' });
		const ok = await consent({ customer_id: `OP-${stamp}-a`, purpose: 'tracking', granted: true, how: 'cookie_banner', wording: '允许统计邮件打开' });
		expect(ok.status).toBe(201);
		expect((await w.pb.manager.collection('consents').getFullList({ filter: `customer = "${a.id}" && purpose = "tracking"` }))[0]).toMatchObject({ granted: true, how: 'cookie_banner' });

		// Settings → Campaigns: the margin and what a message costs (checked)
		const settings = (effect: Record<string, unknown>) =>
			w.pb.admin.send('/api/crm/settings/campaigns', {
				method: 'PUT',
				body: {
					effect,
					email: { enabled: true, host: '127.0.0.1', port: w.mail.smtpPort, sender_name: '小满优选', sender_address: 'shop@example.test' },
					sms: { url: gw.url, key_id: 'test', secret: 'sms-gateway-secret', sign_name: '小满优选', opt_out_keyword: 'TD' }
				}
			});
		const refused = await settings({ margin_percent: 0 }).catch((e) => e);
		expect(refused.status).toBe(400);
		expect(refused.response.data['effect.margin_percent'].code).toBe('out_of_range');
		expect((await settings({ margin_percent: 40, message_cost: { fax: 1 } }).catch((e) => e)).status).toBe(400);
		await settings({ margin_percent: 40, message_cost: { email: 0.05 } });
		expect((await w.pb.admin.send('/api/crm/settings/campaigns', {})).effect).toEqual({ margin_percent: 40, message_cost: { email: 0.05 } });

		const { id } = await draft(
			w,
			emailCampaign(await segment(w, [a.id, b.id]), { name: `打开-${stamp}`, cost: 10, offer: { type: 'none' }, content: { email: { subject: `打开测试 ${stamp}`, body: '{{name}} 您好' } } })
		);
		await publish(w, id);
		const mails = await until(async () => {
			const m = (await w.mail.messages()).filter((x) => x.Subject === `打开测试 ${stamp}`);
			return m.length === 2 && m;
		});
		const html = async (to: string) => (await w.mail.message(mails.find((m) => m.To[0].Address === to)!.ID)).HTML;
		const aHtml = await html(`open-a-${stamp}@example.test`);
		expect(await html(`open-b-${stamp}@example.test`)).not.toContain('/api/crm/o/');
		const pixel = aHtml
			.match(/src="([^"]*\/api\/crm\/o\/[^"]+)"/)![1]
			.replace(/&amp;/g, '&')
			.replace('http://crm.example.test', w.server.url);
		await until(async () => (await progress(w, id)).by_channel.email?.sent === 2 && true);
		// a tampered pixel answers the image and counts nothing
		const tampered = await fetch(pixel.replace(/[0-9a-f](\.gif)$/, (c, g) => (c[0] === 'a' ? 'b' : 'a') + g));
		expect([tampered.status, tampered.headers.get('content-type')]).toEqual([200, 'image/gif']);
		expect((await w.pb.manager.send(`/api/crm/campaigns/${id}/results`, {})).engagement.opened).toBe(0);
		for (let i = 0; i < 2; i++) expect((await fetch(pixel)).status).toBe(200);
		// b unsubscribes through the campaign's link
		const bMail = mails.find((m) => m.To[0].Address === `open-b-${stamp}@example.test`)!;
		const unsub = (await w.mail.headers(bMail.ID))['List-Unsubscribe'][0].replace(/^<|>$/g, '').replace('http://crm.example.test', w.server.url);
		expect((await fetch(unsub, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
		const res = await w.pb.manager.send(`/api/crm/campaigns/${id}/results`, {});
		expect(res.engagement.opened).toBe(1);
		expect(res.unsubscribes).toBe(1);
		expect(res.margin).toBeCloseTo(0.4, 10);
		expect(res.cost_parts).toEqual({ campaign: 10, messages: 0.1 });
		expect(res.cost).toBeCloseTo(10.1, 10);
		const compared = await w.pb.manager.send('/api/crm/campaigns-compare', { query: { months: 1 } });
		expect(compared.margin).toBeCloseTo(0.4, 10);
		expect(compared.campaigns.find((c: { id: string }) => c.id === id).cost).toBeCloseTo(10.1, 10);
		await settings({ margin_percent: 30, message_cost: {} });
	});

	it('a test send goes to the manager, marked as a test', async () => {
		const c = await customer(w, { emails: ['t@example.test'], name: '预览客户' });
		const { id } = await draft(w, emailCampaign(await segment(w, [c.id])));
		const t = await w.pb.manager.send(`/api/crm/campaigns/${id}/test`, { method: 'POST', body: { channel: 'email', customer: c.id } });
		expect(t.to).toBe(w.staff.manager.email);
		await until(async () => (await w.pb.manager.send(`/api/crm/campaigns/${id}/test/${t.id}`, {})).status === 'sent');
		const m = (await w.mail.messages()).find((x) => x.To[0].Address === w.staff.manager.email && x.Subject.startsWith('[测试]'));
		expect(m?.Subject).toBe('[测试] 预览客户，您的专属优惠');
		// nothing counts as sent for the campaign
		expect((await progress(w, id)).by_channel).toEqual({});
	});
});

describe('SMS through the gateway', () => {
	it('signs each request; a 500 and a timeout are retried, a 400 fails with its reason; nothing is sent twice', async () => {
		const a = await customer(w, { phones: ['+8613800000001'] });
		const b = await customer(w, { phones: ['+8613800000002'] });
		const c = await customer(w, { phones: ['+8613800000003'] });
		gw.received = [];
		gw.script = [500, 400];
		const { id } = await draft(w, {
			name: '短信活动',
			channels: ['sms'],
			audience: { segment: await segment(w, [a.id, b.id, c.id]), holdout_pct: 0 },
			content: { sms: { template_id: 'SMS_1234', params: { name: '{{name}}' } } },
			schedule: ALL_DAY
		});
		await publish(w, id);
		const done = await until(async () => {
			const p = await progress(w, id);
			const s = p.by_channel.sms ?? {};
			return (s.sent ?? 0) + (s.failed ?? 0) === 3 && s;
		}, 30_000);
		expect(done).toEqual({ sent: 2, failed: 1 });
		expect(gw.received.every((r) => r.signatureOk)).toBe(true);
		const outIds = gw.received.map((r) => r.body.out_id);
		// one retry after the 500: four requests for three messages, the retry with the same out_id
		expect(outIds).toHaveLength(4);
		expect(new Set(outIds).size).toBe(3);
		const failed = (await w.pb.manager.send(`/api/crm/campaigns/${id}/recipients?status=failed`, {})).items;
		expect(failed[0].reason).toMatch(/sms gateway refused \(400\)/);
		// an opt-out keyword withdraws SMS consent
		const body = JSON.stringify({ phone: '13800000001', content: 'TD' });
		const sig = (await import('node:crypto')).createHmac('sha256', 'sms-gateway-secret').update(body).digest('hex');
		const inbound = await fetch(`${w.server.url}/api/crm/sms/inbound`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': sig }, body });
		expect((await inbound.json()).opted_out).toBe(1);
		expect((await w.pb.manager.collection('consents').getFullList({ filter: `customer = "${a.id}" && purpose = "marketing_sms"` }))[0]).toMatchObject({ granted: false, how: 'sms_keyword' });
	});
});

describe('coupons, on-site messages, triggers and tasks', () => {
	it('unique codes for the shop, checked with the server key, redeemed by a purchase that carries one', async () => {
		const shopId = `U-${id15()}`;
		const c = await customer(w, { emails: ['coupon@example.test'], external_id: shopId });
		const { id } = await draft(w, emailCampaign(await segment(w, [c.id]), { offer: { type: 'percent', value: 15, code_mode: 'unique', valid_to: '2099-12-31' } }));
		await publish(w, id);
		const csv = await (await fetch(`${w.server.url}/api/crm/campaigns/${id}/coupons.csv`, { headers: { authorization: w.pb.manager.authStore.token } })).text();
		const code = csv.split('\n')[1].split(',')[0];
		expect(code).toMatch(/^[A-Z2-9]{10}$/);
		const check = async () => (await fetch(`${w.server.url}/api/crm/coupons/${code}`, { headers: { authorization: `Bearer ${w.serverKey}` } })).json();
		expect(await check()).toMatchObject({ valid: true, kind: 'percent', value: 15, customer_id: shopId });
		expect((await fetch(`${w.server.url}/api/crm/coupons/${code}`, { headers: { authorization: `Bearer ${w.browserKey}` } })).status).toBe(403);
		await events(w, [{ id: `o-${id15()}`, type: 'purchase', time: Date.now() - 1000, customer_id: shopId, order_id: `o-${id15()}`, total: 100, coupon: code.toLowerCase() }]);
		expect(await check()).toMatchObject({ valid: false, reason: 'already_used', redemptions: 1 });
		// an agent sees it beside the chat: the customer's campaigns and coupon states
		const seen = await w.pb.manager.send(`/api/crm/customers/${c.id}/campaigns`, {});
		expect(seen.coupons[code]).toMatchObject({ valid: false, reason: 'already_used' });
	});

	it('a shared code another campaign already uses is refused at publishing, naming the field; nothing is written', async () => {
		const c = await customer(w, { emails: ['shared@example.test'] });
		const seg = await segment(w, [c.id]);
		const code = `VIP-${id15().slice(0, 6).toUpperCase()}`;
		const first = await draft(w, emailCampaign(seg, { offer: { type: 'fixed', value: 10, code_mode: 'shared', shared_code: code } }));
		await publish(w, first.id);
		// typed in lower case with spaces around, it is the same code
		const second = await draft(w, emailCampaign(seg, { offer: { type: 'fixed', value: 10, code_mode: 'shared', shared_code: ` ${code.toLowerCase()} ` } }));
		expect(second.res.rejected).toEqual([]);
		const refused = await publish(w, second.id).catch((e) => e);
		expect(refused.status).toBe(400);
		expect(refused.response.data['offer.shared_code']).toMatchObject({ code: 'not_unique' });
		expect(refused.response.data['offer.shared_code'].message).toContain(code);
		expect((await w.pb.manager.collection('campaigns').getOne(second.id)).state).toBe('draft');
		const rows = await w.pb.manager.send(`/api/crm/campaigns/${second.id}/recipients`, {});
		expect(rows.items).toEqual([]);
	});

	it('on-site: the message is for the audience shopper, not the holdout or anyone else; seen, clicked and dismissed come back as events', async () => {
		const inId = `IN-${id15()}`;
		const heldId = `HO-${id15()}`;
		const outId = `OUT-${id15()}`;
		const inC = await customer(w, { external_id: inId });
		const heldC = await customer(w, { external_id: heldId });
		await customer(w, { external_id: outId });
		const { id } = await draft(w, {
			name: '站内横幅',
			channels: ['onsite'],
			audience: { segment: await segment(w, [inC.id, heldC.id]), holdout_pct: 0 },
			content: { onsite: { style: 'banner', title: '欢迎回来', body: '{{name}}，今天全场包邮', cta_label: '去看看', cta_url: 'https://shop.example/' } },
			schedule: ALL_DAY
		});
		await publish(w, id);
		// hold one of them out by hand, as the holdout would (the draw is tested above)
		const heldRow = (await w.su.collection('campaign_recipients').getFullList({ filter: `campaign = "${id}" && customer = "${heldC.id}"` }))[0];
		await w.su.collection('campaign_recipients').update(heldRow.id, { status: 'holdout', channel: 'holdout' });
		const ask = (ext: string) =>
			fetch(`${w.server.url}/api/crm/onsite?${new URLSearchParams({ key: w.browserKey, anonymous_id: 'a1', ...Object.fromEntries(Object.entries(signed(ext)).map(([k, v]) => [k, String(v)])) })}`);
		const shown = await ask(inId);
		expect(shown.status).toBe(200);
		const msg = await shown.json();
		expect(msg).toMatchObject({ campaign: id, style: 'banner', title: '欢迎回来', cta_url: 'https://shop.example/' });
		expect(msg.body).toMatch(/，今天全场包邮$/);
		expect((await ask(heldId)).status).toBe(204);
		expect((await ask(outId)).status).toBe(204);
		// unsigned: refused
		expect((await fetch(`${w.server.url}/api/crm/onsite?key=${w.browserKey}&customer_id=${inId}`)).status).toBe(400);
		// the tracker's reports
		const report = (type: string) => ({ id: `e-${id15()}`, type, time: Date.now() - 500, ...signed(inId), properties: { delivery: msg.delivery, campaign: id } });
		await events(w, [report('campaign_impression'), report('campaign_click')], w.browserKey);
		const row = (await w.pb.manager.send(`/api/crm/campaigns/${id}/recipients?channel=onsite`, {})).items.find((r: { customer: string }) => r.customer === inC.id);
		expect(row).toMatchObject({ status: 'delivered', impressions: 1 });
		expect(row.clicked_at).toBeGreaterThan(0);
		await events(w, [report('campaign_dismiss')], w.browserKey);
		expect((await ask(inId)).status).toBe(204);
	});

	it('chat: the message is offered at every session until the widget says it kept it; only then is it delivered, once', async () => {
		const inId = `CH-${id15()}`;
		const otherId = `CHO-${id15()}`;
		const inC = await customer(w, { external_id: inId });
		await customer(w, { external_id: otherId });
		const { id } = await draft(w, {
			name: '聊天消息',
			channels: ['chat'],
			audience: { segment: await segment(w, [inC.id]), holdout_pct: 0 },
			content: { chat: { body: '{{name}}，降价了' } },
			schedule: ALL_DAY
		});
		await publish(w, id);
		const session = async (ext: string) => {
			const s = signed(ext);
			const res = await fetch(`${w.server.url}/api/crm/chat/session`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ identity: { customer_id: s.customer_id, ts: s.customer_ts, sig: s.customer_sig } })
			});
			expect(res.status).toBe(200);
			return res.json();
		};
		const status = async () => (await w.pb.manager.send(`/api/crm/campaigns/${id}/recipients?channel=chat`, {})).items.find((r: { customer: string }) => r.customer === inC.id)?.status;
		// The first answer is lost (the page was reloaded): the next session offers it again.
		const first = await session(inId);
		expect(first.proactive).toHaveLength(1);
		expect(first.proactive[0].body).toMatch(/，降价了$/);
		expect(await status()).toBe('queued');
		const second = await session(inId);
		expect(second.proactive.map((p: { delivery: string }) => p.delivery)).toEqual([first.proactive[0].delivery]);
		// Another shopper cannot mark it, nor see it.
		const other = await session(otherId);
		expect(other.proactive).toEqual([]);
		const received = (token: string, body: unknown) =>
			fetch(`${w.server.url}/api/crm/chat/campaign-received`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: token }, body: JSON.stringify(body) });
		expect(await (await received(other.token, { deliveries: [first.proactive[0].delivery] })).json()).toEqual({ delivered: 0 });
		expect(await status()).toBe('queued');
		// Bad input and no visitor: refused, naming the field.
		const bad = await received(second.token, { deliveries: 'x' });
		expect(bad.status).toBe(400);
		expect((await bad.json()).data.deliveries.code).toBe('invalid');
		expect((await received('', { deliveries: [] })).status).toBe(401);
		expect((await received(w.pb.manager.authStore.token, { deliveries: [first.proactive[0].delivery] })).status).toBe(403);
		// Kept: delivered, once; the next session offers nothing.
		expect(await (await received(second.token, { deliveries: [first.proactive[0].delivery] })).json()).toEqual({ delivered: 1 });
		expect(await (await received(second.token, { deliveries: [first.proactive[0].delivery] })).json()).toEqual({ delivered: 0 });
		expect(await status()).toBe('delivered');
		expect((await session(inId)).proactive).toEqual([]);
	});

	it('pause stops the queue; resume goes on where it stopped', async () => {
		const people = [];
		for (let i = 0; i < 40; i++) people.push(await customer(w, { emails: [`p${i}-${id15()}@example.test`] }));
		const { id } = await draft(
			w,
			emailCampaign(
				await segment(
					w,
					people.map((p) => p.id)
				),
				{ name: '暂停测试', offer: { type: 'none' }, content: { email: { subject: '暂停测试', body: '你好 {{name}}' } } }
			)
		);
		await w.pb.admin.send('/api/crm/settings/campaigns', {
			method: 'PUT',
			body: { rates: { email_per_second: 20, sms_per_second: 50 }, email: { enabled: true, host: '127.0.0.1', port: w.mail.smtpPort, sender_address: 'shop@example.test', sender_name: '小满优选' } }
		});
		await publish(w, id);
		await until(async () => ((await progress(w, id)).by_channel.email?.sent ?? 0) > 0);
		await w.pb.manager.send(`/api/crm/campaigns/${id}/pause`, { method: 'POST' });
		const atPause = (await progress(w, id)).by_channel.email.sent ?? 0;
		// (started_at is kept to the second: the orders come a second or more after it)
		await new Promise((r) => setTimeout(r, 2500));
		const later = (await progress(w, id)).by_channel.email;
		// within a second: at most the messages already in flight
		expect((later.sent ?? 0) - atPause).toBeLessThanOrEqual(16);
		expect(later.queued).toBeGreaterThan(0);
		expect((await progress(w, id)).state).toBe('paused');
		await w.pb.manager.send(`/api/crm/campaigns/${id}/resume`, { method: 'POST' });
		await until(async () => (await progress(w, id)).by_channel.email?.sent === 40, 30_000);
		const mails = (await w.mail.messages()).filter((m) => m.Subject === '暂停测试');
		expect(mails).toHaveLength(40);
		expect(await until(async () => (await progress(w, id)).state === 'completed' || undefined, 10_000)).toBe(true);
	});

	it('a triggered abandoned-cart campaign: a cart without a purchase enters once; sales tasks reach the rep', async () => {
		const shopId = `CART-${id15()}`;
		const c = await customer(w, { external_id: shopId, owner: w.staff.sales.id });
		const { id } = await draft(w, {
			name: '购物车挽回',
			kind: 'triggered',
			trigger: { type: 'abandoned_cart', delay_hours: 0, reentry_days: 30 },
			channels: ['task'],
			audience: { holdout_pct: 0 },
			content: { task: { kind: 'call', note: '回访：购物车里还有商品' } },
			schedule: ALL_DAY
		});
		expect((await publish(w, id)).state).toBe('running');
		await events(w, [{ id: `c-${id15()}`, type: 'add_to_cart', time: Date.now(), customer_id: shopId, product_id: 'P1' }]);
		await new Promise((r) => setTimeout(r, 50));
		expect((await w.pb.manager.send('/api/crm/campaigns/triggers/run', { method: 'POST' })).entered).toBe(1);
		expect((await w.pb.manager.send('/api/crm/campaigns/triggers/run', { method: 'POST' })).entered).toBe(0);
		const task = await until(async () => (await w.pb.sales.collection('service_records').getFullList({ filter: `customer = "${c.id}"` }))[0]);
		expect(task).toMatchObject({ kind: 'call', staff: w.staff.sales.id, follow_up_done: false });
		expect(task.summary).toBe('【活动】购物车挽回：回访：购物车里还有商品');
		// the rep logs the call: it counts as the touch
		await w.pb.sales.collection('service_records').update(task.id, { follow_up_done: true, outcome: '已下单' });
		const row = (await w.pb.manager.send(`/api/crm/campaigns/${id}/recipients?channel=task`, {})).items[0];
		expect(row.clicked_at).toBeGreaterThan(0);
		// Its trend, by the week customers entered (Monday, shop time UTC+8)
		const local = new Date(Date.now() + 8 * 3_600_000);
		const monday = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - ((local.getUTCDay() + 6) % 7))).toISOString().slice(0, 10);
		const weekly = await until(async () => {
			const r = await w.pb.manager.send(`/api/crm/campaigns/${id}/results`, {});
			return r.weekly?.length > 0 && r.weekly;
		});
		// (the cart came before the entry: no visit within the window yet)
		expect(weekly).toEqual([
			{
				week: monday,
				treated: { recipients: 1, visited: 0, converted: 0, orders: 0, revenue: { n: 1, sum: 0, sumSq: 0 } },
				holdout: { recipients: 0, visited: 0, converted: 0, orders: 0, revenue: { n: 0, sum: 0, sumSq: 0 } }
			}
		]);
	});
});

describe('results against the holdout', () => {
	it('attribution: coupon beats click, click beats exposure, outside the window counts for nothing, two clicks and one order count it once; the same from events in any order', async () => {
		const stamp = id15().slice(0, 6);
		const HOUR = 3_600_000;
		const DAY = 24 * HOUR;
		const T = Date.now();
		const people: { id: string; ext: string }[] = [];
		for (let i = 0; i < 6; i++) {
			const ext = `AT-${stamp}-${i}`;
			people.push({ id: (await customer(w, { external_id: ext })).id, ext });
		}
		const seg = await segment(
			w,
			people.map((p) => p.id)
		);
		const code = `AT${stamp}`.toUpperCase();
		const onsite = (name: string, extra: Record<string, unknown> = {}) => ({
			name,
			channels: ['onsite'],
			audience: { segment: seg, holdout_pct: 0 },
			content: { onsite: { body: name } },
			offer: { type: 'none' },
			schedule: ALL_DAY,
			...extra
		});
		const X = (await draft(w, onsite('归因 X'))).id;
		const Y = (await draft(w, onsite('归因 Y', { attribution_days: 2 }))).id;
		const Z = (await draft(w, onsite('归因 Z', { offer: { type: 'fixed', value: 10, code_mode: 'shared', shared_code: code.toLowerCase() } }))).id;
		for (const c of [X, Y, Z]) await publish(w, c);
		const rows = async (c: string) =>
			new Map<string, string>((await w.pb.manager.send(`/api/crm/campaigns/${c}/recipients?channel=onsite&per_page=100`, {})).items.map((r: { customer: string; id: string }) => [r.customer, r.id]));
		const delivery = { [X]: await rows(X), [Y]: await rows(Y), [Z]: await rows(Z) };
		const touch = (type: 'campaign_impression' | 'campaign_click', c: string, p: number, time: number) => ({
			id: `t-${id15()}`,
			type,
			time,
			customer_id: people[p].ext,
			properties: { delivery: delivery[c].get(people[p].id), campaign: c }
		});
		const buy = (p: number, n: string, time: number, total: number, coupon?: string) => ({
			id: `b-${stamp}-${n}`,
			type: 'purchase',
			time,
			customer_id: people[p].ext,
			order_id: `o-${stamp}-${n}`,
			total,
			...(coupon ? { coupon } : {})
		});
		const touches = [
			touch('campaign_click', X, 0, T - 2 * HOUR),
			touch('campaign_click', Y, 0, T - HOUR), // two clicks, one order: Y, once
			touch('campaign_click', X, 1, T - 3 * HOUR), // a coupon of Z beats the click on X
			touch('campaign_impression', X, 2, T - HOUR), // seen, not clicked: view-through
			touch('campaign_impression', X, 3, T - HOUR),
			touch('campaign_click', X, 3, T - HOUR + 1000),
			touch('campaign_impression', Y, 3, T - 30 * 60_000), // click beats exposure
			touch('campaign_click', Y, 4, T - 3 * DAY) // Y's window is 2 days: the order is outside it
		];
		// f reuses Z's shared code: a coupon order of Z's too
		const orders = [
			buy(0, 'a', T - 10 * 60_000, 120),
			buy(1, 'b', T - 5 * 60_000, 90, code.toLowerCase()),
			buy(2, 'c', T - 20 * 60_000, 60),
			buy(3, 'd', T - 10 * 60_000, 75),
			buy(4, 'e', T - HOUR, 40),
			buy(5, 'f', T - HOUR, 33, code)
		];
		const refund = { id: `r-${stamp}-a`, type: 'refund', time: T - 60_000, customer_id: people[0].ext, order_id: `o-${stamp}-a`, total: 20 };
		// Orders first, then the touches, shuffled; one order and one click sent twice.
		expect(
			(
				await events(
					w,
					[...orders, refund].sort(() => Math.random() - 0.5)
				)
			).rejected
		).toEqual([]);
		const second = await events(
			w,
			[...touches, orders[0], touches[0]].sort(() => Math.random() - 0.5)
		);
		expect(second).toMatchObject({ accepted: touches.length, duplicates: 2, rejected: [] });

		// The same from the raw events, with the rules in src/lib/shared/effect.ts.
		const ids = { [X]: 'X', [Y]: 'Y', [Z]: 'Z' } as Record<string, string>;
		const windows: Record<string, number> = { [X]: 7, [Y]: 2, [Z]: 7 };
		const want = attribute(
			orders.map((o): Order => ({ id: o.order_id, customer: o.customer_id, time: o.time, coupon: o.coupon })),
			touches.map((t): Touch => ({
				campaign: t.properties.campaign,
				customer: t.customer_id,
				kind: t.type === 'campaign_click' ? 'click' : 'exposure',
				time: t.time,
				windowDays: windows[t.properties.campaign]
			})),
			new Map([[code, Z]])
		);
		expect(want.map((a) => `${a.order.slice(-1)}:${ids[a.campaign]}:${a.rule}`).sort()).toEqual(['a:Y:click', 'b:Z:coupon', 'c:X:view_through', 'd:X:click', 'f:Z:coupon']);
		const revenue = (orderId: string) => orders.find((o) => o.order_id === orderId)!.total - (orderId === refund.order_id ? refund.total : 0);
		for (const c of [X, Y, Z]) {
			const res = await w.pb.manager.send(`/api/crm/campaigns/${c}/results`, {});
			for (const rule of ['coupon', 'click', 'view_through'] as const) {
				const mine = want.filter((a) => a.campaign === c && a.rule === rule);
				expect(res.attributed[rule], `${ids[c]} ${rule}`).toEqual({ orders: mine.length, customers: mine.length, revenue: mine.reduce((s, a) => s + revenue(a.order), 0) });
			}
			// the shared code: one coupon, used twice
			if (c === Z) expect(res.coupons).toEqual({ issued: 1, redeemed: 1 });
		}
	});
	it('every figure equals a recomputation from the events sent, after duplicated, shuffled and late events and refunds', async () => {
		const stamp = id15().slice(0, 6);
		const people: { id: string; external_id: string }[] = [];
		// (the first one's name would run as a formula in a spreadsheet)
		for (let i = 0; i < 40; i++) people.push({ ...(await customer(w, { emails: [], external_id: `R-${stamp}-${i}`, ...(i === 0 ? { name: '=SUM(1,2)' } : {}) })), external_id: `R-${stamp}-${i}` });
		const seg = await segment(
			w,
			people.map((p) => p.id)
		);
		const { id } = await draft(w, {
			name: '效果',
			channels: ['onsite'],
			audience: { segment: seg, holdout_pct: 50 },
			content: { onsite: { body: '新品上架' } },
			offer: { type: 'none' },
			schedule: ALL_DAY
		});
		// a sales rep may not read results; nor may anyone before publishing
		expect((await w.pb.sales.send(`/api/crm/campaigns/${id}/results`, {}).catch((e) => e)).status).toBe(403);
		expect((await w.pb.manager.send(`/api/crm/campaigns/${id}/results`, {}).catch((e) => e)).status).toBe(400);
		await publish(w, id);
		const started = Date.parse((await until(async () => (await w.pb.manager.collection('campaigns').getOne(id)).started_at || false)) as string);
		const held = new Set((await w.pb.manager.send(`/api/crm/campaigns/${id}/recipients?channel=holdout&per_page=500`, {})).items.map((r: { customer: string }) => r.customer));
		expect(held.size).toBe(20);
		await new Promise((r) => setTimeout(r, 1500));

		// Orders: in the window for both groups, one before the campaign started, one refunded in part,
		// one sent twice (same event), and a refund sent before its purchase.
		const ext = (i: number) => people[i].external_id;
		const inWindow = () => started + 1200 + Math.floor(Math.random() * 1000);
		const raw: Record<string, unknown>[] = [];
		for (let i = 0; i < 40; i += 3) raw.push({ id: `p-${stamp}-${i}`, type: 'purchase', time: inWindow(), customer_id: ext(i), order_id: `o-${stamp}-${i}`, total: 50 + i });
		raw.push({ id: `p-${stamp}-2b`, type: 'purchase', time: inWindow(), customer_id: ext(0), order_id: `o-${stamp}-0b`, total: 30 });
		raw.push({ id: `p-${stamp}-early`, type: 'purchase', time: started - 60_000, customer_id: ext(1), order_id: `o-${stamp}-early`, total: 999 });
		raw.push({ id: `r-${stamp}-3`, type: 'refund', time: inWindow(), customer_id: ext(3), order_id: `o-${stamp}-3`, total: 20 });
		raw.push({ id: `r-${stamp}-4`, type: 'refund', time: inWindow(), customer_id: ext(4), order_id: `o-${stamp}-4`, total: 10 });
		const late = { id: `p-${stamp}-4`, type: 'purchase', time: inWindow(), customer_id: ext(4), order_id: `o-${stamp}-4`, total: 80 };
		// Visits: page views in the window (one twice), one before the start, an identify (not a visit).
		for (let i = 1; i < 40; i += 4) raw.push({ id: `v-${stamp}-${i}`, type: 'page_view', time: inWindow(), customer_id: ext(i) });
		raw.push({ id: `v-${stamp}-5b`, type: 'page_view', time: inWindow(), customer_id: ext(5) });
		raw.push({ id: `v-${stamp}-early`, type: 'page_view', time: started - 60_000, customer_id: ext(2) });
		raw.push({ id: `i-${stamp}-6`, type: 'identify', time: inWindow(), customer_id: ext(6) });
		const shuffled = [...raw].sort(() => Math.random() - 0.5);
		expect((await events(w, shuffled.slice(0, 10))).rejected).toEqual([]);
		expect((await events(w, [...shuffled.slice(5), shuffled[0]])).rejected).toEqual([]);
		expect((await events(w, [late])).rejected).toEqual([]);

		// The same figures from the raw events: an order once, refunds netted, inside [start, start + 7 days).
		const orders = new Map<string, { customer: string; time: number; total: number; refunded: number; purchased: boolean }>();
		for (const ev of [...raw, late] as { type: string; time: number; customer_id: string; order_id: string; total: number }[]) {
			const o = orders.get(ev.order_id) ?? { customer: ev.customer_id, time: 0, total: 0, refunded: 0, purchased: false };
			if (ev.type === 'purchase') Object.assign(o, { time: ev.time, total: ev.total, purchased: true });
			else o.refunded += ev.total;
			orders.set(ev.order_id, o);
		}
		const byExt = new Map(people.map((p) => [p.external_id, p.id]));
		const expected = { treated: { recipients: 0, visited: 0, converted: 0, orders: 0, sum: 0, sumSq: 0 }, holdout: { recipients: 0, visited: 0, converted: 0, orders: 0, sum: 0, sumSq: 0 } };
		for (const p of people) {
			const g = held.has(p.id) ? expected.holdout : expected.treated;
			// visited: any event but an identify or a refund within the window
			g.visited += ([...raw, late] as { type: string; time: number; customer_id: string }[]).some(
				(ev) => byExt.get(ev.customer_id) === p.id && ev.type !== 'identify' && ev.type !== 'refund' && ev.time >= started && ev.time < started + 7 * 86_400_000
			)
				? 1
				: 0;
			const mine = [...orders.values()].filter((o) => byExt.get(o.customer) === p.id && o.purchased && o.time >= started && o.time < started + 7 * 86_400_000);
			const revenue = mine.reduce((s, o) => s + o.total - o.refunded, 0);
			g.recipients++;
			g.orders += mine.length;
			g.converted += mine.length > 0 ? 1 : 0;
			g.sum += revenue;
			g.sumSq += revenue * revenue;
		}
		const res = await w.pb.manager.send(`/api/crm/campaigns/${id}/results`, {});
		for (const name of ['treated', 'holdout'] as const) {
			const got = res.groups[name];
			const want = expected[name];
			expect({ recipients: got.recipients, visited: got.visited, converted: got.converted, orders: got.orders }).toEqual({
				recipients: want.recipients,
				visited: want.visited,
				converted: want.converted,
				orders: want.orders
			});
			expect(got.revenue.n).toBe(want.recipients);
			expect(got.revenue.sum).toBeCloseTo(want.sum, 2);
			expect(got.revenue.sumSq).toBeCloseTo(want.sumSq, 2);
		}
		expect(res.attribution_days).toBe(7);
		// By RFM group, adding up to the whole
		for (const name of ['treated', 'holdout'] as const) {
			for (const k of ['recipients', 'visited', 'converted', 'orders'] as const)
				expect(res.by_stratum.reduce((s: number, x: Record<string, Record<string, number>>) => s + x[name][k], 0)).toBe(res.groups[name][k]);
			expect(res.by_stratum.reduce((s: number, x: Record<string, { revenue: { sum: number } }>) => s + x[name].revenue.sum, 0)).toBeCloseTo(res.groups[name].revenue.sum, 2);
		}
		// A purchase arriving after the figures were read (the outcome rows exist): counted at once.
		const lateBuyer = people.find((p) => held.has(p.id) && !([...raw, late] as { customer_id: string }[]).some((ev) => ev.customer_id === p.external_id))!;
		expect((await events(w, [{ id: `p-${stamp}-after`, type: 'purchase', time: inWindow(), customer_id: lateBuyer.external_id, order_id: `o-${stamp}-after`, total: 40 }])).rejected).toEqual([]);
		const again = await w.pb.manager.send(`/api/crm/campaigns/${id}/results`, {});
		expect(again.groups.holdout.converted).toBe(expected.holdout.converted + 1);
		expect(again.groups.holdout.visited).toBe(expected.holdout.visited + 1);
		expect(again.groups.holdout.revenue.sum).toBeCloseTo(expected.holdout.sum + 40, 2);
		expect(again.groups.holdout.revenue.sumSq).toBeCloseTo(expected.holdout.sumSq + 1600, 2);
		expect(res.delivery.holdout.holdout).toBe(20);
		// Side by side with the others: the same figures; only managers and admins; months checked.
		const compared = await w.pb.manager.send('/api/crm/campaigns-compare', { query: { months: 1 } });
		const mine = compared.campaigns.find((c: { id: string }) => c.id === id);
		expect(mine).toMatchObject({ name: '效果', kind: 'broadcast', channels: ['onsite'], offer: 'none', groups: { treated: again.groups.treated, holdout: again.groups.holdout } });
		expect((await w.pb.sales.send('/api/crm/campaigns-compare', {}).catch((e) => e)).status).toBe(403);
		// The customer's own campaigns list their response: people[0] bought twice (50 + 30) in the window.
		const own = await w.pb.manager.send(`/api/crm/customers/${people[0].id}/campaigns`, {});
		expect(own.responses[id]).toMatchObject({ holdout: held.has(people[0].id), orders: 2, revenue: 80 });
		// The recipients with their response, as CSV: one line each, the same revenue, formulas guarded.
		const csvRes = await fetch(`${w.server.url}/api/crm/campaigns/${id}/recipients.csv`, { headers: { authorization: w.pb.manager.authStore.token } });
		expect(csvRes.headers.get('content-type')).toContain('text/csv');
		const text = (await csvRes.text()).replace(/^\uFEFF/, '');
		const lines = text.trim().split('\r\n');
		expect(lines[0]).toBe('customer_id,name,shop_customer_id,group,rfm_group,channels,coupon,clicked,orders_in_window,revenue_in_window');
		expect(lines).toHaveLength(41);
		const cells = Papa.parse<string[]>(text.trim()).data.slice(1);
		expect(cells.filter((c) => c[3] === 'holdout')).toHaveLength(20);
		expect(cells.reduce((sum, c) => sum + Number(c[9]), 0)).toBeCloseTo(again.groups.treated.revenue.sum + again.groups.holdout.revenue.sum, 2);
		expect(cells.find((c) => c[0] === people[0].id)?.[1]).toBe("'=SUM(1,2)");
		expect((await fetch(`${w.server.url}/api/crm/campaigns/${id}/recipients.csv`, { headers: { authorization: w.pb.sales.authStore.token } })).status).toBe(403);
		const bad = await w.pb.manager.send('/api/crm/campaigns-compare', { query: { months: 99 } }).catch((e) => e);
		expect(bad.status).toBe(400);
		expect(bad.response.data.months.code).toBe('invalid');
		// or a period of shop days (UTC+8), as the analytics area asks: today has it, yesterday does not
		const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
		const today = day(Date.now());
		const yesterday = day(Date.now() - 86_400_000);
		expect((await w.pb.manager.send('/api/crm/campaigns-compare', { query: { from: today, to: today } })).campaigns.some((c: { id: string }) => c.id === id)).toBe(true);
		expect((await w.pb.manager.send('/api/crm/campaigns-compare', { query: { from: yesterday, to: yesterday } })).campaigns.some((c: { id: string }) => c.id === id)).toBe(false);
		for (const [query, field] of [
			[{ from: '2026-13-01', to: today }, 'from'],
			[{ from: today, to: yesterday }, 'to']
		] as const) {
			const e = await w.pb.manager.send('/api/crm/campaigns-compare', { query }).catch((x) => x);
			expect(e.status).toBe(400);
			expect(Object.keys(e.response.data)).toEqual([field]);
		}
		expect(res.delivery.onsite.queued).toBe(20);
	});
});
