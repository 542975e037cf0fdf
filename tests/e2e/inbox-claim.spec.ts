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
