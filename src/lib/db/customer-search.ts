import type { CustomerDoc } from './schemas';

/** Digits of a phone number without a Chinese country code, so "+86 138", "138" and "0086138" match alike. */
export function phoneDigits(s: string): string {
	return s.replace(/\D/g, '').replace(/^(0086|86)(?=1\d{10}$)/, '');
}

/** Search as you type over name, phones (any part, spaces and +86 ignored), emails and the shop id. */
export function matchesCustomer(c: Pick<CustomerDoc, 'name' | 'phones' | 'emails' | 'external_id'>, query: string): boolean {
	const q = query.trim().toLowerCase();
	if (!q) return true;
	if (c.name.toLowerCase().includes(q)) return true;
	if (c.emails?.some((e) => e.toLowerCase().includes(q))) return true;
	if (c.external_id && c.external_id.toLowerCase().includes(q)) return true;
	const digits = q.replace(/[\s\-()+]/g, '');
	if (/^\d{3,}$/.test(digits)) {
		const d = phoneDigits(q);
		return !!c.phones?.some((p) => phoneDigits(p).includes(d) || p.replace(/\D/g, '').includes(digits));
	}
	return false;
}

const collator = new Intl.Collator('zh-CN');
export function byName(a: { name: string }, b: { name: string }): number {
	return collator.compare(a.name, b.name);
}
