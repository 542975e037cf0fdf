import { toTypedRxJsonSchema, type ExtractDocumentTypeFromTypedRxJsonSchema, type RxJsonSchema } from 'rxdb';

const text = { type: 'string' } as const;
const textList = { type: 'array', items: { type: 'string' } } as const;

export const customerSchemaLiteral = {
	title: 'customers',
	version: 0,
	primaryKey: 'id',
	type: 'object',
	properties: {
		id: { type: 'string', maxLength: 15 },
		name: { type: 'string', maxLength: 200 },
		phones: textList,
		emails: textList,
		addresses: {
			type: 'array',
			items: {
				type: 'object',
				properties: { label: text, region: text, city: text, detail: text, postcode: text }
			}
		},
		gender: text,
		birthday: text,
		tags: textList,
		category: text,
		source: text,
		owner: text,
		region: text,
		notes: text,
		marketing_consent: { type: 'boolean' },
		consent_at: text,
		consent_how: text,
		external_id: text,
		deleted: { type: 'boolean' },
		history: { type: 'array', items: { type: 'object' } },
		field_times: { type: 'object' },
		seq: { type: 'number' },
		created: text,
		updated: text
	},
	required: ['id', 'name'],
	indexes: ['name']
} as const;

const customerSchemaTyped = toTypedRxJsonSchema(customerSchemaLiteral);
export type CustomerDoc = ExtractDocumentTypeFromTypedRxJsonSchema<typeof customerSchemaTyped>;
export const customerSchema: RxJsonSchema<CustomerDoc> = customerSchemaTyped;

/**
 * Service records (visits, calls, chats, inquiries, complaints, notes). Indexed string fields need a
 * maxLength and must be required: `customer` (a record id) and `follow_up` ('' when there is none).
 */
export const serviceRecordSchemaLiteral = {
	title: 'service_records',
	version: 0,
	primaryKey: 'id',
	type: 'object',
	properties: {
		id: { type: 'string', maxLength: 15 },
		customer: { type: 'string', maxLength: 15 },
		staff: { type: 'string', maxLength: 15 },
		kind: text,
		summary: { type: 'string', maxLength: 2000 },
		outcome: { type: 'string', maxLength: 2000 },
		at: { type: 'string', maxLength: 40 },
		follow_up: { type: 'string', maxLength: 10 },
		follow_up_done: { type: 'boolean' },
		deleted: { type: 'boolean' },
		history: { type: 'array', items: { type: 'object' } },
		field_times: { type: 'object' },
		seq: { type: 'number' },
		created: text,
		updated: text
	},
	required: ['id', 'customer', 'staff', 'kind', 'summary', 'at', 'follow_up'],
	indexes: ['customer', 'follow_up']
} as const;

const serviceRecordSchemaTyped = toTypedRxJsonSchema(serviceRecordSchemaLiteral);
export type ServiceRecordDoc = ExtractDocumentTypeFromTypedRxJsonSchema<typeof serviceRecordSchemaTyped>;
export const serviceRecordSchema: RxJsonSchema<ServiceRecordDoc> = serviceRecordSchemaTyped;

/** Server-computed figures per customer, pulled read-only (written by the server only). */
// Version 1 added predicted_value and churn_risk (server/clv.go). The figures are the server's, pulled
// read-only: a device that had version 0 pulls them all again into version 1 (its replication
// checkpoint is per version) instead of migrating them, and deletes version 0's storage
// (database.ts dropOldStorages).
export const customerStatsSchemaLiteral = {
	title: 'customer_stats',
	version: 1,
	primaryKey: 'id',
	type: 'object',
	properties: {
		id: { type: 'string', maxLength: 15 },
		customer: { type: 'string', maxLength: 15 },
		first_seen: text,
		last_seen: text,
		order_count: { type: 'number' },
		total_spend: { type: 'number' },
		avg_order: { type: 'number' },
		last_order_at: text,
		recent_views: { type: 'array', items: { type: 'object' } },
		rfm_r: { type: 'number' },
		rfm_f: { type: 'number' },
		rfm_m: { type: 'number' },
		rfm_segment: text,
		predicted_value: { type: 'number' },
		churn_risk: { type: 'boolean' },
		deleted: { type: 'boolean' },
		seq: { type: 'number' },
		created: text,
		updated: text
	},
	required: ['id', 'customer'],
	indexes: ['customer']
} as const;

const customerStatsSchemaTyped = toTypedRxJsonSchema(customerStatsSchemaLiteral);
export type CustomerStatsDoc = ExtractDocumentTypeFromTypedRxJsonSchema<typeof customerStatsSchemaTyped>;
export const customerStatsSchema: RxJsonSchema<CustomerStatsDoc> = customerStatsSchemaTyped;

/** Managed tags and categories (kind 'tag' or 'category'), offered on the customer form; soft delete. */
export const labelSchemaLiteral = {
	title: 'labels',
	version: 0,
	primaryKey: 'id',
	type: 'object',
	properties: {
		id: { type: 'string', maxLength: 15 },
		kind: { type: 'string', maxLength: 10 },
		name: { type: 'string', maxLength: 40 },
		color: text,
		description: { type: 'string', maxLength: 200 },
		sort: { type: 'number' },
		deleted: { type: 'boolean' },
		history: { type: 'array', items: { type: 'object' } },
		field_times: { type: 'object' },
		seq: { type: 'number' },
		created: text,
		updated: text
	},
	required: ['id', 'kind', 'name']
} as const;

