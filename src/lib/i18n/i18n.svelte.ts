import type { MessageKey } from './en';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: { id: Locale; label: string }[] = [
	{ id: 'zh-CN', label: '简体中文' },
	{ id: 'en', label: 'English' }
];

const STORAGE_KEY = 'crm:locale';
const messages: Record<Locale, Record<string, string>> = { 'zh-CN': {}, en: {} };
// Only the language in use is downloaded: the other one loads when the user switches.
const loaders: Record<Locale, () => Promise<Record<string, string>>> = {
	'zh-CN': () => import('./zh-CN').then((m) => m.zhCN),
	en: () => import('./en').then((m) => m.en)
};
const loaded = new Set<Locale>();

/**
 * Adds a feature's messages (zh-CN and en) when its screens load, so the first screen does not carry
 * the text of every screen. Feature modules call it at import time (see ./features/*.ts).
 */
export function registerMessages(enMessages: Record<string, string>, zhMessages: Record<string, string>): void {
	Object.assign(messages.en, enMessages);
	Object.assign(messages['zh-CN'], zhMessages);
}

/** The browser's preferred language, when the user has not chosen one: Chinese unless English comes first. */
export function detectLocale(languages: readonly string[]): Locale {
	for (const l of languages) {
		if (l.toLowerCase().startsWith('zh')) return 'zh-CN';
		if (l.toLowerCase().startsWith('en')) return 'en';
	}
	return 'zh-CN';
}

class I18n {
	locale = $state<Locale>('zh-CN');
	/** The current language's messages are loaded (the app renders text only then). */
	ready = $state(false);
	#version = $state(0);

	constructor() {
		if (typeof navigator === 'undefined') return;
		let saved: Locale | null = null;
		try {
			saved = globalThis.localStorage?.getItem(STORAGE_KEY) as Locale | null;
		} catch {
			// storage refused (the chat widget in a third-party iframe): the browser's language
		}
		this.locale = saved && saved in messages ? saved : detectLocale(navigator.languages ?? [navigator.language]);
		this.apply();
		void this.#load(this.locale).then(() => (this.ready = true));
	}

	async #load(locale: Locale): Promise<void> {
		if (loaded.has(locale)) return;
		Object.assign(messages[locale], await loaders[locale]());
		loaded.add(locale);
		this.#version++;
	}

	/** `remember: false`: for this page only (the chat widget follows the shop's language, not the staff choice). */
	async set(locale: Locale, remember = true) {
		await this.#load(locale);
		this.locale = locale;
		if (remember) localStorage.setItem(STORAGE_KEY, locale);
		this.apply();
	}

	t = (key: MessageKey, params: Record<string, string | number> = {}): string => {
		void this.#version;
		const text = messages[this.locale][key] ?? messages.en[key] ?? key;
		return text.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''));
	};

	/** "3 minutes ago" in the current language. */
	relative = (ms: number, now = Date.now()): string => {
		const s = Math.round((ms - now) / 1000);
		if (Math.abs(s) < 45) return this.t('time.just_now');
		const rtf = new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto' });
		for (const [unit, size] of [
			['day', 86400],
			['hour', 3600],
			['minute', 60]
		] as const) {
			if (Math.abs(s) >= size) return rtf.format(Math.round(s / size), unit);
		}
		return rtf.format(s, 'second');
	};

	dateTime = (ms: number): string => new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);

	number = (n: number, opts?: Intl.NumberFormatOptions): string => new Intl.NumberFormat(this.locale, opts).format(n);

	private apply() {
		document.documentElement.lang = this.locale;
	}
}

export const i18n = new I18n();
export const t = i18n.t;
export type { MessageKey };
