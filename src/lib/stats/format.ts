// Number, money and date formats of the statistics screens, in the user's language.

export interface StatsFormats {
	num: (n: number | null | undefined) => string;
	/** Money in yuan: with fen below ¥1,000, whole yuan from there (tables stay narrow on phones). */
	money: (n: number | null | undefined) => string;
	/** Money for a figure tile: as `money`, and ¥123.5万 / CN¥1.2M from a million on. */
	moneyTile: (n: number | null | undefined) => string;
	/** Short money for chart axes: ¥1.2万 / CN¥12K. */
	moneyAxis: (n: number) => string;
	pct: (n: number | null | undefined) => string;
	/** A shop day `YYYY-MM-DD` as "26 Nov". */
	day: (d: string) => string;
	/** A shop day with its year. */
	dayLong: (d: string) => string;
	/** A month `YYYY-MM` as "Nov 2025". */
	month: (m: string) => string;
	/** A moment as "26 Nov 14:03" (the device's time zone). */
	moment: (iso: string | number) => string;
}

export function statsFormats(locale: string): StatsFormats {
	const num = new Intl.NumberFormat(locale);
	const money = new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY' });
	const moneyWhole = new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY', maximumFractionDigits: 0, minimumFractionDigits: 0 });
	const moneyAxis = new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY', notation: 'compact', maximumFractionDigits: 1 });
	const pct = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
	const day = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
	const dayLong = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
	const month = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' });
	const moment = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
	const dash = '—';
	const ok = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);
	return {
		num: (n) => (ok(n) ? num.format(n) : dash),
		money: (n) => (ok(n) ? (Math.abs(n) >= 1000 ? moneyWhole : money).format(n) : dash),
		moneyTile: (n) => (ok(n) ? (Math.abs(n) >= 1_000_000 ? moneyAxis : Math.abs(n) >= 1000 ? moneyWhole : money).format(n) : dash),
		moneyAxis: (n) => moneyAxis.format(n),
		pct: (n) => (ok(n) ? pct.format(n) : dash),
		day: (d) => day.format(Date.parse(`${d}T00:00:00Z`)),
		dayLong: (d) => dayLong.format(Date.parse(`${d}T00:00:00Z`)),
		month: (m) => month.format(Date.parse(`${m}-01T00:00:00Z`)),
		moment: (t) => {
			const ms = typeof t === 'number' ? t : Date.parse(t.replace(' ', 'T'));
			return Number.isNaN(ms) ? dash : moment.format(ms);
		}
	};
}
