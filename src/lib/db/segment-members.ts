import type { CrmDatabase } from './database';
import type { CustomerDoc } from './schemas';
import { evaluateRule, type SegmentRule, type SegmentStats } from '../shared/segments';

/**
 * A segment's membership test on the device: its frozen list, or its rule over the customer and the
 * customer's statistics. Null when the segment is not on this device.
 */
export async function segmentMembership(db: CrmDatabase, segmentId: string, now = Date.now()): Promise<{ name: string; has: (c: CustomerDoc) => boolean } | null> {
	const seg = await db.segments.findOne(segmentId).exec();
	if (!seg || seg.deleted) return null;
	const s = seg.toJSON() as unknown as { name: string; kind: string; rule?: unknown; members?: string[] };
	if (s.kind === 'static') {
		const ids = new Set(s.members ?? []);
		return { name: s.name, has: (c) => ids.has(c.id) };
	}
	const stats = new Map((await db.customer_stats.find().exec()).map((d) => [d.customer, d.toJSON() as unknown as SegmentStats]));
	return { name: s.name, has: (c) => evaluateRule(s.rule as SegmentRule, c, stats.get(c.id) ?? null, now) };
}
