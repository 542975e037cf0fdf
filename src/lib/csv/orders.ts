/**
 * Order history from a file (CSV or XLSX), for the order import (issue 15, item 1; server:
 * server/orderimport.go). Guessing which column is which (Chinese and English headers, as the
 * shop systems' exports name them), reading each row into an order with its problems by spreadsheet
 * row number, and cutting the orders into the requests the server takes. Pure functions: no DOM.
 *
 * Times without a zone are the shop's wall clock (UTC+8 unless the shop says otherwise); a date cell
 * of a spreadsheet arrives as a Date whose UTC fields are that wall clock (read-excel-file's reading
 * of Excel's serial dates), and is read the same way.
 */
import { roundMoney } from '../shared/money';
import { guessColumns } from './columns';

export const ORDER_FIELDS = ['order_id', 'customer_id', 'name', 'time', 'total', 'refunded'] as const;
export type OrderField = (typeof ORDER_FIELDS)[number];
export const REQUIRED_ORDER_FIELDS: readonly OrderField[] = ['order_id', 'customer_id', 'time', 'total'];

/** Column index → the field it fills, or null to leave the column out. */
export type OrderMapping = Record<number, OrderField | null>;

/** A spreadsheet cell: text from a CSV, or what an XLSX cell holds. */
export type Cell = string | number | boolean | Date | null | undefined;

export interface OrderRow {
	/** The spreadsheet row (header = 1). */
	row: number;
	order_id: string;
	customer_id: string;
	name: string;
	/** ms since 1970 */
	time: number;
	total: number;
	refunded?: number;
}

export interface OrderRowProblem {
	row: number;
	field: OrderField;
	code: 'required' | 'invalid' | 'duplicate' | 'too_high' | 'in_future' | 'too_old';
	/** For a duplicate: the row that has the order first. */
	other?: number;
}

/** Whole headers, normalised (lower case, without spaces and punctuation). */
const EXACT: Record<OrderField, string[]> = {
	order_id: ['订单号', '订单编号', '订单id', '订单', 'orderid', 'ordernumber', 'orderno', 'order'],
	customer_id: ['客户编号', '商城客户编号', '会员编号', '会员id', '买家id', '用户id', '客户id', 'customerid', 'buyerid', 'userid', 'memberid', 'customer'],
	name: ['客户姓名', '买家姓名', '会员名', '会员名称', '姓名', '收货人', '客户', 'name', 'customername', 'buyername', 'fullname'],
	time: ['下单时间', '付款时间', '支付时间', '订单时间', '创建时间', '成交时间', '日期', '时间', 'time', 'date', 'orderdate', 'createdat', 'created', 'paidat', 'ordertime', 'orderedat'],
	total: ['订单金额', '实付金额', '实付款', '支付金额', '付款金额', '成交金额', '金额', '总价', '总额', 'total', 'amount', 'ordertotal', 'paid', 'grandtotal', 'totalamount'],
	refunded: ['退款金额', '已退款', '退款', '退款额', 'refund', 'refunded', 'refundamount', 'refundedamount']
};
/** Words a header may contain, when no whole header matched; the more specific first. */
const CONTAINS: [OrderField, string[]][] = [
	['refunded', ['退款', 'refund']],
	['order_id', ['订单号', '订单编号', 'orderid', 'orderno', 'ordernumber']],
	['customer_id', ['客户编号', '会员编号', '买家id', '用户id', 'customerid', 'buyerid', 'userid', 'memberid']],
	['time', ['时间', '日期', 'date', 'time', 'paidat', 'createdat', 'orderedat']],
	['total', ['金额', '实付', 'amount', 'total']],
	['name', ['姓名', '收货人', 'name']]
];

export function guessOrderMapping(headers: readonly string[]): OrderMapping {
	return guessColumns(headers, ORDER_FIELDS, EXACT, CONTAINS);
}

const DAY_MS = 86_400_000;
/** Backfill takes history from 2000 on (server/ingest_validate.go). */
export const EARLIEST_ORDER = Date.UTC(2000, 0, 1);

/** A time cell as ms since 1970, or NaN. */
export function cellTime(v: Cell, tzOffsetMinutes = 480): number {
	if (v instanceof Date) return isNaN(v.getTime()) ? NaN : v.getTime() - tzOffsetMinutes * 60_000;
	if (typeof v === 'number') {
		if (!isFinite(v)) return NaN;
		if (v > 1e11) return Math.round(v); // ms since 1970
		if (v > 1e9) return Math.round(v * 1000); // s since 1970
		// An Excel serial date (days since 1899-12-30, the fraction the time of day), in shop time
		if (v > 20_000 && v < 80_000) return Math.round(Date.UTC(1899, 11, 30) + v * DAY_MS) - tzOffsetMinutes * 60_000;
		return NaN;
	}
	if (typeof v !== 'string') return NaN;
	const s = v.trim();
	if (!s) return NaN;
	if (/^\d{10}(\d{3})?$/.test(s)) return cellTime(Number(s), tzOffsetMinutes);
	const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?)?秒?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
	if (!m) return NaN;
	const [, y, mo, d, h = '0', mi = '0', se = '0', zone] = m;
	const local = Date.UTC(+y, +mo - 1, +d, +h, +mi, +se);
	const check = new Date(local);
	if (check.getUTCFullYear() !== +y || check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d || +h > 23 || +mi > 59 || +se > 59) return NaN;
	if (!zone) return local - tzOffsetMinutes * 60_000;
	if (zone.toUpperCase() === 'Z') return local;
	const sign = zone[0] === '-' ? -1 : 1;
	const digits = zone.slice(1).replace(':', '');
	return local - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** A money cell (¥1,234.50, 1234.5元, 1 234,00 is not supported) as a number, or NaN; '' is null. */
