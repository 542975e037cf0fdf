import { describe, expect, it } from 'vitest';
import { assertImportSize, CsvTooLargeError, decodeCsvBytes, MAX_IMPORT_BYTES } from './decode';

const utf8 = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: (number[] | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('decodeCsvBytes', () => {
	it('reads UTF-8 without a byte order mark', () => {
		expect(decodeCsvBytes(utf8('姓名,电话\n张伟,13800138000\n'))).toEqual({ text: '姓名,电话\n张伟,13800138000\n', encoding: 'utf-8' });
	});

	it('drops a UTF-8 byte order mark', () => {
		const { text, encoding } = decodeCsvBytes(concat([0xef, 0xbb, 0xbf], utf8('姓名\n张伟')));
		expect(encoding).toBe('utf-8');
		expect(text).toBe('姓名\n张伟');
		expect(text.charCodeAt(0)).not.toBe(0xfeff);
	});

	it('reads a GBK file (Chinese Excel) when the bytes are not UTF-8', () => {
		// 姓名 = D0 D5 C3 FB, 张伟 = D5 C5 CE B0 in GBK.
		const bytes = concat([0xd0, 0xd5, 0xc3, 0xfb], utf8(',phone\r\n'), [0xd5, 0xc5, 0xce, 0xb0], utf8(',13800138000\r\n'));
		expect(decodeCsvBytes(bytes)).toEqual({ text: '姓名,phone\r\n张伟,13800138000\r\n', encoding: 'gbk' });
	});

	it('takes an ArrayBuffer and reads UTF-16 with a byte order mark', () => {
		const le = concat([0xff, 0xfe], [0x20, 0x5f, 0x1f, 0x4f]); // 张伟 in UTF-16LE
		expect(decodeCsvBytes(le.buffer)).toEqual({ text: '张伟', encoding: 'utf-16le' });
	});

	it('reads an empty file as empty text', () => {
		expect(decodeCsvBytes(new Uint8Array(0))).toEqual({ text: '', encoding: 'utf-8' });
	});

	it('refuses a file over the limit before decoding it', () => {
		const tooBig = new Uint8Array(MAX_IMPORT_BYTES + 1);
		expect(() => decodeCsvBytes(tooBig)).toThrow(CsvTooLargeError);
		expect(() => decodeCsvBytes(new Uint8Array(MAX_IMPORT_BYTES))).not.toThrow();
	});
});

describe('assertImportSize', () => {
	it('refuses a 50 MB file from its size alone, with the limit in the error', () => {
		const file = new Blob([new Uint8Array(50 * 1024 * 1024)]);
		let error: unknown;
		try {
			assertImportSize(file);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(CsvTooLargeError);
		expect(error).toMatchObject({ name: 'CsvTooLargeError', code: 'csv_too_large', size: 50 * 1024 * 1024, limit: MAX_IMPORT_BYTES });
		expect((error as Error).message).toBe('The file is 50 MB; files up to 20 MB can be imported');
	});

	it('accepts a byte count, a blob or bytes up to the limit', () => {
		expect(MAX_IMPORT_BYTES).toBe(20 * 1024 * 1024);
		expect(() => assertImportSize(MAX_IMPORT_BYTES)).not.toThrow();
		expect(() => assertImportSize(new Blob(['a,b']))).not.toThrow();
		expect(() => assertImportSize(MAX_IMPORT_BYTES + 1)).toThrow(CsvTooLargeError);
		expect(() => assertImportSize(Number.NaN)).toThrow(CsvTooLargeError);
		expect(() => assertImportSize(2048, 1024)).toThrow(expect.objectContaining({ size: 2048, limit: 1024 }));
	});
});
