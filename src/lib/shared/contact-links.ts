// Links for a stored contact, kept apart from the validators so the console loads no phone metadata.

/** A mailto: address for a stored (validated) email; the address is encoded, never read as markup or a scheme. */
export function mailtoHref(email: string): string {
	return `mailto:${encodeURIComponent(email).replace(/%40/g, '@')}`;
}

/** A tel: address for a stored phone: its + and digits only. */
export function telHref(phone: string): string {
	return `tel:${phone.replace(/[^+\d]/g, '')}`;
}