export function cellMoney(v: Cell): number | null {
	if (v === null || v === undefined) return null;
	if (typeof v === 'number') return isFinite(v) ? roundMoney(v) : NaN;
	if (typeof v !== 'string') return NaN;
	const s = v
		.trim()
		.replace(/^(¥|￥|RMB|CNY)\s*/i, '')
		.replace(/\s*(元|CNY|RMB)$/i, '')
		.replace(/,/g, '');
	if (s === '') return null;
	if (!/^-?\d+(\.\d+)?$/.test(s)) return NaN;
	return roundMoney(Number(s));
}

function cellText(v: Cell): string {
	if (v === null || v === undefined) return '';
	if (v instanceof Date) return v.toISOString();
	return String(v).trim();
}

export interface OrdersRead {
	orders: OrderRow[];
	problems: OrderRowProblem[];
	/** The required fields no column is mapped to. */
	unmapped: OrderField[];
}

/** Every data row as an order, or its problems (each row once per field). */
export function rowsToOrders(rows: readonly (readonly Cell[])[], rowNumbers: readonly number[], mapping: OrderMapping, opts: { now?: number; tzOffsetMinutes?: number } = {}): OrdersRead {
	const now = opts.now ?? Date.now();
	const tz = opts.tzOffsetMinutes ?? 480;
	const col: Partial<Record<OrderField, number>> = {};
	for (const [i, f] of Object.entries(mapping)) if (f) col[f] = Number(i);
	const unmapped = REQUIRED_ORDER_FIELDS.filter((f) => col[f] === undefined);
	const orders: OrderRow[] = [];
	const problems: OrderRowProblem[] = [];
	if (unmapped.length) return { orders, problems, unmapped };
	const firstRow = new Map<string, number>();
	rows.forEach((cells, k) => {
		const row = rowNumbers[k] ?? k + 2;
		const get = (f: OrderField) => (col[f] === undefined ? undefined : cells[col[f]!]);
		const mine: OrderRowProblem[] = [];
		const order_id = cellText(get('order_id'));
		const customer_id = cellText(get('customer_id'));
		if (!order_id) mine.push({ row, field: 'order_id', code: 'required' });
		else if (order_id.length > 64) mine.push({ row, field: 'order_id', code: 'invalid' });
		else if (firstRow.has(order_id)) mine.push({ row, field: 'order_id', code: 'duplicate', other: firstRow.get(order_id) });
		else firstRow.set(order_id, row);
		if (!customer_id) mine.push({ row, field: 'customer_id', code: 'required' });
		else if (customer_id.length > 64) mine.push({ row, field: 'customer_id', code: 'invalid' });
		const rawTime = get('time');
		const time = cellTime(rawTime ?? null, tz);
		if (rawTime === null || rawTime === undefined || rawTime === '') mine.push({ row, field: 'time', code: 'required' });
		else if (isNaN(time)) mine.push({ row, field: 'time', code: 'invalid' });
		else if (time > now + 5 * 60_000) mine.push({ row, field: 'time', code: 'in_future' });
		else if (time < EARLIEST_ORDER) mine.push({ row, field: 'time', code: 'too_old' });
		const total = cellMoney(get('total') ?? null);
		if (total === null) mine.push({ row, field: 'total', code: 'required' });
		else if (isNaN(total) || total < 0 || total > 1e12) mine.push({ row, field: 'total', code: 'invalid' });
		const refunded = col.refunded === undefined ? null : cellMoney(get('refunded') ?? null);
		if (refunded !== null && (isNaN(refunded) || refunded < 0)) mine.push({ row, field: 'refunded', code: 'invalid' });
		else if (refunded !== null && total !== null && !isNaN(total) && refunded > total) mine.push({ row, field: 'refunded', code: 'too_high' });
		const name = cellText(get('name')).slice(0, 100);
		if (mine.length) {
			problems.push(...mine);
			return;
		}
		const o: OrderRow = { row, order_id, customer_id, name, time, total: total! };
		if (refunded) o.refunded = refunded;
		orders.push(o);
	});
	return { orders, problems, unmapped };
}

/** The orders cut into the server's requests (at most 2,000 rows each). */
export function orderChunks(orders: readonly OrderRow[], size = 1000): OrderRow[][] {
	const out: OrderRow[][] = [];
	for (let i = 0; i < orders.length; i += size) out.push(orders.slice(i, i + size));
	return out;
}

/** What the file holds, for the summary before import. */
export function ordersSummary(orders: readonly OrderRow[]): { orders: number; customers: number; revenue: number; refunds: number; from: number; to: number } {
	const customers = new Set(orders.map((o) => o.customer_id));
	let revenue = 0;
	let refunds = 0;
	let from = Infinity;
	let to = -Infinity;
	for (const o of orders) {
		revenue += o.total;
		refunds += o.refunded ?? 0;
		from = Math.min(from, o.time);
		to = Math.max(to, o.time);
	}
	return { orders: orders.length, customers: customers.size, revenue: roundMoney(revenue), refunds: roundMoney(refunds), from, to };
}

/** A key for a file, so an interrupted import of the same file can go on where it stopped. */
export function fileKey(file: { name: string; size: number; lastModified: number }): string {
	return `crm:order-import:${file.name}:${file.size}:${file.lastModified}`;
}
