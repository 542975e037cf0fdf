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
export const customerSchema: RxJsonSchema<CustomerDoc> = customerSchemaLiteral;
