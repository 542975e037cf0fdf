import { assertImportSize, decodeCsvBytes } from './decode';
import { parseCsv } from './import';

/** A spreadsheet cell: text from a CSV, or what an XLSX cell holds. */
export type SheetCell = string | number | boolean | Date | null | undefined;

/** A file that is not a readable .xlsx (its text is the caller's, in the user's language). */
export class NotXlsxError extends Error {}

/**
 * An imported file's header and rows: the size checked first (CsvTooLargeError), then its cells, each
 * data row with its spreadsheet row number (the header is row 1; empty rows of a sheet are left out,
 * their numbers kept). Null when the file has no row under its header.
 */
export async function readImportFile(file: File): Promise<{ headers: string[]; rows: SheetCell[][]; rowNumbers: number[] } | null> {
	assertImportSize(file);
	const { sheet, numbers } = await readSheetFile(file);
	if (sheet.length < 2) return null;
	return { headers: sheet[0].map((h) => String(h ?? '').trim()), rows: sheet.slice(1), rowNumbers: numbers.slice(1) };
}

/**
 * A CSV (UTF-8 or GBK, the customer import's decoding) or Excel .xlsx file as rows of cells with their
 * spreadsheet row numbers (the header is row 1; empty rows of a sheet are left out, their numbers kept).
 * The .xlsx reader (read-excel-file) is loaded only when such a file is chosen.
 */
export async function readSheetFile(file: File): Promise<{ sheet: SheetCell[][]; numbers: number[] }> {
	if (/\.xlsx$/i.test(file.name)) {
		const { readSheet } = await import('read-excel-file/browser');
		const data = (await readSheet(file).catch(() => {
			throw new NotXlsxError(file.name);
		})) as SheetCell[][];
		const all = data.map((r, i) => ({ r, n: i + 1 })).filter(({ r }) => r.some((c) => c !== null && c !== undefined && String(c).trim() !== ''));
		return { sheet: all.map(({ r }) => r), numbers: all.map(({ n }) => n) };
	}
	const csv = parseCsv(decodeCsvBytes(new Uint8Array(await file.arrayBuffer())).text);
	return { sheet: [csv.headers, ...csv.rows], numbers: [1, ...csv.rowNumbers] };
}
