import { describe, expect, it } from 'vitest';
import { decodeCsvBytes } from './decode';
import { guessMapping, parseCsv, planImport, rowsToCustomers, unescapeCsvFormula, type CustomerRowResult } from './import';

/** The whole pipeline on a CSV text. */
function importText(text: string) {
	const parsed = parseCsv(text);
	return rowsToCustomers(parsed.rows, guessMapping(parsed.headers), parsed);
}

/** Each failed row as "row field:code" strings. */
function failures(results: CustomerRowResult[]) {
	return results.flatMap((r) => (r.ok ? [] : r.errors.map((e) => `${r.row} ${e.field}:${e.code}`)));
}

describe('parseCsv', () => {
	it('reads the header and string cells, keeping leading zeros', () => {
		expect(parseCsv('姓名,电话,邮编\r\n张伟,13800138000,010020\r\n')).toEqual({
			headers: ['姓名', '电话', '邮编'],
			rows: [['张伟', '13800138000', '010020']],
			rowNumbers: [2],
			errors: []
		});
	});

	it('skips empty and whitespace-only rows but counts them like a spreadsheet', () => {
		const parsed = parseCsv('\uFEFFname,phone\n\n张伟,13800138000\n , \n"李\n娜",13900139000\n王芳,\n');
		expect(parsed.headers).toEqual(['name', 'phone']);
		expect(parsed.rows).toEqual([
			['张伟', '13800138000'],
			['李\n娜', '13900139000'],
			['王芳', '']
		]);
		// A line break inside quotes is one spreadsheet row.
		expect(parsed.rowNumbers).toEqual([3, 5, 6]);
	});

	it('reads tab- and semicolon-separated files', () => {
		expect(parseCsv('name\tphone\n张伟\t138 0013 8000').rows).toEqual([['张伟', '138 0013 8000']]);
		expect(parseCsv('name;phone;notes\n张伟;13800138000;"a, b"').rows).toEqual([['张伟', '13800138000', 'a, b']]);
		// Semicolons in the data do not change the separator read from the header.
		expect(parseCsv('name,phones\nA,+8613800138000; +8613900139000').rows).toEqual([['A', '+8613800138000; +8613900139000']]);
	});

	it('reports papaparse errors by spreadsheet row', () => {
		const parsed = parseCsv('name,notes\nA,ok\nB,"unclosed\n');
		expect(parsed.errors).toHaveLength(1);
		expect(parsed.errors[0]).toMatchObject({ row: 3, message: expect.stringMatching(/quote/i) });
	});

	it('reads an empty file as no header and no rows', () => {
		expect(parseCsv('')).toEqual({ headers: [], rows: [], rowNumbers: [], errors: [] });
	});
});

describe('guessMapping', () => {
	it('recognises Chinese headers', () => {
		expect(guessMapping(['姓名', '手机', '电话', '邮箱', '地址', '性别', '生日', '标签', '分类', '地区', '来源', '备注', '商城客户编号', '积分'])).toEqual({
			0: 'name',
			1: 'phones',
			2: 'phones',
			3: 'emails',
			4: 'addresses',
			5: 'gender',
			6: 'birthday',
			7: 'tags',
			8: 'category',
			9: 'region',
			10: 'source',
			11: 'notes',
			12: 'external_id',
			13: null
		});
	});

	it('recognises English headers in any case and spelling', () => {
		expect(
			guessMapping(['Customer ID', 'Name', 'Mobile', 'Phone Number', 'E-mail', 'Shipping Address', 'Gender', 'Date of Birth', 'Tags', 'Category', 'Region', 'Source', 'Notes', 'Total spent'])
		).toEqual({
			0: 'external_id',
			1: 'name',
			2: 'phones',
			3: 'phones',
			4: 'emails',
			5: 'addresses',
			6: 'gender',
			7: 'birthday',
			8: 'tags',
			9: 'category',
			10: 'region',
			11: 'source',
			12: 'notes',
			13: null
		});
		expect(guessMapping(['external_id', 'customer_name', 'EMAIL_ADDRESS', ' phone '])).toEqual({ 0: 'external_id', 1: 'name', 2: 'emails', 3: 'phones' });
	});

	it('recognises shop-export headers by the words they contain', () => {
		expect(guessMapping(['会员编号', '收货人姓名', '收货人手机', '收货地址', '会员生日(YYYY-MM-DD)', '客户来源', '备注信息', '买家昵称'])).toEqual({
			0: 'external_id',
			1: 'name',
			2: 'phones',
			3: 'addresses',
			4: 'birthday',
			5: 'source',
			6: 'notes',
			7: null
		});
		// An exact header wins over one that only contains the word, wherever it stands.
		expect(guessMapping(['收货人姓名', '姓名*'])).toEqual({ 0: null, 1: 'name' });
	});

	it('gives a single-value field to one column only', () => {
		expect(guessMapping(['姓名', 'Name', '性别', 'sex'])).toEqual({ 0: 'name', 1: null, 2: 'gender', 3: null });
	});
});

