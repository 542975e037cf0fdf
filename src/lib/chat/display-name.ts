import type { Conversation } from './types';
import { formatPhone } from '../shared/phone-format';

/**
 * The visitor's name; when they gave none, the phone or e-mail they left (after hours), else "#ab12"
 * from the visitor id (issue 18, item 9: a shopper who left a number showed as "#nanu").
 */
export function displayName(c: Conversation | undefined, name: string): string {
	if (name) return name;
	if (c?.contact?.phone) return formatPhone(c.contact.phone);
	if (c?.contact?.email) return c.contact.email;
	const id = c?.visitor ?? '';
	return `#${id.slice(-4) || '…'}`;
}
