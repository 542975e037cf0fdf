// The send queue against crashes (issue "Marketing campaigns", acceptance): a 5,000-recipient e-mail
// campaign is sending while the server is killed with SIGKILL ten times and started again on the
// same data; in the end every consenting recipient has exactly one e-mail in the mailbox (Mailpit),
// and nobody of the holdout or without consent has any.
import { afterAll, beforeAll, expect, it } from 'vitest';
import PocketBase from 'pocketbase';
import { startServer } from '../fixtures/pocketbase';
import { draft, id15, publish, segment, startWorld, type CampaignWorld } from './campaign-helpers';

const RECIPIENTS = 5000;
const KILLS = 10;
let w: CampaignWorld;

beforeAll(async () => {
	w = await startWorld();
}, 120_000);

afterAll(async () => {
	await w?.stop();
});

it(`${KILLS} SIGKILLs while ${RECIPIENTS} e-mails go out: each consenting recipient gets exactly one, nobody else any`, async () => {
	const ids: string[] = [];
	const consenting = new Set<string>();
	const refusing = new Set<string>();
	const rows = [];
	for (let i = 0; i < RECIPIENTS; i++) {
		const email = `r${i}-${id15()}@example.test`;
		const consent = i % 10 !== 0; // one in ten never agreed to marketing
		const doc = { id: id15(), name: `收件人${i}`, emails: [email], marketing_consent: consent, consent_how: consent ? 'web_form' : undefined };
		ids.push(doc.id);
		(consent ? consenting : refusing).add(email);
		rows.push({ doc, base: null });
	}
	for (let i = 0; i < rows.length; i += 200) {
		const res = await w.pb.manager.send('/api/crm/sync/customers/push', { method: 'POST', body: { rows: rows.slice(i, i + 200) } });
		expect(res.rejected).toEqual([]);
	}
	const { id } = await draft(w, {
		name: '重启测试',
		channels: ['email'],
		audience: { segment: await segment(w, ids), holdout_pct: 10 },
		content: { email: { subject: '重启测试 {{name}}', body: '{{name}} 您好' } },
		schedule: { quiet_from: '00:00', quiet_to: '00:00' }
	});
	const published = await publish(w, id);
	expect(published.counts).toMatchObject({ audience: RECIPIENTS, holdout: 500, suppressed_by_reason: { no_consent: expect.any(Number) } });

	// Kill it while it sends, again and again, on the same data directory and port.
	const { dataDir, port } = w.server;
	let resent = 0;
	const resentIn = (log: string) => [...log.matchAll(/send queue: (\d+) messages were being sent/g)].reduce((n, m) => n + Number(m[1]), 0);
	for (let k = 0; k < KILLS; k++) {
		await new Promise((r) => setTimeout(r, 700 + Math.random() * 1200));
		resent += resentIn(w.server.log());
		await w.server.stop({ signal: 'SIGKILL', keepData: true });
		w.server = await startServer({ dataDir, port, env: { CRM_SHOP_IDENTITY_SECRET: 'campaign-shop-secret', CRM_PUBLIC_URL: 'http://crm.example.test' } });
	}
	const manager = new PocketBase(w.server.url);
	manager.authStore.save(w.pb.manager.authStore.token, w.pb.manager.authStore.record);
	const deadline = Date.now() + 120_000;
	for (;;) {
		const p = await manager.send(`/api/crm/campaigns/${id}/progress`, {});
		const e = p.by_channel.email ?? {};
		if (!e.queued && !e.sending) break;
		if (Date.now() > deadline) throw new Error(`still sending: ${JSON.stringify(e)}`);
		await new Promise((r) => setTimeout(r, 500));
	}

	const heldOut = new Set(
		(await w.su.collection('campaign_recipients').getFullList({ filter: `campaign = "${id}" && channel = "holdout"`, expand: 'customer', batch: 1000 })).map(
			(r) => (r.expand?.customer?.emails ?? [])[0]
		)
	);
	expect(heldOut.size).toBe(500);
	const mails = (await w.mail.messages()).filter((m) => m.Subject.startsWith('重启测试'));
	const perAddress = new Map<string, number>();
	for (const m of mails) perAddress.set(m.To[0].Address, (perAddress.get(m.To[0].Address) ?? 0) + 1);
	const expected = [...consenting].filter((e) => !heldOut.has(e));
	const missing = expected.filter((e) => !perAddress.has(e));
	const doubled = [...perAddress].filter(([, n]) => n > 1);
	const wrong = [...perAddress.keys()].filter((e) => refusing.has(e) || heldOut.has(e));
	resent += resentIn(w.server.log());
	// Messages in flight at a kill went out again with the same Message-ID; the mailbox kept one.
	console.log(
		`campaign sigkill: ${mails.length} e-mails for ${expected.length} consenting recipients outside the holdout; missing ${missing.length}, doubled ${doubled.length}, to the holdout or without consent ${wrong.length}; ${resent} sent again after a kill (same Message-ID)`
	);
	expect({ missing: missing.length, doubled: doubled.length, wrong: wrong.length }).toEqual({ missing: 0, doubled: 0, wrong: 0 });
	expect(mails.length).toBe(expected.length);
}, 300_000);
