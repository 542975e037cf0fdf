/**
 * Turning an uploaded CSV file's bytes into text, for the customer import.
 *
 * Spreadsheets save CSV in different encodings: Excel and WPS in Chinese locales write GBK
 * ("CSV (逗号分隔)"), newer Excel and most other tools write UTF-8, often with a byte order mark.
 * The bytes are tried as UTF-8 first (strictly: one invalid sequence means it is not UTF-8) and
 * decoded as GBK otherwise. Pure functions, no DOM: runs in the browser and in Node.
 */

/** The largest file the import accepts (20 MB, roughly 100 000 customers). */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/** Thrown for a file over the import limit, before anything is read or parsed. */
export class CsvTooLargeError extends Error {
	/** A stable code for the device to translate. */
	readonly code = 'csv_too_large';

	constructor(
		/** The file's size in bytes. */
		readonly size: number,
		/** The limit in bytes. */
		readonly limit: number = MAX_IMPORT_BYTES
	) {
		super(`The file is ${toMb(size)} MB; files up to ${toMb(limit)} MB can be imported`);
		this.name = 'CsvTooLargeError';
	}
}

function toMb(bytes: number): string {
	return String(Math.round((bytes / (1024 * 1024)) * 10) / 10);
}

/**
 * Refuses input over the limit with a {@link CsvTooLargeError}. Takes a byte count, a `File`/`Blob`
 * (its `size`, so a huge file is refused before it is read into memory) or a byte array.
 */
export function assertImportSize(input: number | { readonly size: number } | { readonly byteLength: number }, limit: number = MAX_IMPORT_BYTES): void {
	const size = typeof input === 'number' ? input : 'size' in input ? input.size : input.byteLength;
	if (!(size <= limit)) throw new CsvTooLargeError(size, limit);
}

/**
 * The encodings the import recognises. UTF-16 is only detected by its byte order mark (Excel's
 * "Unicode text" export writes one).
 */
export type CsvEncoding = 'utf-8' | 'gbk' | 'utf-16le' | 'utf-16be';

/**
 * Decodes a CSV file's bytes: a UTF-8 byte order mark is dropped; bytes that are not valid UTF-8
 * are decoded as GBK (Chinese Excel exports). Throws {@link CsvTooLargeError} for input over
 * {@link MAX_IMPORT_BYTES}.
 */
export function decodeCsvBytes(input: Uint8Array | ArrayBuffer): { text: string; encoding: CsvEncoding } {
	assertImportSize(input);
	const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);

	if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
		// The BOM says UTF-8; invalid sequences after it become U+FFFD rather than a wrong guess.
		return { text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(3)), encoding: 'utf-8' };
	}
	if (bytes[0] === 0xff && bytes[1] === 0xfe) {
		return { text: new TextDecoder('utf-16le', { ignoreBOM: true }).decode(bytes.subarray(2)), encoding: 'utf-16le' };
	}
	if (bytes[0] === 0xfe && bytes[1] === 0xff) {
		return { text: new TextDecoder('utf-16be', { ignoreBOM: true }).decode(bytes.subarray(2)), encoding: 'utf-16be' };
	}
	try {
		return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), encoding: 'utf-8' };
	} catch {
		// Not UTF-8: a Chinese Excel/WPS export. The WHATWG "gbk" decoder reads all of GB18030.
		return { text: new TextDecoder('gbk').decode(bytes), encoding: 'gbk' };
	}
}
