// Web Push on this device for the inbox's "Alerts on this device" control (PushToggle.svelte): what the
// browser offers, subscribing with the server's VAPID key and saving the subscription
// (push_subscriptions), and turning it off again, also at sign-out. docs/api/chat.md, "Web Push".
import type PocketBase from 'pocketbase';
import type { StaffRecord } from '$lib/pb/client';

export type PushState =
	| { kind: 'checking' | 'working' | 'off' | 'on' | 'denied' | 'dismissed' | 'server_off' | 'no_worker' }
	| { kind: 'unsupported'; canNotify: boolean }
	| { kind: 'failed' | 'save_failed'; reason: string };

interface Saved {
	id: string;
	endpoint: string;
}

const key = (userId: string) => `crm:push:${userId}`;

function readSaved(userId: string): Saved | null {
	try {
		return JSON.parse(localStorage.getItem(key(userId)) ?? 'null') as Saved | null;
	} catch {
		return null; // unreadable: as if nothing was saved
	}
}

const hasNotifications = () => typeof Notification !== 'undefined';
const pushOffered = () => typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined' && hasNotifications();

function unsupported(): PushState {
	return { kind: 'unsupported', canNotify: hasNotifications() && Notification.permission === 'default' };
}

/** The app's service worker once it is active (the inbox may open before it finished installing). */
function worker(ms = 10_000): Promise<ServiceWorkerRegistration | null> {
	return Promise.race([navigator.serviceWorker.ready, new Promise<null>((ok) => setTimeout(() => ok(null), ms))]);
}

function bytes(base64url: string): Uint8Array<ArrayBuffer> {
	const b64 = base64url
		.replace(/-/g, '+')
		.replace(/_/g, '/')
		.padEnd(Math.ceil(base64url.length / 4) * 4, '=');
	return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
	if (!a || a.byteLength !== b.length) return false;
	const x = new Uint8Array(a);
	return x.every((v, i) => v === b[i]);
}

/** A browser that cannot reach its push service may leave subscribe() pending for minutes (seen in
 * Chromium without network to Google's); the user hears of it after SUBSCRIBE_WAIT_MS instead. A late
 * subscription is picked up and saved by the next press (getSubscription above). */
export const SUBSCRIBE_WAIT_MS = 30_000;
function withinTime<T>(p: Promise<T>): Promise<T> {
	return Promise.race([
		p,
		new Promise<never>((_, fail) => setTimeout(() => fail(new DOMException(`no answer from the push service in ${SUBSCRIBE_WAIT_MS / 1000} s`, 'TimeoutError')), SUBSCRIBE_WAIT_MS))
	]);
}

const reason = (err: unknown) => (err instanceof Error || err instanceof DOMException ? `${err.name}: ${err.message}` : String(err));
const status = (err: unknown) => (err as { status?: number }).status ?? 0;

/** The state of this device for this user, without asking anything. */
export async function pushState(userId: string): Promise<PushState> {
	if (!pushOffered()) return unsupported();
	if (Notification.permission === 'denied') return { kind: 'denied' };
	const reg = await navigator.serviceWorker.getRegistration();
	const sub = reg ? await reg.pushManager.getSubscription() : null;
	const saved = readSaved(userId);
	return sub && saved?.endpoint === sub.endpoint && Notification.permission === 'granted' ? { kind: 'on' } : { kind: 'off' };
}

/** Asks the permission, subscribes this browser and saves the subscription for this user. */
export async function subscribeDevice(pb: PocketBase, user: StaffRecord): Promise<PushState> {
	if (!hasNotifications()) return unsupported();
	const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
	if (permission === 'denied') return { kind: 'denied' };
	if (permission !== 'granted') return { kind: 'dismissed' };
	// Without push, the permission still lets the open inbox show notifications.
	if (!pushOffered()) return unsupported();

	let publicKey: Uint8Array<ArrayBuffer>;
	try {
		publicKey = bytes((await pb.send<{ public_key: string }>('/api/crm/push/key', { requestKey: null })).public_key);
	} catch (err) {
		return status(err) === 404 ? { kind: 'server_off' } : { kind: 'save_failed', reason: reason(err) };
	}
	const reg = await worker();
	if (!reg) return { kind: 'no_worker' };

	let sub: PushSubscription;
	try {
		const existing = await reg.pushManager.getSubscription();
		if (existing && !sameKey(existing.options.applicationServerKey, publicKey)) await existing.unsubscribe();
		sub = existing && sameKey(existing.options.applicationServerKey, publicKey) ? existing : await withinTime(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey }));
	} catch (err) {
		return { kind: 'failed', reason: reason(err) };
	}

	const keys = sub.toJSON().keys ?? {};
	try {
		const old = readSaved(user.id);
		const rec = await pb
			.collection('push_subscriptions')
			.create({ staff: user.id, endpoint: sub.endpoint, p256dh: keys.p256dh, auth: keys.auth, user_agent: navigator.userAgent.slice(0, 300) }, { requestKey: null });
		localStorage.setItem(key(user.id), JSON.stringify({ id: rec.id, endpoint: sub.endpoint } satisfies Saved));
		// An earlier subscription of this device with another endpoint would only answer 410 later.
		if (old && old.endpoint !== sub.endpoint)
			await pb
				.collection('push_subscriptions')
				.delete(old.id, { requestKey: null })
				.catch(() => undefined);
	} catch (err) {
		return { kind: 'save_failed', reason: reason(err) };
	}
	return { kind: 'on' };
}

/** Unsubscribes this browser and deletes the saved subscription. */
export async function unsubscribeDevice(pb: PocketBase, userId: string): Promise<PushState> {
	try {
		const reg = await navigator.serviceWorker.getRegistration();
		await (await reg?.pushManager.getSubscription())?.unsubscribe();
	} catch (err) {
		return { kind: 'failed', reason: reason(err) };
	}
	const saved = readSaved(userId);
	localStorage.removeItem(key(userId));
	// Offline, the record stays until the server's next push to it is answered 410 and deletes it.
	if (saved)
		await pb
			.collection('push_subscriptions')
			.delete(saved.id, { requestKey: null })
			.catch(() => undefined);
	return { kind: 'off' };
}

/** At sign-out: a shared device stops receiving this user's alerts (visitor names and messages). */
export async function forgetPushDevice(pb: PocketBase, userId: string): Promise<void> {
	if (readSaved(userId)) await unsubscribeDevice(pb, userId);
}
