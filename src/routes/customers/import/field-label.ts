import { t, type MessageKey } from '$lib/i18n/i18n.svelte';
import { fieldErrorText } from '$lib/components/field-errors';
import type { FieldError } from '$lib/shared/validation';

/** A CSV field's name in the user's language ("row" for problems with the whole row). */
export function csvFieldLabel(field: string): string {
	if (field === 'row') return t('csv.field.row');
	if (field === 'addresses') return t('field.address');
	return t(`field.${field}` as MessageKey);
}

/** A row's error in the user's language: the import's own codes first, then the app's field errors. */
export function rowErrorText(e: FieldError): string {
	const label = csvFieldLabel(e.field);
	const key = `csv.err.${e.code}` as MessageKey;
	const text = t(key, { field: label, detail: e.message });
	return text === key ? fieldErrorText(e, label) : text;
}
