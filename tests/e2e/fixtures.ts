import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { seedStaff, startServer, type RunningServer } from '../fixtures/pocketbase';
import { startCuttableProxy, type CuttableProxy } from '../fixtures/cuttable-proxy';

type Staff = Awaited<ReturnType<typeof seedStaff>>['staff'];

export const PHONE = { width: 360, height: 740 };
export const TABLET = { width: 768, height: 1024 };

/** One real server per worker with staff of every role; tests that need a fresh one start their own. */
export interface Device {
	context: BrowserContext;
	page: Page;
	/** This device's own way to the server, which goOffline cuts. */
	proxy: CuttableProxy;
}

export const test = base.extend<{ openAs: (key: string, opts?: { viewport?: { width: number; height: number }; locale?: string }) => Promise<Device> }, { server: RunningServer & { staff: Staff } }>({
	server: [
		// eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a fixture needs from this destructuring
		async ({}, use) => {
			const server = await startServer();
			const { staff } = await seedStaff(server.url);
			await use({ ...server, staff });
			await server.stop();
		},
		{ scope: 'worker' }
	],
	openAs: async ({ browser, server }, use) => {
		const devices: Device[] = [];
		await use(async (key, opts = {}) => {
			const proxy = await startCuttableProxy(server.port);
			const context = await browser.newContext({ baseURL: proxy.url, viewport: opts.viewport ?? TABLET, locale: opts.locale ?? 'zh-CN' });
			const page = await context.newPage();
			devices.push({ context, page, proxy });
			await signIn(page, server.staff[key].email, server.staff[key].password);
			return { context, page, proxy };
		});
		for (const d of devices) {
			await d.context.close();
			await d.proxy.close();
		}
	}
});

export async function signIn(page: Page, email: string, password: string) {
	await page.goto('/login');
	await page.getByLabel(/邮箱|Email/).fill(email);
	await page.getByLabel(/密码|Password/).fill(password);
	await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
	await expect(page).toHaveURL(/\/customers$/);
	await waitForServiceWorker(page);
}

/**
 * Goes to a main destination through the navigation, as the user would: on a phone, what does not
 * fit on the tab bar is under "More".
 */
export async function navTo(page: Page, name: string) {
	const nav = page.getByRole('navigation', { name: /主导航|Main navigation/ });
	const link = nav.getByRole('link', { name, exact: true });
	if (await link.isVisible()) return link.click();
	await nav.getByRole('button', { name: /更多|More/ }).click();
	await page
		.getByRole('list', { name: /更多|More/ })
		.getByRole('link', { name, exact: true })
		.click();
}

/** The service worker controls the page, so a reload works offline. */
export async function waitForServiceWorker(page: Page) {
	await page.waitForFunction(
		async () => {
			const reg = await navigator.serviceWorker.ready;
			return !!reg.active && !!navigator.serviceWorker.controller;
		},
		null,
		{ timeout: 15_000 }
	);
}

export async function newBrowserContext(browser: Browser, url: string, opts: { viewport?: { width: number; height: number }; locale?: string } = {}) {
	return browser.newContext({ baseURL: url, viewport: opts.viewport ?? TABLET, locale: opts.locale ?? 'zh-CN' });
}

export { expect };

/**
 * Takes a device off the network: the browser goes offline (so the app sees it) and the device's own
 * proxy to the server is cut, so not even a request in flight during a page unload gets through.
 * A bare context (no proxy) gets its API requests aborted instead.
 */
export async function goOffline(device: Device | BrowserContext) {
	if ('proxy' in device) device.proxy.cut();
	else await device.route('**/api/**', (route) => route.abort('internetdisconnected'));
	await ('proxy' in device ? device.context : device).setOffline(true);
}

export async function goOnline(device: Device | BrowserContext) {
	if ('proxy' in device) device.proxy.restore();
	else await device.unrouteAll({ behavior: 'ignoreErrors' });
	await ('proxy' in device ? device.context : device).setOffline(false);
}

/** The names of the device's RxDB databases in IndexedDB (empty once its data was deleted). */
/**
 * Every record of every IndexedDB database (and localStorage) of the page, as one text. `opened`: with
 * the personal fields the device seals (src/lib/db/seal.ts) opened with the device keys found in
 * localStorage, to see what a synced device holds at all rather than what its files show.
 */
export async function everythingOnDevice(page: Page, { localStorage: withLocal = true, opened = false } = {}): Promise<string> {
	return page.evaluate(
		async ([withLocal, opened]) => {
			const keys: CryptoKey[] = [];
			if (opened)
				for (const [k, v] of Object.entries(localStorage)) {
					const raw = k.startsWith('crm:dk:') ? (JSON.parse(v) as { raw?: string }).raw : undefined;
					if (raw)
						keys.push(
							await crypto.subtle.importKey(
								'raw',
								Uint8Array.from(atob(raw), (c) => c.charCodeAt(0)),
								'AES-GCM',
								false,
								['decrypt']
							)
						);
				}
			const unseal = async (sealed: string, aad: string): Promise<string | null> => {
				const both = Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0));
				for (const key of keys) {
					try {
						return new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: both.subarray(0, 12), additionalData: new TextEncoder().encode(aad) }, key, both.subarray(12)));
					} catch {
						/* another user's key */
					}
				}
				return null;
			};
			const local: Record<string, string> = { ...localStorage };
			// Values sealed by src/lib/lock/sealed-local.ts, whole or (the kept figures) in a `sealed` field.
			if (opened)
				for (const [k, v] of Object.entries(local)) {
					if (v.startsWith('sealed1:')) local[k] = (await unseal(v.slice(8), k)) ?? v;
					else if (v.includes('"sealed":"sealed1:')) {
						const entry = JSON.parse(v) as { sealed: string };
						local[k] = (await unseal(entry.sealed.slice(8), k)) ?? v;
					}
				}
			const out: unknown[] = withLocal ? [local] : [];
			const open = async (x: unknown): Promise<unknown> => {
				if (Array.isArray(x)) return Promise.all(x.map(open));
				if (!x || typeof x !== 'object') return x;
				const o: Record<string, unknown> = { ...(x as Record<string, unknown>) };
				if (typeof o._sealed === 'string' && typeof o.id === 'string') {
					const plain = await unseal(o._sealed, o.id);
					if (plain) Object.assign(o, JSON.parse(plain));
				}
				for (const [k, v] of Object.entries(o)) o[k] = await open(v);
				return o;
			};
			for (const info of await indexedDB.databases()) {
				if (!info.name) continue;
				const db = await new Promise<IDBDatabase>((ok, fail) => {
					const r = indexedDB.open(info.name!);
					r.onsuccess = () => ok(r.result);
					r.onerror = () => fail(r.error);
				});
				for (const store of Array.from(db.objectStoreNames)) {
					const rows = await new Promise<unknown[]>((ok, fail) => {
						const r = db.transaction(store, 'readonly').objectStore(store).getAll();
						r.onsuccess = () => ok(r.result);
						r.onerror = () => fail(r.error);
					});
					out.push({ db: info.name, store, rows: opened ? await open(rows) : rows });
				}
				db.close();
			}
			return JSON.stringify(out);
		},
		[withLocal, opened] as const
	);
}

export async function rxdbNames(page: Page) {
	return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith('rxdb-dexie-')));
}
