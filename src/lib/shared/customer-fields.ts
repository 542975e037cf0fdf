/**
 * The customer fields a device may write, shared by the device, the hooks and the migrations' intent.
 * System fields (id, seq, created, updated) are set by the server and never written by a client.
 */
export const CUSTOMER_FIELDS = [
	'name',
	'phones',
	'emails',
	'addresses',
	'gender',
	'birthday',
	'tags',
	'category',
	'source',
	'owner',
	'region',
	'notes',
	'marketing_consent',
	'consent_at',
	'consent_how',
	'external_id',
	'deleted',
	'history',
	'field_times'
] as const;

export type CustomerField = (typeof CUSTOMER_FIELDS)[number];

/** Fields that carry user edits and take part in the field-by-field merge. */
export const CUSTOMER_MERGE_FIELDS = CUSTOMER_FIELDS.filter((f) => f !== 'history' && f !== 'field_times') as Exclude<CustomerField, 'history' | 'field_times'>[];

/** Server-owned fields a client may send back unchanged (they are ignored on write). */
export const SYSTEM_FIELDS = ['id', 'seq', 'created', 'updated', 'collectionId', 'collectionName'] as const;

export const GENDERS = ['', 'male', 'female', 'other'] as const;
export const CONSENT_HOW = ['', 'web_form', 'checkout', 'in_person', 'phone', 'import'] as const;

export const LIMITS = {
	name: 200,
	notes: 10_000,
	listItems: 20,
	tag: 40,
	tags: 50,
	text: 200,
	address: 500,
	historyEntries: 100
} as const;