describe('rowsToCustomers', () => {
	it('turns rows into normalised customers', () => {
		const results = importText(
			[
				'姓名,手机,电话,邮箱,地址,性别,生日,标签,分类,地区,来源,备注,商城客户编号',
				'张伟,138 0013 8000,"+1 650 253 0000; 13800138000",Zhang.Wei@Example.CN,"北京市朝阳区建国路 1 号，3 楼",男,1990/5/1,"VIP，复购、 老客",零售,华北,淘宝,  喜欢绿茶 ,TB-1001',
				'Li Na,13900139000,,"li@example.com,na@example.com",,F,19880302,vip,,,,,',
				'王芳,,,,,female,1975-12-31,,,,,,'
			].join('\n')
		);
		expect(results).toEqual([
			{
				ok: true,
				row: 2,
				external_id: 'TB-1001',
				data: {
					name: '张伟',
					phones: ['+8613800138000', '+16502530000'],
					emails: ['zhang.wei@example.cn'],
					addresses: [{ detail: '北京市朝阳区建国路 1 号，3 楼' }],
					gender: 'male',
					birthday: '1990-05-01',
					tags: ['VIP', '复购', '老客'],
					category: '零售',
					region: '华北',
					source: '淘宝',
					notes: '  喜欢绿茶 ',
					external_id: 'TB-1001'
				}
			},
			{ ok: true, row: 3, data: { name: 'Li Na', phones: ['+8613900139000'], emails: ['li@example.com', 'na@example.com'], gender: 'female', birthday: '1988-03-02', tags: ['vip'] } },
			{ ok: true, row: 4, data: { name: '王芳', gender: 'female', birthday: '1975-12-31' } }
		]);
	});

	it('reports each malformed row with its spreadsheet row number', () => {
		const results = importText(
			[
				'姓名,电话,邮箱,生日,性别', // row 1
				'张伟,13800138000,zw@example.com,1990-05-01,男', // 2: fine
				'李娜,13900139000,li@example.com', // 3: too few cells
				'王芳,12345,wf@example.com,,', // 4: bad phone
				'', // 5: empty, skipped
				'赵强,13700137000,not-an-email,,', // 6: bad email
				' ,13600136000,,,', // 7: no name
				'刘洋,13500135000,,1990-02-30,x', // 8: impossible date, unknown gender
				'陈静,13400134000,,2990-01-01,,extra' // 9: too many cells
			].join('\r\n')
		);
		expect(results.filter((r) => r.ok).map((r) => r.row)).toEqual([2]);
		expect(failures(results)).toEqual([
			'3 row:column_count',
			'4 phones:invalid_phone',
			'6 emails:invalid_email',
			'7 name:required',
			'8 birthday:invalid_date',
			'8 gender:invalid_choice',
			'9 row:column_count'
		]);
		const bad = results.find((r) => r.row === 4);
		expect(bad && !bad.ok && bad.errors[0].message).toBe('Phone number "12345" is not valid');
	});

	it('never skips a row without a name, even when no column holds names', () => {
		expect(failures(importText('手机\n13800138000\n13900139000'))).toEqual(['2 name:required', '3 name:required']);
	});

	it('refuses a shop customer id used twice, on the later row', () => {
		const results = importText('name,external_id\nA,X1\nB,X2\nC, X1 \nD,X2');
		expect(failures(results)).toEqual(['4 external_id:duplicate_in_file', '5 external_id:duplicate_in_file']);
		const row4 = results.find((r) => r.row === 4);
		expect(row4 && !row4.ok && row4.errors[0].message).toBe('shop customer id "X1" is already used in row 2');
	});

	it('reports a future birthday and values over the limits with the app rules', () => {
		expect(failures(importText(`name,birthday,tags\nA,2999-01-01,\n${'n'.repeat(201)},,\nC,,${'t'.repeat(41)}`))).toEqual(['2 birthday:future_date', '3 name:too_long', '4 tags:invalid_tag']);
	});

	it('accepts the gender and birthday spellings of spreadsheets', () => {
		const csv = 'name,gender,birthday\nA,M,1990-5-1\nB,f,1990/05/01 0:00\nC,女性,1990年5月1日\nD,未知,19900501\nE,其他,';
		const data = importText(csv).map((r) => (r.ok ? [r.data.gender ?? '', r.data.birthday ?? ''] : r.errors));
		expect(data).toEqual([
			['male', '1990-05-01'],
			['female', '1990-05-01'],
			['female', '1990-05-01'],
			['', '1990-05-01'],
			['other', '']
		]);
	});

	it('imports cells that look like formulas as the text they are', () => {
		const results = importText('name,notes,tags,category\n=1+1,"@SUM(A1)",-2,"\tx"\n"\'=1+1","\'+86 tel","\'abc",\'\'-3');
		expect(results.map((r) => r.ok && r.data)).toEqual([
			{ name: '=1+1', notes: '@SUM(A1)', tags: ['-2'], category: 'x' },
			// The export's guard (one leading ') is removed; other apostrophes are data.
			{ name: '=1+1', notes: '+86 tel', tags: ["'abc"], category: "'-3" }
		]);
	});

	it('reports file errors on their row, including the header row', () => {
		expect(failures(importText('name,notes\nA,ok\nB,"unclosed\n'))).toEqual(['3 row:csv_syntax']);
		const results = rowsToCustomers([['A']], { 0: 'name' }, { errors: [{ row: 1, message: 'bad header' }] });
		expect(failures(results)).toEqual(['1 row:csv_syntax']);
	});

	it('numbers rows from 2 when given only rows and a mapping', () => {
		const results = rowsToCustomers(
			[
				['A', '13800138000'],
				['', '']
			],
			{ 0: 'name', 1: 'phones' }
		);
		expect(results.map((r) => [r.row, r.ok])).toEqual([
			[2, true],
			[3, false]
		]);
	});

	it('reports two different values for one field from two columns', () => {
		const results = rowsToCustomers(
			[
				['A', 'B'],
				['C', 'C']
			],
			{ 0: 'name', 1: 'name' }
		);
		expect(failures(results)).toEqual(['2 name:conflicting_values']);
		expect(results[1]).toMatchObject({ ok: true, data: { name: 'C' } });
	});
});

