import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: { id: Locale; label: string }[] = [
	{ id: 'zh-CN', label: '简体中文' },
	{ id: 'en', label: 'English' }
];

const STORAGE_KEY = 'crm:locale';
const messages: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

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

	constructor() {
		if (typeof navigator === 'undefined') return;
		const saved = globalThis.localStorage?.getItem(STORAGE_KEY) as Locale | null;
		this.locale = saved && saved in messages ? saved : detectLocale(navigator.languages ?? [navigator.language]);
		this.apply();
	}

	set(locale: Locale) {
		this.locale = locale;
		localStorage.setItem(STORAGE_KEY, locale);
		this.apply();
	}

	t = (key: MessageKey, params: Record<string, string | number> = {}): string => {
		const text = messages[this.locale][key] ?? en[key] ?? key;
		return text.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ''));
	};

	/** "3 minutes ago" in the current language. */
	relative = (ms: number, now = Date.now()): string => {
		const s = Math.round((ms - now) / 1000);
		if (Math.abs(s) < 45) return this.t('time.just_now');
		const rtf = new Intl.RelativeTimeFormat(this.locale, { numeric: 'auto' });
		for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60]] as const) {
			if (Math.abs(s) >= size) return rtf.format(Math.round(s / size), unit);
		}
		return rtf.format(s, 'second');
	};

	dateTime = (ms: number): string =>
		new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);

	private apply() {
		document.documentElement.lang = this.locale;
	}
}

export const i18n = new I18n();
export const t = i18n.t;
export type { MessageKey };
