/**
 * The customer import page's logic without the DOM or the database: which customers a re-import
 * updates, which fields the preview shows, and running a planned import in batches so that the
 * page stays responsive and shows progress.
 */
import { CUSTOMER_CSV_FIELDS, type CsvMapping, type CustomerCsvData, type CustomerCsvField, type CustomerRowResult, type ImportPlan, type ParsedCsv } from '$lib/csv/import';

/** How many rows are written between two pauses that let the page repaint. */
export const IMPORT_BATCH = 200;

/** How many rows the preview shows. */
export const PREVIEW_ROWS = 20;

/**
 * Shop customer id → local customer, for {@link planImport}. Deleted customers count too: their id
 * is still taken on the server, so a row with it must update them rather than create a duplicate.
 * A live customer wins over a deleted one with the same id.
 */
export function externalIdIndex(docs: readonly { id: string; external_id?: string; deleted?: boolean }[]): Map<string, { id: string }> {
	const index = new Map<string, { id: string; deleted: boolean }>();
	for (const d of docs) {
		const key = d.external_id?.trim();
		if (!key) continue;
		const seen = index.get(key);
		if (!seen || (seen.deleted && !d.deleted)) index.set(key, { id: d.id, deleted: !!d.deleted });
	}
	return new Map([...index].map(([k, v]) => [k, { id: v.id }]));
}

/** The fields the mapping fills, each once, in the export's order: the preview's columns. */
export function mappedFields(mapping: CsvMapping): CustomerCsvField[] {
	const used = new Set(Object.values(mapping).filter((f): f is CustomerCsvField => f != null));
	return CUSTOMER_CSV_FIELDS.filter((f) => used.has(f));
}

/** One row of the preview: the customer as it will be saved, or the file's cells when the row has errors. */
export type PreviewRow =
	{ row: number; action: 'create' | 'update'; data: CustomerCsvData } | { row: number; action: 'error'; cells: Partial<Record<CustomerCsvField, string>>; errorFields: string[] };

/** The first `limit` rows of the file for the preview, in spreadsheet order. */
export function previewRows(results: readonly CustomerRowResult[], plan: ImportPlan, parsed: Pick<ParsedCsv, 'rows' | 'rowNumbers'>, mapping: CsvMapping, limit = PREVIEW_ROWS): PreviewRow[] {
	const updates = new Set(plan.update.map((u) => u.row));
	const cellsByRow = new Map(parsed.rowNumbers.map((n, i) => [n, parsed.rows[i]]));
	return results.slice(0, limit).map((r): PreviewRow => {
		if (r.ok) return { row: r.row, action: updates.has(r.row) ? 'update' : 'create', data: r.data };
		const cells: Partial<Record<CustomerCsvField, string>> = {};
		const raw = cellsByRow.get(r.row) ?? [];
		for (const [col, field] of Object.entries(mapping)) {
			const cell = raw[Number(col)]?.trim();
			if (field && cell) cells[field] = cells[field] ? `${cells[field]}; ${cell}` : cell;
		}
		return { row: r.row, action: 'error', cells, errorFields: r.errors.map((e) => e.field) };
	});
}

export interface ImportWriter {
	create(data: CustomerCsvData): Promise<unknown>;
	update(id: string, data: CustomerCsvData): Promise<unknown>;
}

export interface RunImportOptions {
	/** Called after every batch and at the end with the rows written so far. */
	onProgress?: (done: number, total: number) => void;
	/** Awaited between batches; the default waits for the next frame. */
	pause?: () => Promise<void>;
	batch?: number;
}

/** Resolves at the next frame, or shortly in a hidden tab where frames do not come. */
export function nextFrame(): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(resolve, 100);
		requestAnimationFrame(() => {
			clearTimeout(timer);
			resolve();
		});
	});
}

/**
 * Writes a planned import row by row, in spreadsheet order, pausing every `batch` rows. Refuses a
 * plan with errors: the import is all or nothing as far as the file's content goes.
 */
export async function runImport(plan: ImportPlan, write: ImportWriter, { onProgress, pause = nextFrame, batch = IMPORT_BATCH }: RunImportOptions = {}): Promise<{ created: number; updated: number }> {
	if (!plan.canImport) throw new Error('the file has rows with errors; nothing was imported');
	const steps = [
		...plan.create.map((c) => ({ row: c.row, run: () => write.create(c.data), kind: 'create' as const })),
		...plan.update.map((u) => ({ row: u.row, run: () => write.update(u.id, u.data), kind: 'update' as const }))
	].sort((a, b) => a.row - b.row);
	const total = steps.length;
	let created = 0;
	let updated = 0;
	onProgress?.(0, total);
	for (let i = 0; i < total; i++) {
		await steps[i].run();
		if (steps[i].kind === 'create') created++;
		else updated++;
		if ((i + 1) % batch === 0 && i + 1 < total) {
			onProgress?.(i + 1, total);
			await pause();
		}
	}
	onProgress?.(total, total);
	return { created, updated };
}
