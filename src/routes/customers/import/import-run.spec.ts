import { describe, expect, it } from 'vitest';
import { guessMapping, parseCsv, planImport, rowsToCustomers, type ImportPlan } from '$lib/csv/import';
import { externalIdIndex, mappedFields, previewRows, runImport } from './import-run';

function plan(text: string, existing = new Map<string, { id: string }>()): ImportPlan {
	const parsed = parseCsv(text);
	return planImport(rowsToCustomers(parsed.rows, guessMapping(parsed.headers), parsed), existing);
}

/** A writer that records its calls. */
function recorder() {
	const calls: string[] = [];
	return {
		calls,
		writer: {
			create: async (d: { name: string }) => void calls.push(`create ${d.name}`),
			update: async (id: string, d: { name: string }) => void calls.push(`update ${id} ${d.name}`)
		}
	};
}

describe('externalIdIndex', () => {
	it('maps shop customer ids to local ids, skipping customers without one', () => {
		const index = externalIdIndex([{ id: 'a', external_id: 'S1' }, { id: 'b' }, { id: 'c', external_id: '' }, { id: 'd', external_id: 'S2' }]);
		expect([...index]).toEqual([
			['S1', { id: 'a' }],
			['S2', { id: 'd' }]
		]);
	});

	it('keeps deleted customers (their id is taken) but prefers a live one', () => {
		const index = externalIdIndex([
			{ id: 'old', external_id: 'S1', deleted: true },
			{ id: 'live', external_id: 'S1' },
			{ id: 'gone', external_id: 'S2', deleted: true }
		]);
		expect(index.get('S1')).toEqual({ id: 'live' });
		expect(index.get('S2')).toEqual({ id: 'gone' });
	});
});

describe('mappedFields', () => {
	it('lists each mapped field once, in export order', () => {
		expect(mappedFields({ 0: 'notes', 1: null, 2: 'name', 3: 'phones', 4: 'phones' })).toEqual(['name', 'phones', 'notes']);
		expect(mappedFields({ 0: null })).toEqual([]);
	});
});

describe('previewRows', () => {
	it('shows saved values for good rows and the file’s cells for rows with errors', () => {
		const parsed = parseCsv('姓名,电话,手机,备注\n张伟,138 0013 8000,,\n李娜,12345,139,x\n王芳,,,\n');
		const mapping = guessMapping(parsed.headers);
		const results = rowsToCustomers(parsed.rows, mapping, parsed);
		const p = planImport(results, new Map());
		expect(previewRows(results, p, parsed, mapping, 2)).toEqual([
			{ row: 2, action: 'create', data: { name: '张伟', phones: ['+8613800138000'] } },
			{ row: 3, action: 'error', cells: { name: '李娜', phones: '12345; 139', notes: 'x' }, errorFields: ['phones'] }
		]);
	});

	it('marks rows whose shop customer id is known as updates', () => {
		const parsed = parseCsv('name,customer id\nA,S1\nB,S2\n');
		const mapping = guessMapping(parsed.headers);
		const results = rowsToCustomers(parsed.rows, mapping, parsed);
		const rows = previewRows(results, planImport(results, new Map([['S2', { id: 'x' }]])), parsed, mapping);
		expect(rows.map((r) => `${r.row} ${r.action}`)).toEqual(['2 create', '3 update']);
	});
});

describe('runImport', () => {
	it('creates new rows and updates known shop ids, in row order', async () => {
		const { calls, writer } = recorder();
		const p = plan('姓名,商城客户编号\n张伟,S1\n李娜,S2\n王芳,\n', new Map([['S2', { id: 'x2' }]]));
		expect(await runImport(p, writer, { pause: async () => {} })).toEqual({ created: 2, updated: 1 });
		expect(calls).toEqual(['create 张伟', 'update x2 李娜', 'create 王芳']);
	});

	it('pauses between batches and reports progress', async () => {
		const { writer } = recorder();
		const p = plan(['name', ...Array.from({ length: 5 }, (_, i) => `C${i}`)].join('\n'));
		const progress: string[] = [];
		let pauses = 0;
		await runImport(p, writer, {
			batch: 2,
			pause: async () => void pauses++,
			onProgress: (done, total) => progress.push(`${done}/${total}`)
		});
		expect(progress).toEqual(['0/5', '2/5', '4/5', '5/5']);
		expect(pauses).toBe(2);
	});

	it('writes nothing when a row has an error', async () => {
		const { calls, writer } = recorder();
		const p = plan('姓名,电话\n张伟,13800138000\n李娜,12345\n');
		expect(p.canImport).toBe(false);
		await expect(runImport(p, writer, { pause: async () => {} })).rejects.toThrow(/nothing was imported/);
		expect(calls).toEqual([]);
	});
});
