/// <reference path="../pb_data/types.d.ts" />
// PocketBase's rate limits, per client address (the real one behind a proxy: CRM_TRUSTED_PROXY_HEADERS):
// - password sign-in (every auth collection): 15 in 15 s, so 60 guesses in a few seconds are throttled
//   (each account also locks after 5 wrong passwords in a row: server/authguard.go);
// - chat sessions (the shop's widget): 60 a minute, or CRM_CHAT_SESSIONS_PER_MINUTE (server/authguard.go
//   applies it at start).
// Other routes keep their own limits (event ingestion per key, chat messages per visitor).
const RULES = [
	{ label: '*:auth', maxRequests: 15, duration: 15, audience: '' },
	{ label: 'POST /api/crm/chat/session', maxRequests: 60, duration: 60, audience: '' }
];

migrate((app) => {
	const settings = app.settings();
	unmarshal({ rateLimits: { enabled: true, rules: RULES, excludedIPs: [] } }, settings);
	app.save(settings);
}, (app) => {
	const settings = app.settings();
	unmarshal({ rateLimits: { enabled: false, rules: [] } }, settings);
	app.save(settings);
});
