import { t } from '$lib/i18n/i18n.svelte';
import type { StatsError, StatsProblem } from './cache';

// What went wrong with a statistics request, in words a person can act on (messages of the "stats"
// feature: the screen that shows statistics imports '$lib/i18n/features/stats').

export function problemText(e: StatsError, what: 'figures' | 'timeline' = 'figures'): string {
	switch (e.problem) {
		case 'offline':
			return t(what === 'timeline' ? 'stats.err.offline_timeline' : 'stats.err.offline');
		case 'unreachable':
			return t('stats.err.unreachable');
		case 'session':
			return t('stats.err.session');
		case 'forbidden':
			return t(what === 'timeline' ? 'stats.err.forbidden_timeline' : 'stats.err.forbidden');
		case 'not_found':
			return t(what === 'timeline' ? 'stats.err.customer_not_found' : e.field === 'segment' || !e.field ? 'stats.err.segment' : 'stats.err.dates');
		case 'bad_request':
			return t(e.field === 'segment' ? 'stats.err.segment' : 'stats.err.dates');
		default:
			return t('stats.err.server', { status: e.status || '—' });
	}
}

/** The notice over figures kept on the device: why they are not fresh and when they were worked out. */
export function cachedNotice(problem: StatsProblem | undefined, when: string): string {
	switch (problem) {
		case 'unreachable':
			return t('stats.cached.unreachable', { when });
		case 'session':
			return t('stats.cached.session', { when });
		case 'server':
			return t('stats.cached.server', { when });
		default:
			return t('stats.cached.offline', { when });
	}
}
