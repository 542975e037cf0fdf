import type { CrmDatabase } from './database';
import type { ListViewDoc } from './schemas';
import { createRecord, RecordValidationError, updateRecord, type OnWrite as BaseOnWrite, type RecordSpec } from './synced-record';
import { LIST_VIEW_MERGE_FIELDS, normalizeListView, validateListView } from '../shared/list-views';
import type { CustomerFilters, CustomerSort } from './customer-filters';

export { RecordValidationError as ListViewValidationError };
type OnWrite = BaseOnWrite<'list_views'>;

/** What a saved view holds: the search, the filters and the order of the customer list. */
export interface ListViewState {
	query: string;
	filters: CustomerFilters;
	sort: CustomerSort;
}

const spec: RecordSpec<ListViewDoc, 'list_views'> = {
	collection: 'list_views',
	mergeFields: LIST_VIEW_MERGE_FIELDS,
	validate: (d) => validateListView(d),
	normalize: (d) => normalizeListView(d),
	defaults: {}
};

/** The user's own views (not removed), by name. */
export function ownViews(db: CrmDatabase, userId: string) {
	return db.list_views.find({ selector: { owner: userId, deleted: { $ne: true } } }).$;
}

function nameTaken(views: ListViewDoc[], name: string, exceptId?: string): boolean {
	const key = name.trim().toLowerCase();
	return views.some((v) => v.id !== exceptId && !v.deleted && v.name.trim().toLowerCase() === key);
}

async function assertNameFree(db: CrmDatabase, userId: string, name: string, exceptId?: string) {
	const views = (await db.list_views.find({ selector: { owner: userId } }).exec()).map((d) => d.toJSON() as ListViewDoc);
	if (nameTaken(views, name, exceptId)) throw new RecordValidationError([{ field: 'name', code: 'taken', message: `a view named "${name.trim()}" exists already` }]);
}

/** Saves the list's current state as a new view of the user's; sync takes it to their other devices. */
export async function saveListView(db: CrmDatabase, userId: string, name: string, state: ListViewState, onWrite: OnWrite): Promise<ListViewDoc> {
	const input = { name, owner: userId, query: state.query, filters: { ...state.filters }, sort: state.sort };
	const errors = validateListView(input);
	if (errors.length) throw new RecordValidationError(errors);
	await assertNameFree(db, userId, name);
	return createRecord(db, spec, input, onWrite);
}

/** Replaces a view's search, filters and order with the list's current ones. */
export function updateListView(db: CrmDatabase, id: string, state: ListViewState, onWrite: OnWrite): Promise<ListViewDoc> {
	return updateRecord(db, spec, id, { query: state.query, filters: { ...state.filters }, sort: state.sort }, onWrite);
}

/** Removes a view (soft delete, so the removal reaches the user's other devices). */
export function removeListView(db: CrmDatabase, id: string, onWrite: OnWrite): Promise<ListViewDoc> {
	return updateRecord(db, spec, id, { deleted: true }, onWrite);
}

/** Whether the list shows exactly what the view holds (filters compared without the empty ones). */
export function sameAsView(view: Pick<ListViewDoc, 'query' | 'filters' | 'sort'>, state: ListViewState): boolean {
	const active = (f: Record<string, unknown> | undefined) =>
		JSON.stringify(
			Object.entries(f ?? {})
				.filter(([, v]) => v)
				.sort(([a], [b]) => a.localeCompare(b))
		);
	return (
		(view.query ?? '') === state.query.trim() && (view.sort || 'name') === state.sort && active(view.filters as Record<string, unknown>) === active(state.filters as unknown as Record<string, unknown>)
	);
}
