// What the chat e2e tests share: a server staffed round the clock (the widget starts a chat the same
// way at any hour; the after-hours form has its own test), and a JSON call to the server's API.
import { seedStaff, startServer } from '../fixtures/pocketbase';
import { test as base } from './fixtures';

export const staffedTest = base.extend<object, { server: Awaited<ReturnType<typeof startServer>> & { staff: Awaited<ReturnType<typeof seedStaff>>['staff'] } }>({
	server: [
		// eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a fixture needs from this destructuring
		async ({}, use) => {
			process.env.CRM_CHAT_HOURS = 'Mon-Sun 00:00-24:00';
			const server = await startServer().finally(() => delete process.env.CRM_CHAT_HOURS);
			const { staff } = await seedStaff(server.url);
			await use({ ...server, staff });
			await server.stop();
		},
		{ scope: 'worker' }
	]
});

/** A JSON request to the server's API; throws with the status and answer when refused. */
export async function api<T>(url: string, path: string, body: unknown, token?: string, method = 'POST'): Promise<T> {
	const res = await fetch(url + path, {
		method,
		headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
		body: method === 'GET' ? undefined : JSON.stringify(body)
	});
	const json = await res.json();
	if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
	return json as T;
}

/** A member of staff's token, signed in through the API. */
export async function staffToken(url: string, who: { email: string; password: string }): Promise<string> {
	return (await api<{ token: string }>(url, '/api/collections/staff/auth-with-password', { identity: who.email, password: who.password })).token;
}
