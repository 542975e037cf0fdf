// Service cases (docs/api/chat.md): the service-level targets by priority, in minutes, for the first
// response and the resolution. The server sets a case's due times from them (pb_hooks/lib/cases.js);
// the console works them out the same way for a case whose due times it does not have yet.
export const SLA_TARGETS: Record<'urgent' | 'high' | 'normal' | 'low', { response: number; resolution: number }> = {
	urgent: { response: 15, resolution: 4 * 60 },
	high: { response: 60, resolution: 8 * 60 },
	normal: { response: 4 * 60, resolution: 24 * 60 },
	low: { response: 8 * 60, resolution: 72 * 60 }
};
