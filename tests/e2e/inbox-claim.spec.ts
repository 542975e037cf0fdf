import { test, expect, TABLET } from './fixtures';
import { api, staffToken } from './chat-fixtures';

// A waiting chat taken by someone else leaves an agent's queue at once (the server's `leave` event on
// crm/chat), and an agent who still clicks "claim" on it (their realtime down) is told in Chinese that
// another agent took it, not shown the server's English.

async function waitingChat(url: string, name: string): Promise<string> {
	const s = await api<{ token: string; visitor: { id: string } }>(url, '/api/crm/chat/session', { name, locale: 'zh-CN' });
	const c = await api<{ id: string }>(url, '/api/collections/conversations/records', { visitor: s.visitor.id, topic: 'pre_sale' }, s.token);
	await api(url, '/api/collections/messages/records', { conversation: c.id, client_id: `v-${Date.now()}`, body: '请问有货吗' }, s.token);
	return c.id;
}

test('a waiting chat the manager takes leaves the agent’s queue at once; a stale claim is said in words', async ({ openAs, server }) => {
	const manager = await staffToken(server.url, server.staff.manager);
	const agent = await openAs('agent', { viewport: TABLET });
	const { page } = agent;
	await page.goto('/inbox');
	const queue = page.getByTestId('queue');

	const first = await waitingChat(server.url, '排队甲');
	const item = queue.getByRole('listitem').filter({ hasText: '排队甲' });
	await expect(item).toBeVisible({ timeout: 15_000 });
	await api(server.url, `/api/collections/conversations/records/${first}`, { assignee: server.staff.manager.id }, manager, 'PATCH');
	// Well before the console's 15 s refresh: the realtime `leave`.
	await expect(item).toHaveCount(0, { timeout: 4000 });

	// The agent's realtime is down (the page is reloaded with the stream refused): the queue still
	// shows a chat the manager has since taken, and claiming it says why it failed.
	const second = await waitingChat(server.url, '排队乙');
	await page.route('**/api/realtime**', (route) => route.abort());
	await page.reload();
	const stale = queue.getByRole('listitem').filter({ hasText: '排队乙' });
	await expect(stale).toBeVisible({ timeout: 15_000 });
	await api(server.url, `/api/collections/conversations/records/${second}`, { assignee: server.staff.manager.id }, manager, 'PATCH');
	await stale.getByRole('button', { name: '接入' }).click();
	await expect(page.getByText('该会话已被其他客服接入。')).toBeVisible();
	await expect(page.getByText(/wasn't found|requested resource/i)).toHaveCount(0);
});

test('a chat taken before the console’s realtime is ready still leaves the queue, without waiting for the refresh', async ({ openAs, server }) => {
	const manager = await staffToken(server.url, server.staff.manager);
	const agent = await openAs('agent', { viewport: TABLET });
	const { page } = agent;
	const id = await waitingChat(server.url, '排队丙');
	// The subscription reaches the server 3 s late (a slow network): the list is fetched first, and
	// the manager takes the chat in between, so no `leave` is sent to this console.
	await page.route('**/api/realtime', async (route) => {
		if (route.request().method() === 'POST') await new Promise((r) => setTimeout(r, 3000));
		await route.continue();
	});
	await page.goto('/inbox');
	const item = page.getByTestId('queue').getByRole('listitem').filter({ hasText: '排队丙' });
	await expect(item).toBeVisible({ timeout: 10_000 });
	await api(server.url, `/api/collections/conversations/records/${id}`, { assignee: server.staff.manager.id }, manager, 'PATCH');
	// Once subscribed, the console refetches: gone well before the 15 s refresh.
	await expect(item).toHaveCount(0, { timeout: 8000 });
});
