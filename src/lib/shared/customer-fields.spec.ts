// The customer's fields are listed in three places: the fields a device may write (customer-fields.ts),
// the device's RxDB schema (db/schemas.ts) and the server's collection (pb_migrations). This test fails
// when the three lists differ (issue 17, item 2).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CUSTOMER_FIELDS, SYSTEM_FIELDS } from './customer-fields';
import { customerSchemaLiteral } from '../db/schemas';

const MIGRATIONS = join(process.cwd(), 'pb_migrations');

/** The customers collection's fields as the migrations leave them: created, then added or removed. */
function migratedFields(): string[] {
	const fields = new Set<string>();
	for (const file of readdirSync(MIGRATIONS)
		.filter((f) => f.endsWith('.js'))
		.sort()) {
		const text = readFileSync(join(MIGRATIONS, file), 'utf8');
		const up = text.split(/\}, *\(app\) *=> *\{/)[0]; // the up half only
		const created = /new Collection\(\{\s*type: 'base',\s*name: 'customers',[^]*?fields: \[([^]*?)\n\t\t\]/.exec(up);
		if (created) for (const m of created[1].matchAll(/name: '([a-z_]+)'/g)) fields.add(m[1]);
		// Later changes go through a variable holding the customers collection.
		const holder = /const (\w+) = app\.findCollectionByNameOrId\('customers'\)/.exec(up)?.[1];
		if (!holder) continue;
		for (const m of up.matchAll(new RegExp(`${holder}\\.fields\\.add\\(new \\w+\\(\\{ name: '([a-z_]+)'`, 'g'))) fields.add(m[1]);
		for (const m of up.matchAll(new RegExp(`${holder}\\.fields\\.removeByName\\('([a-z_]+)'\\)`, 'g'))) fields.delete(m[1]);
	}
	return [...fields];
}

describe('the customer field lists', () => {
	const system = new Set<string>([...SYSTEM_FIELDS]);
	const writable = [...CUSTOMER_FIELDS].sort();

	it('the device schema holds exactly the writable fields and the system ones', () => {
		const device = Object.keys(customerSchemaLiteral.properties).filter((f) => !system.has(f));
		expect(device.sort()).toEqual(writable);
	});

	it('the server collection holds exactly the writable fields and the system ones', () => {
		const server = migratedFields();
		expect(server.length).toBeGreaterThan(10); // the parse found the collection
		expect(server.filter((f) => !system.has(f)).sort()).toEqual(writable);
	});
});
