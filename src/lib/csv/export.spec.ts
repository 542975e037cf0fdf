import { describe, expect, it } from 'vitest';
import type { CustomerDoc } from '../db/schemas';
import { decodeCsvBytes } from './decode';
import { customersToCsv, escapeCsvFormula, type ExportableCustomer } from './export';
import { CUSTOMER_CSV_FIELDS, guessMapping, parseCsv, rowsToCustomers, type CsvLocale } from './import';

const BOM = '\uFEFF';

/** Export, then import the bytes as a user would. */
function roundTrip(customers: ExportableCustomer[], locale: CsvLocale) {
	const csv = customersToCsv(customers, CUSTOMER_CSV_FIELDS, locale);
	const { text } = decodeCsvBytes(new TextEncoder().encode(csv));
	const parsed = parseCsv(text);
	return rowsToCustomers(parsed.rows, guessMapping(parsed.headers), parsed);
}

describe('customersToCsv', () => {
	it('writes a BOM, headers in the language and CRLF rows', () => {
		const customers = [{ name: '张伟', phones: ['+8613800138000', '+16502530000'], gender: 'male', tags: ['VIP', '复购'], birthday: '1990-05-01' }];
		expect(customersToCsv(customers, ['name', 'phones', 'gender', 'tags', 'birthday'], 'zh-CN')).toBe(
			`${BOM}姓名,电话,性别,标签,生日\r\n张伟,"'+8613800138000; +16502530000",男,"VIP; 复购",1990-05-01`
		);
		expect(customersToCsv(customers, ['name', 'gender', 'external_id'], 'en')).toBe(`${BOM}Name,Gender,Shop customer ID\r\n张伟,male,`);
	});

	it('guards every cell that could run as a formula with a leading quote', () => {
		const csv = customersToCsv(
			[
				{ name: '=1+1', notes: '+86 138', category: '-2', region: '@SUM(A1)', source: '\tcmd', external_id: '\r=x' },
				{ name: "'=already", notes: "'plain", category: 'a=b', region: '1+1', source: '-', external_id: '42' }
			],
			['name', 'notes', 'category', 'region', 'source', 'external_id'],
			'en'
		);
		const rows = csv.slice(1).split('\r\n');
		expect(rows).toEqual(['Name,Notes,Category,Region,Source,Shop customer ID', `"'=1+1","'+86 138","'-2","'@SUM(A1)","'\tcmd","'\r=x"`, `"''=already","'plain",a=b,1+1,"'-",42`]);
		// No cell of the file starts with a formula character.
		for (const cell of parseCsv(csv).rows.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
	});

	it('exports phone numbers as stored (E.164), so they carry the guard too', () => {
		expect(customersToCsv([{ name: 'A', phones: ['+8613800138000'] }], ['phones'], 'en')).toBe(`${BOM}Phones\r\n"'+8613800138000"`);
	});

	it('quotes cells per RFC 4180', () => {
		const csv = customersToCsv([{ name: 'Wang, "Fang"', notes: 'line 1\nline 2', category: ' padded ' }], ['name', 'notes', 'category'], 'en');
		expect(csv).toBe(`${BOM}Name,Notes,Category\r\n"Wang, ""Fang""","line 1\nline 2"," padded "`);
	});

	it('writes an address on one line and empty cells for missing values', () => {
		const csv = customersToCsv(
			[
				{
					name: 'A',
					addresses: [
						{ label: '家', region: '广东', city: '深圳市', detail: '南山区科技园 1 号', postcode: '518000' },
						{ region: '北京', city: '北京市', detail: '北京市朝阳区建国路 1 号' }, // the detail already names them
						{ detail: 'Office 2' }
					]
				},
				{ name: 'B' }
			],
			['name', 'addresses', 'gender', 'phones'],
			'zh-CN'
		);
		expect(csv).toBe(`${BOM}姓名,地址,性别,电话\r\nA,"广东 深圳市 南山区科技园 1 号 518000; 北京市朝阳区建国路 1 号; Office 2",,\r\nB,,,`);
	});

	it('takes stored customer documents', () => {
		const doc: CustomerDoc = { id: 'abc', name: 'A', phones: ['+8613800138000'], addresses: [{ detail: 'x' }], seq: 1 };
		expect(customersToCsv([doc], ['name'], 'en')).toBe(`${BOM}Name\r\nA`);
	});
});

describe('escapeCsvFormula', () => {
	it('prefixes =, +, -, @, tab and CR with a quote', () => {
		expect(['=1+1', '+8613800138000', '-2', '@SUM(A1)', '\tx', '\rx', "'=x", 'abc', "'abc", '', '1-2'].map(escapeCsvFormula)).toEqual([
			"'=1+1",
			"'+8613800138000",
			"'-2",
			"'@SUM(A1)",
			"'\tx",
			"'\rx",
			"''=x",
			'abc',
			"'abc",
			'',
			'1-2'
		]);
	});
});

describe('export then import', () => {
	const customers = [
		{
			name: '张伟',
			phones: ['+8613800138000', '+16502530000'],
			emails: ['zhang.wei@example.cn', 'zw@example.com'],
			addresses: [{ detail: '北京市朝阳区建国路 1 号，3 楼' }, { detail: 'Room 5, 10 Main St' }],
			gender: 'male',
			birthday: '1990-05-01',
			tags: ['VIP', '复购'],
			category: '零售',
			region: '华北',
			source: '淘宝',
			notes: '喜欢绿茶\n周末联系, "急"',
			external_id: 'TB-1001'
		},
		{ name: '=HYPERLINK("http://x","y")', phones: ['+8613900139000'], gender: 'female', notes: '@SUM(A1)', external_id: '-42', tags: ['+1'] },
		{ name: "'-quoted", gender: 'other', category: '\tindented', region: '+', notes: "''=two" },
		{ name: 'Li Na' }
	];

	for (const locale of ['zh-CN', 'en'] as const) {
		it(`gives back the same customers (${locale})`, () => {
			const results = roundTrip(customers, locale);
			expect(results.every((r) => r.ok)).toBe(true);
			expect(results.map((r) => (r.ok ? r.data : null))).toEqual(
				customers.map((c) => (c.name === "'-quoted" ? { ...c, category: 'indented' } : c)) // text other than notes is trimmed
			);
			expect(results.map((r) => r.row)).toEqual([2, 3, 4, 5]);
		});
	}
});