describe('unescapeCsvFormula', () => {
	it('removes only the guard the export adds', () => {
		expect(["'=1+1", "'+86", "'-2", "'@x", "'\tx", "''=x", '=1+1', "'abc", "'", ''].map(unescapeCsvFormula)).toEqual(['=1+1', '+86', '-2', '@x', '\tx', "'=x", '=1+1', "'abc", "'", '']);
	});
});

describe('planImport', () => {
	const file = 'name,phone,external_id\n张伟,13800138000,TB-1\n李娜,13900139000,TB-2\n王芳,13700137000,\n';

	it('creates new customers and updates the ones whose shop customer id exists', () => {
		const plan = planImport(importText(file), new Map([['TB-2', { id: 'rec_li' }]]));
		expect(plan.canImport).toBe(true);
		expect(plan.errors).toEqual([]);
		expect(plan.create).toEqual([
			{ row: 2, data: { name: '张伟', phones: ['+8613800138000'], external_id: 'TB-1' } },
			{ row: 4, data: { name: '王芳', phones: ['+8613700137000'] } }
		]);
		expect(plan.update).toEqual([{ row: 3, id: 'rec_li', data: { name: '李娜', phones: ['+8613900139000'], external_id: 'TB-2' } }]);
	});

	it('re-importing the same file updates instead of duplicating', () => {
		const first = planImport(importText(file), new Map());
		expect(first.create).toHaveLength(3);
		// After the first import, the customers with a shop customer id exist.
		const existing = new Map(first.create.filter((c) => c.data.external_id).map((c, i) => [c.data.external_id!, { id: `rec${i}` }]));
		const second = planImport(importText(file), existing);
		expect(second.update.map((u) => [u.row, u.id])).toEqual([
			[2, 'rec0'],
			[3, 'rec1']
		]);
		// Without a shop customer id, a row cannot be matched and is created again.
		expect(second.create.map((c) => c.row)).toEqual([4]);
	});

	it('refuses the whole import when any row has an error', () => {
		const plan = planImport(importText(`${file}赵强,123,TB-3\n`), new Map());
		expect(plan.canImport).toBe(false);
		expect(plan.errors).toEqual([{ row: 5, errors: [{ field: 'phones', code: 'invalid_phone', message: 'Phone number "123" is not valid' }] }]);
		expect(plan.create).toHaveLength(3);
	});
});

describe('GBK file end to end', () => {
	it('imports a Chinese Excel export', () => {
		// 姓名,手机\r\n张伟,13800138000 in GBK.
		const bytes = Uint8Array.from([0xd0, 0xd5, 0xc3, 0xfb, 0x2c, 0xca, 0xd6, 0xbb, 0xfa, 0x0d, 0x0a, 0xd5, 0xc5, 0xce, 0xb0, ...new TextEncoder().encode(',13800138000\r\n')]);
		const { text, encoding } = decodeCsvBytes(bytes);
		expect(encoding).toBe('gbk');
		expect(importText(text)).toEqual([{ ok: true, row: 2, data: { name: '张伟', phones: ['+8613800138000'] } }]);
	});
});
