// The service agent's guide (docs/guide/<locale>/agent.md) on a tablet: a shopper writes from the
// shop, the agent takes the chat from the queue, answers with a canned reply, leaves a note for
// colleagues, opens a case with its SLA, and reads the service metrics.
import { test, expect, TABLET } from './guide';

async function shopperWrites(url: string, name: string, text: string) {
	const post = async (path: string, body: unknown, token?: string) => {
		const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) }, body: JSON.stringify(body) });
		if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
		return res.json();
	};
	const s = await post('/api/crm/chat/session', { name, locale: 'zh-CN' });
	const c = await post('/api/collections/conversations/records', { visitor: s.visitor.id, status: 'open', topic: 'order_problem', channel: 'web' }, s.token);
	await post('/api/collections/messages/records', { conversation: c.id, client_id: `guide-${Date.now()}`, author_kind: 'visitor', body: text }, s.token);
}

test('service agent: queue, reply, note, case, metrics', async ({ guide }) => {
	const { w, shot } = guide;
	const page = await guide.as('agent', TABLET);
	const nav = page.getByRole('navigation', { name: w('nav.main') });
	const shopper = guide.locale === 'en' ? `Ms Lin ${Date.now().toString(36).slice(-3)}` : `林女士${Date.now().toString(36).slice(-3)}`;

	await test.step('the queue: shoppers waiting, longest first', async () => {
		await nav.getByRole('link', { name: new RegExp(`^${w('nav.inbox')}`) }).click();
		await shopperWrites(process.env.GUIDE_URL!, shopper, guide.locale === 'en' ? 'Hello, my coupon does not work at checkout' : '你好，我的优惠券结账时用不了');
		await expect(page.getByTestId('queue').getByRole('listitem').filter({ hasText: shopper })).toBeVisible({ timeout: 20_000 });
		await shot(page, 'agent-queue');
	});

	await test.step('take the chat and answer with a canned reply', async () => {
		await page
			.getByTestId('queue')
			.getByRole('listitem')
			.filter({ hasText: shopper })
			.getByRole('button', { name: w('inbox.claim') })
			.click();
		const pane = page.getByTestId('chat-pane');
		await expect(pane.getByTestId('chat-name')).toHaveText(shopper);
		const box = pane.getByTestId('compose');
		await box.fill('/hi');
		await box.press('Tab');
		await expect(box).not.toHaveValue('/hi');
		await pane.getByRole('button', { name: w('chat.send'), exact: true }).click();
		await expect(pane.getByTestId('messages')).toContainText('演示商城客服');
		await shot(page, 'agent-reply');
	});

	await test.step('a note only colleagues see, and a case with its due times', async () => {
		const pane = page.getByTestId('chat-pane');
		await pane.getByText(w('chat.mode_note'), { exact: true }).click();
		await pane.getByTestId('compose').fill(guide.locale === 'en' ? 'Coupon SPRING10 expired yesterday; offering a new one.' : '优惠券 SPRING10 昨天已过期，给客户换一张。');
		await pane.getByRole('button', { name: w('chat.add_note'), exact: true }).click();
		await expect(
			pane
				.getByTestId('messages')
				.getByTestId('message')
				.filter({ hasText: w('chat.internal') })
		).toBeVisible();
		const cases = page.getByTestId('cases');
		await cases.getByTestId('open-case').click();
		await cases.getByLabel(w('case.summary')).fill(guide.locale === 'en' ? 'Coupon refused at checkout' : '结账时优惠券无法使用');
		await cases.getByRole('button', { name: w('case.create'), exact: true }).click();
		await expect(cases).toContainText(w('case.created'));
		await shot(page, 'agent-case');
	});

	await test.step('transfer the chat to a colleague', async () => {
		const pane = page.getByTestId('chat-pane');
		await pane.getByTestId('transfer').selectOption({ label: '钱客服' });
		await expect(page.getByTestId('mine').getByText(shopper)).toHaveCount(0, { timeout: 15_000 });
	});

	await test.step('service metrics: response and resolution times', async () => {
		await nav.getByRole('link', { name: w('nav.metrics'), exact: true }).click();
		await expect(page.getByRole('heading', { name: w('metrics.title'), level: 1 })).toBeVisible();
		await shot(page, 'agent-metrics');
	});
});
