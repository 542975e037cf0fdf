import { describe, expect, it } from 'vitest';
import { cellMoney, cellTime, guessOrderMapping, orderChunks, ordersSummary, rowsToOrders } from './orders';

const NOW = Date.UTC(2026, 11, 7, 12);

describe('guessOrderMapping', () => {
	it('recognises the columns of a Chinese shop export', () => {
		expect(guessOrderMapping(['订单编号', '会员编号', '收货人', '下单时间', '实付金额', '退款金额', '备注'])).toEqual({
			0: 'order_id',
			1: 'customer_id',
			2: 'name',
			3: 'time',
			4: 'total',
			5: 'refunded',
			6: null
		});
	});
	it('and an English one, by words inside the headers', () => {
		expect(guessOrderMapping(['Order Number', 'Customer ID', 'Customer Name', 'Created At', 'Grand Total', 'Refunded Amount'])).toEqual({
			0: 'order_id',
			1: 'customer_id',
			2: 'name',
			3: 'time',
			4: 'total',
			5: 'refunded'
		});
		expect(guessOrderMapping(['order_id', 'buyer_id', 'paid_at (UTC+8)', 'amount (CNY)'])).toEqual({ 0: 'order_id', 1: 'customer_id', 2: 'time', 3: 'total' });
	});
	it('gives each field one column', () => {
		expect(guessOrderMapping(['金额', '实付金额'])).toEqual({ 0: 'total', 1: null });
	});
});

describe('cells', () => {
	it('reads shop wall-clock times (UTC+8), zones, epochs and spreadsheet dates', () => {
		const at = Date.UTC(2024, 2, 5, 14, 22) - 8 * 3600_000;
		expect(cellTime('2024-03-05 14:22')).toBe(at);
		expect(cellTime('2024/3/5 14:22:00')).toBe(at);
		expect(cellTime('2024年3月5日 14:22')).toBe(at);
		expect(cellTime('2024-03-05T06:22:00Z')).toBe(at);
		expect(cellTime('2024-03-05T14:22+08:00')).toBe(at);
		expect(cellTime(String(at))).toBe(at);
		expect(cellTime(at / 1000)).toBe(at);
		expect(cellTime(new Date(Date.UTC(2024, 2, 5, 14, 22)))).toBe(at); // an XLSX date cell: its UTC fields are the wall clock
		expect(cellTime(45356 + (14 * 60 + 22) / 1440)).toBe(at); // Excel's serial number for 2024-03-05 14:22
		expect(cellTime('2024-02-30')).toBeNaN();
		expect(cellTime('yesterday')).toBeNaN();
		expect(cellTime('2024-03-05 25:00')).toBeNaN();
	});
	it('reads money with currency signs and thousands separators, rounded one way', () => {
		expect(cellMoney('¥1,234.50')).toBe(1234.5);
		expect(cellMoney('88元')).toBe(88);
		expect(cellMoney(' ￥ 42.285 ')).toBe(42.29);
		expect(cellMoney(12.5)).toBe(12.5);
		expect(cellMoney('')).toBeNull();
		expect(cellMoney('十元')).toBeNaN();
	});
});

describe('rowsToOrders', () => {
	const mapping = { 0: 'order_id', 1: 'customer_id', 2: 'name', 3: 'time', 4: 'total', 5: 'refunded' } as const;
	it('reads each row, or lists its problems by spreadsheet row and column', () => {
		const rows = [
			['A1', 'C1', '张三', '2024-03-05 14:22', '¥88.00', ''],
			['A2', 'C2', '', '2024-13-01', '50', ''],
			['A1', 'C3', '', '2024-03-06', '20', ''],
			['', '', '', '', 'x', '5'],
			['A5', 'C1', '', '2024-03-07', '30', '40'],
			['A6', 'C1', '', '2031-01-01', '30', ''],
			['A7', 'C1', '', '1999-12-31', '30', '']
		];
		const read = rowsToOrders(rows, [2, 3, 4, 6, 7, 8, 9], mapping, { now: NOW });
		expect(read.orders).toEqual([{ row: 2, order_id: 'A1', customer_id: 'C1', name: '张三', time: Date.UTC(2024, 2, 5, 6, 22), total: 88 }]);
		expect(read.problems).toEqual([
			{ row: 3, field: 'time', code: 'invalid' },
			{ row: 4, field: 'order_id', code: 'duplicate', other: 2 },
			{ row: 6, field: 'order_id', code: 'required' },
			{ row: 6, field: 'customer_id', code: 'required' },
			{ row: 6, field: 'time', code: 'required' },
			{ row: 6, field: 'total', code: 'invalid' },
			{ row: 7, field: 'refunded', code: 'too_high' },
			{ row: 8, field: 'time', code: 'in_future' },
			{ row: 9, field: 'time', code: 'too_old' }
		]);
	});
	it('says which required columns are not mapped, and reads nothing then', () => {
		const read = rowsToOrders([['A1', '2024-03-05', '8']], [2], { 0: 'order_id', 1: 'time', 2: 'total' });
		expect(read.unmapped).toEqual(['customer_id']);
		expect(read.orders).toEqual([]);
	});
	it('sums the file and cuts it into requests', () => {
		const rows = Array.from({ length: 2500 }, (_, i) => [`O${i}`, `C${i % 7}`, '', '2024-03-05', '10.005', i % 10 === 0 ? '1' : '']);
		const read = rowsToOrders(
			rows,
			rows.map((_, i) => i + 2),
			mapping,
			{ now: NOW }
		);
		expect(read.problems).toEqual([]);
		expect(ordersSummary(read.orders)).toMatchObject({ orders: 2500, customers: 7, revenue: 25025, refunds: 250 });
		expect(orderChunks(read.orders).map((c) => c.length)).toEqual([1000, 1000, 500]);
	});
});
