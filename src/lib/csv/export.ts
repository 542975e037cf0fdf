/**
 * Customer export to CSV, for Excel, WPS and Numbers, and for re-import with ./import.
 * Pure functions, no DOM: the caller turns the string into a download
 * (`new Blob([csv], { type: 'text/csv;charset=utf-8' })`).
 */
import Papa from 'papaparse';
import { CSV_HEADERS, type CsvLocale, type CustomerCsvField } from './import';

/** What the export reads from a customer: a stored customer document fits. */
export interface ExportableCustomer {
	name?: string;
	phones?: readonly string[];
	emails?: readonly string[];
	addresses?: readonly { label?: string; region?: string; city?: string; detail?: string; postcode?: string }[];
	gender?: string;
	birthday?: string;
	tags?: readonly string[];
	category?: string;
	region?: string;
	source?: string;
	notes?: string;
	external_id?: string;
}

const GENDER_LABELS: Record<CsvLocale, Record<string, string>> = {
	'zh-CN': { male: '男', female: '女', other: '其他' },
	en: { male: 'male', female: 'female', other: 'other' }
};

/** A cell that a spreadsheet could run as a formula (or that only looks guarded already). */
const NEEDS_GUARD = /^'*[=+\-@\t\r]/;

/**
 * Guards a cell against CSV (formula) injection, as the OWASP guidance says: a cell that starts
 * with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`, so a spreadsheet shows it as
 * text and never evaluates it. A cell that starts with `'` before such a character gets one more,
 * so that the import's {@link import('./import').unescapeCsvFormula} gives back the exact value.
 */
export function escapeCsvFormula(value: string): string {
	return NEEDS_GUARD.test(value) ? `'${value}` : value;
}

function addressText(a: NonNullable<ExportableCustomer['addresses']>[number]): string {
	const detail = a.detail?.trim() ?? '';
	// Region and city before the detail line, unless the detail already names them.
	const parts = [a.region, a.city].map((p) => p?.trim() ?? '').filter((p) => p && !detail.includes(p));
	return [...parts, detail, a.postcode?.trim() ?? ''].filter(Boolean).join(' ');
}

function cellText(customer: ExportableCustomer, field: CustomerCsvField, locale: CsvLocale): string {
	switch (field) {
		case 'phones':
		case 'emails':
		case 'tags':
			return (customer[field] ?? []).join('; ');
		case 'addresses':
			return (customer.addresses ?? []).map(addressText).filter(Boolean).join('; ');
		case 'gender':
			return customer.gender ? (GENDER_LABELS[locale][customer.gender] ?? customer.gender) : '';
		default:
			return customer[field] ?? '';
	}
}

/**
 * The customers as CSV text: a UTF-8 byte order mark (so that Excel reads Chinese correctly), a
 * header row in the given language, one row per customer, lists (phones, emails, tags, addresses)
 * joined with "; ", CRLF line ends, and cells quoted per RFC 4180 where they need it (and also
 * when they contain `;` or a tab, so that a spreadsheet set to another separator cannot split
 * a cell into a new one that starts with a formula).
 *
 * Every cell is guarded with {@link escapeCsvFormula}. Phone numbers are exported as stored, in
 * E.164, which starts with `+`: they get the `'` too (`'+8613800138000`). That is intended: a
 * spreadsheet would otherwise read the number as a formula or a number and drop the `+`. The
 * import removes the `'` again.
 *
 * An address is written as one line (region, city, detail, postcode); its label is not exported.
 */
export function customersToCsv(customers: readonly ExportableCustomer[], columns: readonly CustomerCsvField[], locale: CsvLocale): string {
	return rowsToCsv([columns.map((f) => CSV_HEADERS[locale][f]), ...customers.map((c) => columns.map((f) => cellText(c, f, locale)))]);
}

/**
 * Rows (the first one the header) as CSV text, as {@link customersToCsv} writes them: a byte order
 * mark, CRLF line ends, every cell guarded with {@link escapeCsvFormula} and quoted where RFC 4180
 * needs it, and also when it contains `;` or a tab or starts with the guard's `'`.
 */
export function rowsToCsv(rows: readonly (readonly (string | number)[])[]): string {
	const data = rows.map((r) => r.map((v) => escapeCsvFormula(String(v))));
	const csv = Papa.unparse(data, {
		newline: '\r\n',
		escapeFormulae: false,
		quotes: (value: unknown) => typeof value === 'string' && (value.startsWith("'") || /[;\t]/.test(value))
	});
	return `\uFEFF${csv}`;
}
