import { t, type MessageKey } from '$lib/i18n/i18n.svelte';
import type { FieldError } from '$lib/shared/validation';

/** A field error in the user's language; unknown codes fall back to the server's English message. */
export function fieldErrorText(e: FieldError, label: string): string {
	const key = `err.${e.code}` as MessageKey;
	const text = t(key, { field: label });
	return text === key ? t('err.generic', { detail: e.message }) : text;
}
