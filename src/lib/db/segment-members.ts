import type { CrmDatabase } from './database';
import type { CustomerDoc } from './schemas';
import type { SegmentStats } from '../shared/segments';
import { segmentMemberTest } from '../shared/segments-record';

/** A segment's membership test on the device, with the stats pulled to it. Null when the segment is not on this device. */
export async function segmentMembership(db: CrmDatabase, segmentId: string, now = Date.now()): Promise<{ name: string; has: (c: CustomerDoc) => boolean } | null> {
	const seg = await db.segments.findOne(segmentId).exec();
	if (!seg || seg.deleted) return null;
	const s = seg.toJSON() as unknown as { name: string; kind: string; rule?: unknown; members?: string[] };
	const stats = s.kind === 'static' ? new Map<string, SegmentStats>() : new Map((await db.customer_stats.find().exec()).map((d) => [d.customer, d.toJSON() as unknown as SegmentStats]));
	return { name: s.name, has: segmentMemberTest(s, (id) => stats.get(id) ?? null, now) };
}
