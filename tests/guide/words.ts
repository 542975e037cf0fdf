// The app's own words in the guide run's language: the guide's steps find buttons and fields by the
// same dictionaries the app shows (src/lib/i18n), so the Chinese and the English run are one script.
import { en } from '../../src/lib/i18n/en';
import { zhCN } from '../../src/lib/i18n/zh-CN';
import * as features from './features';

type Dict = Record<string, string>;
const EN: Dict = { ...en };
const ZH: Dict = { ...zhCN };
for (const [name, dict] of Object.entries(features)) Object.assign(name.endsWith('En') ? EN : ZH, dict as Dict);

export type GuideLocale = 'zh-CN' | 'en';

/** A message in the locale, with {params} filled, as the app writes it. */
export function words(locale: GuideLocale) {
	const dict = locale === 'en' ? EN : ZH;
	return (key: string, params: Record<string, string | number> = {}): string => {
		const text = dict[key];
		if (text === undefined) throw new Error(`no message "${key}" in ${locale}`);
		return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
	};
}
