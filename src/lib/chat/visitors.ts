import { pb } from '$lib/pb/client';

/** Managers and admins block or unblock a shopper (POST /api/crm/chat/visitors/{id}/block). */
export function setVisitorBlocked(visitorId: string, blocked: boolean): Promise<{ id: string; name: string; blocked: boolean }> {
	return pb.send(`/api/crm/chat/visitors/${encodeURIComponent(visitorId)}/block`, { method: 'POST', body: { blocked }, requestKey: null });
}