const labelSchemaTyped = toTypedRxJsonSchema(labelSchemaLiteral);
export type LabelDoc = ExtractDocumentTypeFromTypedRxJsonSchema<typeof labelSchemaTyped>;
export const labelSchema: RxJsonSchema<LabelDoc> = labelSchemaTyped;

/**
 * Segments: a rule over customers (dynamic) or the customer ids frozen when it was saved (static).
 * Read whole on the device (a handful per user), so nothing is indexed.
 */
export const segmentSchemaLiteral = {
	title: 'segments',
	version: 0,
	primaryKey: 'id',
	type: 'object',
	properties: {
		id: { type: 'string', maxLength: 15 },
		name: { type: 'string', maxLength: 100 },
		description: { type: 'string', maxLength: 500 },
		kind: text,
		rule: { type: 'object' },
		members: { type: 'array', maxItems: 50000, items: { type: 'string' } },
		owner: { type: 'string', maxLength: 15 },
		shared: { type: 'boolean' },
		deleted: { type: 'boolean' },
		history: { type: 'array', items: { type: 'object' } },
		field_times: { type: 'object' },
		seq: { type: 'number' },
		created: text,
		updated: text
	},
	required: ['id', 'name', 'kind', 'owner']
} as const;

const segmentSchemaTyped = toTypedRxJsonSchema(segmentSchemaLiteral);
export type SegmentDoc = ExtractDocumentTypeFromTypedRxJsonSchema<typeof segmentSchemaTyped>;
export const segmentSchema: RxJsonSchema<SegmentDoc> = segmentSchemaTyped;

/**
 * Campaigns: drafts are written on the device (synced like a customer, merged field by field);
 * publishing and everything after it happen on the server, which fills the server's fields (state,
 * published copy, counts). A handful per shop, read whole: only the sync's seq is needed.
 */
export const campaignSchemaLiteral = {
	title: 'campaigns',
	version: 0,
	primaryKey: 'id',
	type: 'object',
	properties: {
		id: { type: 'string', maxLength: 15 },
		name: { type: 'string', maxLength: 100 },
		kind: text,
		trigger: { type: 'object' },
		audience: { type: 'object' },
		offer: { type: 'object' },
		channels: textList,
		content: { type: 'object' },
		schedule: { type: 'object' },
		attribution_days: { type: 'number' },
		cost: { type: 'number' },
		notes: text,
		owner: text,
		archived: { type: 'boolean' },
		state: text,
		approval: { type: 'object' },
		published: { type: 'object' },
		counts: { type: 'object' },
		reached_owners: textList,
		started_at: text,
		completed_at: text,
		deleted: { type: 'boolean' },
		history: { type: 'array', items: { type: 'object' } },
		field_times: { type: 'object' },
		seq: { type: 'number' },
		created: text,
		updated: text
	},
	required: ['id', 'name', 'kind']
} as const;

const campaignSchemaTyped = toTypedRxJsonSchema(campaignSchemaLiteral);
export type CampaignDoc = ExtractDocumentTypeFromTypedRxJsonSchema<typeof campaignSchemaTyped>;
export const campaignSchema: RxJsonSchema<CampaignDoc> = campaignSchemaTyped;

/** The consent ledger, pulled read-only: one decision per row (granted or withdrawn, when, how). */
export const consentSchemaLiteral = {
	title: 'consents',
	version: 0,
	primaryKey: 'id',
	type: 'object',
	properties: {
		id: { type: 'string', maxLength: 15 },
		customer: { type: 'string', maxLength: 15 },
		purpose: text,
		granted: { type: 'boolean' },
		at: text,
		how: text,
		wording: text,
		by: text,
		campaign: text,
		deleted: { type: 'boolean' },
		seq: { type: 'number' },
		created: text,
		updated: text
	},
	required: ['id', 'customer', 'purpose'],
	indexes: ['customer']
} as const;

const consentSchemaTyped = toTypedRxJsonSchema(consentSchemaLiteral);
export type ConsentDoc = ExtractDocumentTypeFromTypedRxJsonSchema<typeof consentSchemaTyped>;
export const consentSchema: RxJsonSchema<ConsentDoc> = consentSchemaTyped;

/** Saved views of the customer list (src/lib/shared/list-views.ts): a user's own, a handful, read whole. */
export const listViewSchemaLiteral = {
	title: 'list_views',
	version: 0,
	primaryKey: 'id',
	type: 'object',
	properties: {
		id: { type: 'string', maxLength: 15 },
		name: { type: 'string', maxLength: 60 },
		owner: { type: 'string', maxLength: 15 },
		query: text,
		filters: { type: 'object' },
		sort: text,
		deleted: { type: 'boolean' },
		history: { type: 'array', items: { type: 'object' } },
		field_times: { type: 'object' },
		seq: { type: 'number' },
		created: text,
		updated: text
	},
	required: ['id', 'name', 'owner']
} as const;

const listViewSchemaTyped = toTypedRxJsonSchema(listViewSchemaLiteral);
export type ListViewDoc = ExtractDocumentTypeFromTypedRxJsonSchema<typeof listViewSchemaTyped>;
export const listViewSchema: RxJsonSchema<ListViewDoc> = listViewSchemaTyped;
