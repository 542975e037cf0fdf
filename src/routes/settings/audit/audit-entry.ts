// Pure helpers of Settings → Audit log: the search's query from the form, and an entry in words.

export interface AuditEntry {
	seq: number;
	at: string; // "2026-12-07 10:26:34.123Z" (UTC)
	actor: string;
	actor_name: string;
	role: string;
	action: string;
	collection: string;
	target: string;
	ip: string;
	ua: string;
	detail: string;
}

export interface AuditFilters {
	actor: string;
	action: string;
	target: string;
	from: string; // yyyy-mm-dd, the device's calendar
	to: string; // yyyy-mm-dd, inclusive
}

/** The groups of the "What" choice: a value ending in "." matches every action it starts. */
export const ACTION_GROUPS = [
	{ key: 'reads', actions: ['customers.view', 'customers.list', 'customers.export', 'customers.data_export'] },
	{ key: 'changes', actions: ['customers.create', 'customers.update', 'customers.merge', 'customers.delete', 'customers.consent', 'customers.erase'] },
	{ key: 'auth', actions: ['auth.login', 'auth.login_failed'] },
	{ key: 'staff', actions: ['staff.role', 'staff.update', 'staff.deactivate', 'staff.reactivate', 'staff.sign_out_everywhere'] },
	{ key: 'keys', actions: ['shop_sources.key_create', 'shop_sources.key_revoke', 'audit.export'] }
] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The local midnight of a yyyy-mm-dd day as an ISO moment, or null when it is not a day. */
function dayStart(day: string, plusDays = 0): string | null {
	if (!DAY.test(day)) return null;
	const [y, m, d] = day.split('-').map(Number);
	const date = new Date(y, m - 1, d + plusDays);
	if (plusDays === 0 && (date.getMonth() !== m - 1 || date.getDate() !== d)) return null;
	return date.toISOString();
}

/**
 * The query of GET /api/crm/audit for the form, or the field whose date is not one. The days are the
 * device's: "to" includes its whole day.
 */
export function auditQuery(f: AuditFilters, page: number, perPage: number): { query: Record<string, string> } | { invalid: 'from' | 'to' } {
	const query: Record<string, string> = { page: String(page), perPage: String(perPage) };
	if (f.actor.trim()) query.actor = f.actor.trim();
	if (f.action) query.action = f.action;
	if (f.target.trim()) query.target = f.target.trim();
	if (f.from) {
		const from = dayStart(f.from);
		if (!from) return { invalid: 'from' };
		query.from = from;
	}
	if (f.to) {
		if (!dayStart(f.to)) return { invalid: 'to' };
		query.to = dayStart(f.to, 1)!;
	}
	return { query };
}

/** The entry's moment in ms (the server writes UTC as "yyyy-mm-dd hh:mm:ss.mmmZ"). */
export function entryTime(e: Pick<AuditEntry, 'at'>): number {
	return Date.parse(e.at.replace(' ', 'T'));
}

/** What the detail adds, as plain parts the page words: the fields changed, a count, a consent. */
export function entryDetail(e: Pick<AuditEntry, 'detail'>): { fields?: string[]; count?: number; granted?: boolean; role?: { from: string; to: string } } {
	if (!e.detail) return {};
	try {
		const d = JSON.parse(e.detail) as Record<string, unknown>;
		const out: ReturnType<typeof entryDetail> = {};
		if (Array.isArray(d.fields)) out.fields = d.fields.filter((f): f is string => typeof f === 'string');
		if (typeof d.count === 'number') out.count = d.count;
		if (typeof d.granted === 'boolean') out.granted = d.granted;
		const role = d.role as { from?: unknown; to?: unknown } | undefined;
		if (role && typeof role.from === 'string' && typeof role.to === 'string') out.role = { from: role.from, to: role.to };
		return out;
	} catch {
		return {};
	}
}
