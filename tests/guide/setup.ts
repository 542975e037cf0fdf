// The guide's server: a fresh one filled by `npm run demo` (a small shop: 400 customers, a year of
// events, today's chats, campaigns, the reps' books), so every role's screens show real work.
import { execFileSync } from 'node:child_process';
import { startServer } from '../fixtures/pocketbase';

export default async function setup() {
	// A server already filled (GUIDE_URL set by whoever runs the guide against it): used as it is.
	if (process.env.GUIDE_URL) return;
	const server = await startServer({ env: { CRM_TOUR: 'on' } });
	console.log(`guide: server at ${server.url}; filling it with the demo shop…`);
	execFileSync('node', ['scripts/demo.mjs', '--url', server.url, '--customers', '400', '--events', '40000', '--chats', '8', '--seed', '2026'], { stdio: ['ignore', 'inherit', 'inherit'] });
	process.env.GUIDE_URL = server.url;
	return async () => {
		await server.stop();
	};
}
