/**
 * Customer import from CSV: parsing, guessing which column is which field, turning rows into
 * customers with the app's own validation, and planning an idempotent (re-)import.
 * Pure functions, no database and no DOM.
 *
 * ```ts
 * assertImportSize(file);                                   // ./decode: refuse > 20 MB before reading
 * const { text } = decodeCsvBytes(new Uint8Array(await file.arrayBuffer()));
 * const parsed = parseCsv(text);
 * const mapping = guessMapping(parsed.headers);             // let the user adjust it
 * const results = rowsToCustomers(parsed.rows, mapping, parsed);
 * const plan = planImport(results, existingByExternalId);
 * if (!plan.canImport) showErrors(plan.errors);             // nothing is imported
 * ```
 *
 * Row numbers are the ones the user sees in a spreadsheet: the header is row 1, and empty lines
 * and line breaks inside quoted cells are counted the way a spreadsheet counts them.
 */
import Papa from 'papaparse';
import { normalizeCustomer, validateCustomer, type Address, type FieldError } from '../shared/validation';

/** The customer fields a CSV column can hold, in the order of a full export. */
export const CUSTOMER_CSV_FIELDS = ['name', 'phones', 'emails', 'addresses', 'gender', 'birthday', 'tags', 'category', 'region', 'source', 'notes', 'external_id'] as const;

export type CustomerCsvField = (typeof CUSTOMER_CSV_FIELDS)[number];
export type CsvLocale = 'zh-CN' | 'en';

/** Column headers written by the export (and recognised by {@link guessMapping}). */
export const CSV_HEADERS: Record<CsvLocale, Record<CustomerCsvField, string>> = {
	'zh-CN': {
		name: '姓名',
		phones: '电话',
		emails: '邮箱',
		addresses: '地址',
		gender: '性别',
		birthday: '生日',
		tags: '标签',
		category: '分类',
		region: '地区',
		source: '来源',
		notes: '备注',
		external_id: '商城客户编号'
	},
	en: {
		name: 'Name',
		phones: 'Phones',
		emails: 'Emails',
		addresses: 'Addresses',
		gender: 'Gender',
		birthday: 'Birthday',
		tags: 'Tags',
		category: 'Category',
		region: 'Region',
		source: 'Source',
		notes: 'Notes',
		external_id: 'Shop customer ID'
	}
};

/** Column index → the field it fills, or null to ignore the column. */
export type CsvMapping = Record<number, CustomerCsvField | null>;

/** A problem with the file itself (such as an unclosed quote), by spreadsheet row. */
export interface CsvParseError {
	row: number;
	message: string;
}

export interface ParsedCsv {
	/** The header row's cells, trimmed. */
	headers: string[];
	/** The data rows (empty rows left out), every cell a string exactly as in the file. */
	rows: string[][];
	/** For each entry of `rows`, its spreadsheet row number (header = 1). */
	rowNumbers: number[];
	errors: CsvParseError[];
}

/** A customer as read from one CSV row: assignable to the app's `CustomerInput`. */
export interface CustomerCsvData {
	name: string;
	phones?: string[];
	emails?: string[];
	addresses?: Address[];
	gender?: 'male' | 'female' | 'other';
	birthday?: string;
	tags?: string[];
	category?: string;
	region?: string;
	source?: string;
	notes?: string;
	external_id?: string;
}

export type CustomerRowResult = { ok: true; row: number; external_id?: string; data: CustomerCsvData } | { ok: false; row: number; errors: FieldError[] };

const DELIMITERS = [',', '\t', ';'] as const;

/**
 * The delimiter, from the header line only: headers never contain one, while data cells (lists
 * joined with "; ", notes) may, and a malformed data row must not change how the file is read.
 */
function detectDelimiter(text: string): string {
	const firstLine =
		text
			.slice(0, 64 * 1024)
			.split(/\r\n|\n|\r/)
			.find((l) => l.trim() !== '') ?? '';
	let best: string = ',';
	let bestCount = 0;
	for (const d of DELIMITERS) {
		const count = firstLine.split(d).length - 1;
		if (count > bestCount) [best, bestCount] = [d, count];
	}
	return best;
}

