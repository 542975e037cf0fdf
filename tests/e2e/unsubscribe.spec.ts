// Campaigns (acceptance): an unsubscribe clicked in a received e-mail stops the next campaign for that
// address and shows in the customer's consent history on a device. The e-mail goes through a real
// SMTP server (Mailpit); the shopper opens the link from it in a phone browser; the manager's tablet
// shows the withdrawal, pulled by sync.
import { test, expect, PHONE, TABLET } from './fixtures';
import { startMailpit } from '../fixtures/mailpit';

async function api(url: string, method: string, path: string, token: string, body?: unknown) {
	const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json', authorization: token }, body: body === undefined ? undefined : JSON.stringify(body) });
	const json = await res.json();
	if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
	return json;
}

const id15 = () => Array.from({ length: 15 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');
const ALL_DAY = { quiet_from: '00:00', quiet_to: '00:00' };

test('an unsubscribe clicked in a received e-mail stops the next campaign and shows in the consent history on a device', async ({ browser, server, openAs }) => {
	test.setTimeout(120_000);
	const mail = await startMailpit();
	const owner = await api(server.url, 'POST', '/api/collections/staff/auth-with-password', '', { identity: server.staff.owner.email, password: server.staff.owner.password });
	const manager = await api(server.url, 'POST', '/api/collections/staff/auth-with-password', '', { identity: server.staff.manager.email, password: server.staff.manager.password });
	try {
		await api(server.url, 'PUT', '/api/crm/settings/campaigns', owner.token, {
			public_url: server.url,
			email: { enabled: true, host: '127.0.0.1', port: mail.smtpPort, username: '', tls: false, sender_name: '小满优选', sender_address: 'shop@example.test' }
		});
		const stamp = Date.now().toString(36);
		const address = `unsub-${stamp}@example.test`;
		const person = { id: id15(), name: `退订顾客${stamp}`, emails: [address], marketing_consent: true, consent_how: 'web_form' };
		await api(server.url, 'POST', '/api/crm/sync/customers/push', manager.token, { rows: [{ doc: person, base: null }] });
		const segment = id15();
		await api(server.url, 'POST', '/api/crm/sync/segments/push', manager.token, {
			rows: [{ doc: { id: segment, name: `退订分组 ${stamp}`, kind: 'static', members: [person.id], owner: server.staff.manager.id, shared: true }, base: null }]
		});
		const campaign = (name: string) => ({
			id: id15(),
			name,
			kind: 'broadcast',
			state: 'draft',
			owner: server.staff.manager.id,
			channels: ['email'],
			audience: { segment, holdout_pct: 0 },
			offer: { type: 'none' },
			content: { email: { subject: `${name}：{{name}}，冬季上新`, body: '{{name}}，您好！冬季新品到店。' } },
			schedule: ALL_DAY
		});
		const first = campaign(`冬季上新 ${stamp}`);
		await api(server.url, 'POST', '/api/crm/sync/campaigns/push', manager.token, { rows: [{ doc: first, base: null }] });
		expect((await api(server.url, 'POST', `/api/crm/campaigns/${first.id}/publish`, manager.token)).counts).toMatchObject({ reachable: 1 });

		// The e-mail arrives; the shopper opens its unsubscribe link on a phone and confirms.
		await expect.poll(async () => (await mail.messages()).filter((m) => m.To[0]?.Address === address).length, { timeout: 20_000 }).toBe(1);
		const received = (await mail.messages()).find((m) => m.To[0]?.Address === address)!;
		const text = (await mail.message(received.ID)).Text;
		const link = text.match(/退订：(\S+)/)?.[1];
		expect(link, text).toMatch(new RegExp(`^${server.url}/api/crm/unsubscribe/`));
		const shopper = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' });
		const phone = await shopper.newPage();
		await phone.goto(link!);
		await expect(phone.getByRole('heading', { name: /退订营销消息/ })).toBeVisible();
		await phone.getByRole('button', { name: /确认退订/ }).click();
		await expect(phone.getByRole('heading', { name: /已退订/ })).toBeVisible();
		await phone.screenshot({ path: test.info().outputPath('unsubscribed.png') });
		await shopper.close();

		// The next campaign to the same segment leaves the address out, with the reason.
		const next = campaign(`新年预告 ${stamp}`);
		await api(server.url, 'POST', '/api/crm/sync/campaigns/push', manager.token, { rows: [{ doc: next, base: null }] });
		expect((await api(server.url, 'GET', `/api/crm/campaigns/${next.id}/audience`, manager.token)).counts).toMatchObject({ reachable: 0, suppressed_by_reason: { no_consent: 1 } });
		const refused = await fetch(`${server.url}/api/crm/campaigns/${next.id}/publish`, { method: 'POST', headers: { authorization: manager.token } });
		expect(refused.status).toBe(400);

		// The manager's tablet shows it in the customer's consent history.
		const { page } = await openAs('manager', { viewport: TABLET });
		await page.goto(`/customers/${person.id}`);
		const consent = page.getByRole('region', { name: '营销许可' });
		await expect(consent.getByText('邮件: 不同意')).toBeVisible({ timeout: 15_000 });
		await expect(consent.getByRole('listitem').filter({ hasText: '撤回' }).filter({ hasText: '退订链接' })).toBeVisible();
		await expect(consent.getByText('站内消息: 同意')).toBeVisible();
		await page.screenshot({ path: test.info().outputPath('consent-history.png'), fullPage: true });
		// Nothing more went to the address.
		expect((await mail.messages()).filter((m) => m.To[0]?.Address === address)).toHaveLength(1);
	} finally {
		await api(server.url, 'PUT', '/api/crm/settings/campaigns', owner.token, { email: { enabled: false, host: '127.0.0.1', port: 25, sender_address: 'shop@example.test', sender_name: 'CRM' } }).catch(
			() => undefined
		);
		await mail.stop();
	}
});
