// Opening a device database whose pull-only figures were written by an older schema version: the new
// version opens empty (its replication starts from no checkpoint and pulls every row again) instead of
// failing for want of RxDB's migration plugin, and the old rows are not read as new ones.
import { describe, expect, it } from 'vitest';
import { createRxDatabase } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { databaseName, getDatabase, removeDatabase } from './database';
import { customerStatsSchemaLiteral } from './schemas';

describe('customer_stats schema version 1', () => {
	it('a database with version 0 figures opens, with the figures to be pulled again', async () => {
		const storage = getRxStorageMemory();
		const user = 'upgradespec0001';
		const name = databaseName(user, 'upgrade');
		// What the app before predicted value wrote: version 0, without predicted_value and churn_risk.
		const { predicted_value: _p, churn_risk: _c, ...v0props } = customerStatsSchemaLiteral.properties;
		const old = await createRxDatabase({ name, storage, multiInstance: false });
		await old.addCollections({ customer_stats: { schema: { ...customerStatsSchemaLiteral, version: 0, properties: v0props } as never } });
		await old.customer_stats.insert({ id: 'stats0000000001', customer: 'cust00000000001', total_spend: 120, order_count: 2 });
		await old.close();
		// (the old figures are really there: else the empty new version below would prove nothing)
		const again = await createRxDatabase({ name, storage, multiInstance: false });
		await again.addCollections({ customer_stats: { schema: { ...customerStatsSchemaLiteral, version: 0, properties: v0props } as never } });
		expect(await again.customer_stats.count().exec()).toBe(1);
		await again.close();

		const db = await getDatabase(user, { storage, multiInstance: false, device: 'upgrade' });
		expect(db.customer_stats.schema.version).toBe(1);
		expect(await db.customer_stats.count().exec()).toBe(0);
		await db.customer_stats.insert({ id: 'stats0000000001', customer: 'cust00000000001', total_spend: 120, order_count: 2, predicted_value: 88, churn_risk: true });
		const doc = await db.customer_stats.findOne('stats0000000001').exec();
		expect(doc?.toJSON()).toMatchObject({ predicted_value: 88, churn_risk: true });
		await removeDatabase(user, { storage, multiInstance: false, device: 'upgrade' });
	});
});
