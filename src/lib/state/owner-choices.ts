import type { StaffRecord } from '$lib/pb/client';
import type { StaffEntry } from './staff-directory.svelte';

/**
 * The owners a user may pick for a customer: managers and admins pick sales reps (and themselves);
 * everyone else owns what they create, so they get no menu (null).
 */
export function ownerChoices(user: StaffRecord | null, staff: StaffEntry[], current?: string): { id: string; name: string }[] | null {
	if (!user || (user.role !== 'admin' && user.role !== 'manager')) return null;
	const list = staff.filter((s) => s.role === 'sales' || s.id === user.id || s.id === current);
	if (!list.some((s) => s.id === user.id)) list.unshift({ id: user.id, name: user.name, role: user.role });
	return list.map(({ id, name }) => ({ id, name }));
}
