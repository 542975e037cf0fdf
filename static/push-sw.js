// Web Push in the app's service worker (imported by the generated sw.js: vite.config.ts,
// workbox.importScripts). The server (server/push.go) sends {title, body, conversation, url} for a
// new visitor message; one notification per conversation (a newer message replaces the older one).
// Once a day it sends {kind: 'followups', due, overdue, url} (server/reminders.go): the text is made
// here, in the device's language, and a newer day's reminder replaces the older one.
/* eslint-env serviceworker */

const PUSH_TEXT = {
	zh: {
		title: '新消息',
		fallback: '访客发来一条消息',
		followups: '今天的跟进',
		due: (n) => `今天有 ${n} 个跟进到期`,
		overdue: (n) => `${n} 个跟进已逾期`,
		join: '，'
	},
	en: {
		title: 'New message',
		fallback: 'A visitor sent a message',
		followups: "Today's follow-ups",
		due: (n) => (n === 1 ? '1 follow-up due today' : `${n} follow-ups due today`),
		overdue: (n) => (n === 1 ? '1 overdue' : `${n} overdue`),
		join: ', '
	}
};

const count = (v) => (Number.isInteger(v) && v > 0 ? v : 0);

function followUpsText(text, data) {
	const parts = [];
	if (count(data.due)) parts.push(text.due(count(data.due)));
	if (count(data.overdue)) parts.push(text.overdue(count(data.overdue)));
	return parts.join(text.join);
}

function pushText() {
	return /^zh/i.test(self.navigator.language || '') ? PUSH_TEXT.zh : PUSH_TEXT.en;
}

function pushData(event) {
	try {
		return (event.data && event.data.json()) || {};
	} catch {
		return {};
	}
}

// Only paths of this app: a push never opens another site.
function pushUrl(url) {
	try {
		const u = new URL(url || '/inbox', self.location.origin);
		return u.origin === self.location.origin ? u.pathname + u.search : '/inbox';
	} catch {
		return '/inbox';
	}
}

// Notifications are shown one after another in the order the pushes came: showNotification first
// loads the icons, so two calls in a row may finish out of order, and the older message of a
// conversation would then replace the newer one.
let shown = Promise.resolve();

self.addEventListener('push', (event) => {
	const data = pushData(event);
	const text = pushText();
	if (data.kind === 'followups') {
		const show = () =>
			self.registration.showNotification(text.followups, {
				body: followUpsText(text, data),
				tag: 'followups',
				icon: '/icons/icon-192.png',
				badge: '/icons/icon-192.png',
				timestamp: Date.now(),
				data: { url: pushUrl(data.url || '/today') }
			});
		shown = shown.then(show, show);
		event.waitUntil(shown);
		return;
	}
	const conversation = typeof data.conversation === 'string' ? data.conversation : '';
	const show = () =>
		self.registration.showNotification(data.title || text.title, {
			body: data.body || text.fallback,
			tag: conversation ? `chat-${conversation}` : 'chat',
			renotify: true,
			icon: '/icons/icon-192.png',
			badge: '/icons/icon-192.png',
			timestamp: Date.now(),
			data: { url: pushUrl(data.url), conversation }
		});
	shown = shown.then(show, show);
	event.waitUntil(shown);
});

self.addEventListener('notificationclick', (event) => {
	event.notification.close();
	const url = pushUrl(event.notification.data && event.notification.data.url);
	event.waitUntil(
		(async () => {
			const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
			const client = windows.find((c) => new URL(c.url).origin === self.location.origin);
			if (client) {
				const focused = await client.focus().catch(() => client);
				// navigate() needs a page this worker controls; otherwise a new window opens at the url.
				const went = await focused.navigate(url).catch(() => null);
				if (went) return;
			}
			await self.clients.openWindow(url);
		})()
	);
});
