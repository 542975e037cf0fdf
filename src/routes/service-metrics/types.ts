// GET /api/crm/stats/service (docs/api/chat.md): the service figures of a range, whole team and per agent.

export interface Spread {
	count: number;
	/** Seconds. */
	median: number | null;
	p90: number | null;
}

export interface Figures {
	conversations: number;
	resolved: number;
	first_response: Spread;
	resolution: Spread;
	csat: { count: number; average: number | null };
	reopened: number;
	reopen_rate: number | null;
}

export interface Sla {
	cases: number;
	breached: number;
	first_response_breached: number;
	resolution_breached: number;
	rate: number | null;
}

export interface ServiceStats extends Figures {
	from: string;
	to: string;
	agent: string | null;
	team: string | null;
	volume: {
		conversations: number;
		cases: number;
		by_topic: Record<string, number>;
		by_channel: Record<string, number>;
		by_category: Record<string, number>;
		by_kind: Record<string, number>;
	};
	sla: Sla;
	agents: (Figures & { agent: string; name: string; sla: Sla })[];
	/** By the assignee's staff team ('' for none); absent from servers before per-team figures. */
	teams?: (Figures & { team: string; sla: Sla })[];
	daily: { day: string; conversations: number; resolved: number; first_response_median: number | null; resolution_median: number | null; csat_average: number | null; csat_count: number }[];
}