/**
 * Parses CSV text: the first non-empty row is the header, every cell stays a string (no dynamic
 * typing: "0138..." keeps its zero), and rows that are empty or only whitespace are skipped
 * (papaparse's `skipEmptyLines: 'greedy'` rule, applied here so that the skipped rows still count
 * in the row numbers). The delimiter is a comma, tab or semicolon, read from the header line,
 * unless given.
 */
export function parseCsv(text: string, opts: { delimiter?: string } = {}): ParsedCsv {
	const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
	const result = Papa.parse<string[]>(input, {
		header: false,
		dynamicTyping: false,
		skipEmptyLines: false,
		delimiter: opts.delimiter ?? detectDelimiter(input)
	});
	const headers: string[] = [];
	const rows: string[][] = [];
	const rowNumbers: number[] = [];
	let haveHeader = false;
	result.data.forEach((record, i) => {
		if (record.join('').trim() === '') return;
		if (!haveHeader) {
			haveHeader = true;
			headers.push(...record.map((h) => h.trim()));
		} else {
			rows.push(record);
			rowNumbers.push(i + 1);
		}
	});
	const errors = result.errors
		// Papaparse notes a single-column file as an undetectable delimiter; that is not a problem.
		.filter((e) => e.code !== 'UndetectableDelimiter')
		.map((e) => ({ row: typeof e.row === 'number' ? e.row + 1 : 1, message: e.message }));
	return { headers, rows, rowNumbers, errors };
}

// ---------------------------------------------------------------------------------------------
// Guessing the mapping

/** Headers that mean the field exactly (after {@link normalizeHeader}). */
const EXACT: Record<CustomerCsvField, string[]> = {
	external_id: [
		'商城客户编号',
		'客户编号',
		'会员编号',
		'会员号',
		'会员卡号',
		'用户编号',
		'外部编号',
		'编号',
		'会员id',
		'客户id',
		'用户id',
		'买家id',
		'外部id',
		'id',
		'external id',
		'externalid',
		'customer id',
		'customerid',
		'customer no',
		'customer number',
		'client id',
		'member id',
		'user id',
		'buyer id',
		'shop customer id'
	],
	name: [
		'姓名',
		'名字',
		'名称',
		'客户',
		'客户姓名',
		'客户名称',
		'客户名',
		'联系人',
		'收货人',
		'收件人',
		'会员姓名',
		'会员名称',
		'真实姓名',
		'name',
		'full name',
		'customer',
		'customer name',
		'client name',
		'contact',
		'contact name'
	],
	phones: [
		'手机',
		'手机号',
		'手机号码',
		'电话',
		'电话号码',
		'联系电话',
		'联系方式',
		'移动电话',
		'手机电话',
		'电话手机',
		'phone',
		'phones',
		'phone number',
		'phone numbers',
		'mobile',
		'mobile phone',
		'mobile number',
		'cell',
		'cellphone',
		'tel',
		'telephone',
		'contact number'
	],
	emails: ['邮箱', '电子邮箱', '邮件', '电子邮件', '邮箱地址', 'email', 'emails', 'e mail', 'email address', 'email addresses', 'mail'],
	addresses: ['地址', '收货地址', '详细地址', '联系地址', '通讯地址', '家庭地址', 'address', 'addresses', 'shipping address', 'street address'],
	gender: ['性别', 'gender', 'sex'],
	birthday: ['生日', '出生日期', '出生年月日', 'birthday', 'birth date', 'birthdate', 'date of birth', 'dob'],
	tags: ['标签', '客户标签', 'tags', 'tag', 'labels', 'label'],
	category: ['分类', '类别', '客户分类', '客户类别', '客户类型', '类型', 'category', 'customer type', 'type'],
	region: ['地区', '区域', '省份', '所在地区', 'region', 'area', 'province'],
	source: ['来源', '客户来源', '渠道', 'source', 'channel', 'lead source'],
	notes: ['备注', '说明', '备忘', '备注信息', 'notes', 'note', 'remark', 'remarks', 'comment', 'comments', 'memo']
};

