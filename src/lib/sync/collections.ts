import type { RxConflictHandler, RxJsonSchema, WithDeleted } from 'rxdb';
import { customerSchema, customerStatsSchema, segmentSchema, serviceRecordSchema } from '../db/schemas';
import { CUSTOMER_FIELDS, CUSTOMER_MERGE_FIELDS } from '../shared/customer-fields';
import { SERVICE_RECORD_FIELDS, SERVICE_RECORD_MERGE_FIELDS } from '../shared/service-records';
import { SEGMENT_RECORD_FIELDS, SEGMENT_RECORD_MERGE_FIELDS } from '../shared/segments-record';
import { campaignSchema, consentSchema, labelSchema, listViewSchema } from '../db/schemas';
import { LIST_VIEW_FIELDS, LIST_VIEW_MERGE_FIELDS } from '../shared/list-views';
import { CAMPAIGN_FIELDS, CAMPAIGN_MERGE_FIELDS } from '../shared/campaigns';
import { LABEL_FIELDS, LABEL_MERGE_FIELDS } from '../shared/labels';
import { sameState } from '../shared/state-equal';
import { mergeFields, type Mergeable } from './merge';

/**
 * Whether the server refused the last push of a record. Set by the running sync engine; the
 * conflict handler then merges against the server's state, so the refused edit is pushed again
 * (and refused again, visibly) instead of being dropped.
 */
let isRefused: (collection: string, id: string) => boolean = () => false;
export function setRefusalCheck(check: (collection: string, id: string) => boolean): void {
	isRefused = check;
}

/** Conflict policy "merge field by field, later edit wins, loser kept in history". */
export function fieldMerge<T extends Mergeable & { id: string }>(collection: string, fields: readonly string[], compared: readonly string[]): RxConflictHandler<T> {
	return {
		isEqual: (a, b) => sameState(a, b, compared),
		resolve: async ({ assumedMasterState, newDocumentState, realMasterState }) => {
			const base = isRefused(collection, newDocumentState.id) ? realMasterState : assumedMasterState;
			return mergeFields(fields, base, newDocumentState, realMasterState, Date.now()) as WithDeleted<T>;
		}
	};
}

export interface SyncedCollection {
	schema: RxJsonSchema<any>;
	conflictHandler?: RxConflictHandler<any>;
	/**
	 * Required by RxDB for a schema version above 0. Only pull-only collections change version, and
	 * they are pulled again rather than migrated (the migration plugin is not loaded): never called.
	 */
	migrationStrategies?: Record<number, (doc: any) => any>;
	autoMigrate?: boolean;
}

/** Every collection that syncs with PocketBase: syncing another one takes its schema and a line here. */
export const syncedCollections = {
	customers: { schema: customerSchema, conflictHandler: fieldMerge('customers', CUSTOMER_MERGE_FIELDS, CUSTOMER_FIELDS) },
	service_records: { schema: serviceRecordSchema, conflictHandler: fieldMerge('service_records', SERVICE_RECORD_MERGE_FIELDS, SERVICE_RECORD_FIELDS) },
	customer_stats: { schema: customerStatsSchema, migrationStrategies: { 1: (doc: unknown) => doc }, autoMigrate: false },
	labels: { schema: labelSchema, conflictHandler: fieldMerge('labels', LABEL_MERGE_FIELDS, LABEL_FIELDS) },
	segments: { schema: segmentSchema, conflictHandler: fieldMerge('segments', SEGMENT_RECORD_MERGE_FIELDS, SEGMENT_RECORD_FIELDS) },
	campaigns: { schema: campaignSchema, conflictHandler: fieldMerge('campaigns', CAMPAIGN_MERGE_FIELDS, CAMPAIGN_FIELDS) },
	consents: { schema: consentSchema },
	list_views: { schema: listViewSchema, conflictHandler: fieldMerge('list_views', LIST_VIEW_MERGE_FIELDS, LIST_VIEW_FIELDS) }
} satisfies Record<string, SyncedCollection>;

export type SyncedName = keyof typeof syncedCollections;

/** Collections the server computes: pulled, never pushed. */
export const pullOnly: ReadonlySet<SyncedName> = new Set<SyncedName>(['customer_stats', 'consents']);

/**
 * Fields that point to records of another synced collection. A row whose target is still waiting in
 * this device's outbox (both created offline) is retried until the target is uploaded.
 */
export const syncDependencies: Partial<Record<SyncedName, Record<string, SyncedName>>> = {
	service_records: { customer: 'customers' }
};