/**
 * Words that point to the field when a header contains them ("收货人手机" → phones, "会员生日" →
 * birthday), tried in this order so that the specific field wins over the generic one.
 * Chinese words match as substrings, English words as whole words.
 */
const CONTAINS: [CustomerCsvField, string[]][] = [
	['external_id', ['编号', 'customer id', 'member id', 'external id', 'user id', 'buyer id', 'client id']],
	['phones', ['手机', '电话', 'phone', 'phones', 'mobile', 'tel', 'telephone', 'cellphone']],
	['emails', ['邮箱', '邮件', 'email', 'emails', 'e mail', 'mail']],
	['birthday', ['生日', '出生', 'birthday', 'birth', 'dob']],
	['gender', ['性别', 'gender', 'sex']],
	['tags', ['标签', 'tag', 'tags', 'label', 'labels']],
	['category', ['分类', '类别', '类型', 'category']],
	['region', ['地区', '区域', '省份', 'region', 'province']],
	['source', ['来源', '渠道', 'source', 'channel']],
	['notes', ['备注', '说明', '备忘', 'note', 'notes', 'remark', 'remarks', 'comment', 'comments', 'memo']],
	['addresses', ['地址', 'address', 'addresses']],
	['name', ['姓名', '名称', '名字', 'name']]
];

/** Fields that several columns may fill (their values are combined). */
const MULTI_COLUMN = new Set<CustomerCsvField>(['phones', 'emails', 'addresses', 'tags', 'notes']);

/** Lower case, full-width forms folded, "(YYYY-MM-DD)" hints, "*" and ":" dropped, separators as one space. */
function normalizeHeader(header: string): string {
	return header
		.normalize('NFKC')
		.toLowerCase()
		.replace(/\([^)]*\)|\[[^\]]*\]|【[^】]*】/g, ' ')
		.replace(/[*:：]/g, '')
		.replace(/[\s_\-./\\|]+/g, ' ')
		.trim();
}

function containsWord(header: string, word: string): boolean {
	return /[a-z]/.test(word) ? ` ${header} `.includes(` ${word} `) : header.includes(word);
}

/**
 * Guesses which customer field each column holds from its header, in Chinese or English.
 * A single-value field (name, gender, …) goes to one column only; phones, emails, addresses,
 * tags and notes may come from several. Unknown headers map to null.
 */
export function guessMapping(headers: readonly string[]): CsvMapping {
	const mapping: CsvMapping = {};
	const taken = new Set<CustomerCsvField>();
	const norm = headers.map(normalizeHeader);
	const assign = (i: number, field: CustomerCsvField) => {
		if (mapping[i] || (taken.has(field) && !MULTI_COLUMN.has(field))) return false;
		mapping[i] = field;
		taken.add(field);
		return true;
	};
	headers.forEach((_, i) => (mapping[i] = null));
	// Exact names first, so that "姓名" claims the name before "收货人姓名" could.
	norm.forEach((h, i) => {
		const field = CUSTOMER_CSV_FIELDS.find((f) => EXACT[f].includes(h));
		if (field) assign(i, field);
	});
	norm.forEach((h, i) => {
		if (!h || mapping[i]) return;
		for (const [field, words] of CONTAINS) {
			if (words.some((w) => containsWord(h, w)) && assign(i, field)) return;
		}
	});
	return mapping;
}

// ---------------------------------------------------------------------------------------------
// Rows to customers

/**
 * Undoes the export's formula guard: a cell that starts with `'` followed by a character that
 * could start a formula (`=`, `+`, `-`, `@`, tab, CR; or another such `'`) loses that one `'`.
 * Other cells, including ones that start with `=` and the like, are data and stay as they are.
 */
export function unescapeCsvFormula(cell: string): string {
	return /^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** Separators between several phones, emails or tags in one cell. */
const LIST_SEPARATORS = /[;；,，、\r\n]+/;
/** Addresses are split on semicolons and line breaks only: an address itself has commas. */
const ADDRESS_SEPARATORS = /[;\r\n]+/;

function splitList(cell: string, separators: RegExp): string[] {
	return cell
		.split(separators)
		.map((s) => s.trim())
		.filter(Boolean);
}

const GENDER_VALUES: Record<string, 'male' | 'female' | 'other' | ''> = {
	男: 'male',
	男性: 'male',
	男士: 'male',
	先生: 'male',
	m: 'male',
	male: 'male',
	man: 'male',
	女: 'female',
	女性: 'female',
	女士: 'female',
	小姐: 'female',
	f: 'female',
	female: 'female',
	woman: 'female',
	其他: 'other',
	其它: 'other',
	other: 'other',
	// "Unknown" in shop exports: the same as an empty cell.
	未知: '',
	保密: '',
	未填写: '',
	unknown: ''
};

function parseGender(cell: string): 'male' | 'female' | 'other' | '' | null {
	return GENDER_VALUES[cell.normalize('NFKC').trim().toLowerCase()] ?? null;
}

/** YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日 (with an optional time, as Excel writes) or YYYYMMDD → YYYY-MM-DD. */
function parseBirthday(cell: string): string | null {
	const s = cell.normalize('NFKC').trim();
	const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
	if (!m) return null;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const date = new Date(Date.UTC(y, mo - 1, d));
	if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
	return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function fieldError(field: string, code: string, message: string): FieldError {
	return { field, code, message };
}

export interface RowsToCustomersOptions {
	/** Spreadsheet row number of each row (default: the header is row 1 and no row was skipped). */
	rowNumbers?: readonly number[];
	/** The header, to refuse rows with another number of cells. */
	headers?: readonly string[];
	/** Problems {@link parseCsv} found in the file, reported on their rows. */
	errors?: readonly CsvParseError[];
}

/**
 * Turns data rows into customers, or into the errors of each row, with the app's validation
 * (`validateCustomer`) and normalisation (phones to E.164, emails lower case). Pass the result of
 * {@link parseCsv} as `opts` to get its row numbers, column-count check and parse errors.
 *
 * - Several phones, emails or tags in a cell are separated by `;` `,` `，` `、` or line breaks;
 *   several addresses by `;` or line breaks.
 * - Gender: 男/女/其他, male/female/other, M/F (未知 or 保密 count as empty).
 * - Birthday: YYYY-MM-DD, YYYY/M/D or YYYYMMDD.
 * - Empty cells leave the field out (a re-import does not clear it). Text is trimmed, except notes.
 * - A row without a name is an error, as is a shop customer id already used by an earlier row.
 */
export function rowsToCustomers(rows: readonly (readonly string[])[], mapping: CsvMapping, opts: RowsToCustomersOptions = {}): CustomerRowResult[] {
	const columns = Object.entries(mapping)
		.filter((e): e is [string, CustomerCsvField] => e[1] != null)
		.map(([i, field]) => [Number(i), field] as const);
	const syntaxErrors = new Map<number, FieldError[]>();
	for (const e of opts.errors ?? []) {
		const list = syntaxErrors.get(e.row) ?? [];
		list.push(fieldError('row', 'csv_syntax', e.message));
		syntaxErrors.set(e.row, list);
	}
	const firstRowOfExternalId = new Map<string, number>();
	const results: CustomerRowResult[] = [];

	rows.forEach((cells, index) => {
		const row = opts.rowNumbers?.[index] ?? index + 2;
		const errors: FieldError[] = [...(syntaxErrors.get(row) ?? [])];
		syntaxErrors.delete(row);
		if (opts.headers && cells.length !== opts.headers.length) {
			// The cells are shifted: their values cannot be trusted field by field.
			errors.push(fieldError('row', 'column_count', `the row has ${cells.length} cells but the header has ${opts.headers.length}`));
			return void results.push({ ok: false, row, errors });
		}

		const data: Record<string, unknown> = {};
		const lists: Record<string, string[]> = {};
		const notes: string[] = [];
		const addresses: Address[] = [];
		for (const [col, field] of columns) {
			const cell = unescapeCsvFormula(cells[col] ?? '');
			if (cell.trim() === '') continue;
			switch (field) {
				case 'phones':
				case 'emails':
				case 'tags':
					(lists[field] ??= []).push(...splitList(cell, LIST_SEPARATORS));
					break;
				case 'addresses':
					addresses.push(...splitList(cell, ADDRESS_SEPARATORS).map((detail) => ({ detail })));
					break;
				case 'notes':
					notes.push(cell);
					break;
				case 'gender': {
					const gender = parseGender(cell);
					if (gender === null) errors.push(fieldError('gender', 'invalid_choice', `gender "${cell.slice(0, 40)}" is not one of 男, 女, 其他, male, female, other, M, F`));
					else if (gender) data.gender = gender;
					break;
				}
				case 'birthday': {
					const birthday = parseBirthday(cell);
					if (birthday === null) errors.push(fieldError('birthday', 'invalid_date', `birthday "${cell.slice(0, 40)}" is not a date (YYYY-MM-DD, YYYY/M/D or YYYYMMDD)`));
					else data.birthday = birthday;
					break;
				}
				default: {
					const value = cell.trim();
					const before = data[field];
					if (before !== undefined && before !== value) {
						errors.push(fieldError(field, 'conflicting_values', `${field} has two different values in this row`));
					}
					data[field] = value;
				}
			}
		}
		for (const [field, list] of Object.entries(lists)) if (list.length) data[field] = list;
		if (addresses.length) data.addresses = addresses;
		if (notes.length) data.notes = notes.join('\n');
		// The name is always present so that a missing one is reported, never skipped.
		data.name ??= '';

		errors.push(...validateCustomer(data).filter((e) => !errors.some((x) => x.field === e.field)));

		const externalId = data.external_id as string | undefined;
		if (externalId !== undefined) {
			const first = firstRowOfExternalId.get(externalId);
			if (first !== undefined) {
				errors.push(fieldError('external_id', 'duplicate_in_file', `shop customer id "${externalId.slice(0, 40)}" is already used in row ${first}`));
			} else firstRowOfExternalId.set(externalId, row);
		}

		if (errors.length) results.push({ ok: false, row, errors });
		else {
			const customer = normalizeCustomer(data) as unknown as CustomerCsvData;
			results.push(externalId !== undefined ? { ok: true, row, external_id: externalId, data: customer } : { ok: true, row, data: customer });
		}
	});

	// Problems outside the data rows (say, in the header) still stop the import.
	for (const [row, errors] of syntaxErrors) results.push({ ok: false, row, errors });
	return results.sort((a, b) => a.row - b.row);
}

// ---------------------------------------------------------------------------------------------
// Planning the import

export interface ImportPlan {
	/** Rows whose shop customer id is new, or that have none. */
	create: { row: number; data: CustomerCsvData }[];
	/** Rows whose shop customer id belongs to an existing customer: a patch of the non-empty cells. */
	update: { row: number; id: string; data: CustomerCsvData }[];
	errors: { row: number; errors: FieldError[] }[];
	/** False as soon as one row has an error: the import is all or nothing. */
	canImport: boolean;
}

/**
 * Plans an idempotent import: a row whose shop customer id (`external_id`) is already a customer
 * updates that customer instead of creating a duplicate, so importing the same file twice changes
 * nothing the second time. Rows without a shop customer id are always created.
 */
export function planImport(parsed: readonly CustomerRowResult[], existingByExternalId: ReadonlyMap<string, { id: string }>): ImportPlan {
	const plan: ImportPlan = { create: [], update: [], errors: [], canImport: false };
	for (const r of parsed) {
		if (!r.ok) plan.errors.push({ row: r.row, errors: r.errors });
		else {
			const existing = r.external_id !== undefined ? existingByExternalId.get(r.external_id) : undefined;
			if (existing) plan.update.push({ row: r.row, id: existing.id, data: r.data });
			else plan.create.push({ row: r.row, data: r.data });
		}
	}
	plan.canImport = plan.errors.length === 0;
	return plan;
}
