// Settings → Backups: what GET /api/health?deep=1 says about the continuous backup, put in words.
// Pure: no client, no i18n state (the locale comes in).

/** The backup part of the deep health answer (server/health.go). Times are ISO texts, null when never. */
export interface BackupHealth {
	enabled: boolean;
	running: boolean;
	failing: boolean;
	target: string;
	epoch: string;
	/** Seconds the replica was behind when the server answered; null until it first caught up. */
	lag_s: number | null;
	caught_up_at: string | null;
	last_error: string;
	last_error_at: string | null;
	snapshot_at: string | null;
	replica_txid: number;
	db_txid: number;
	/** The server's own sentence, in English (for monitors). */
	words: string;
}

/** "2秒前" / "2 sec. ago": how long ago, in the largest whole unit. */
export function agoWords(seconds: number, locale: string): string {
	const s = Math.max(0, Math.floor(seconds));
	const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'always', style: 'short' });
	for (const [unit, size] of [
		['day', 86400],
		['hour', 3600],
		['minute', 60]
	] as const) {
		if (s >= size) return rtf.format(-Math.floor(s / size), unit);
	}
	return rtf.format(-s, 'second');
}

/**
 * Seconds since the last backup at `now`: the server's lag when it answered plus the time since, so
 * the device's clock being off does not matter. Null when no backup has completed.
 */
export function lastBackupSeconds(b: BackupHealth, answeredAt: number, now: number): number | null {
	if (b.lag_s == null) return null;
	return b.lag_s + Math.max(0, (now - answeredAt) / 1000);
}

/** Why the backup is failing, in the order the server decides it (BackupStatus.Failing). */
export type FailingReason = 'not_running' | 'error' | 'never' | 'behind';

/** The warning the screen shows: backups off, or failing and why; null when all is well. */
export function backupWarning(b: BackupHealth): { kind: 'off' } | { kind: 'failing'; reason: FailingReason } | null {
	if (!b.enabled) return { kind: 'off' };
	if (!b.failing) return null;
	if (!b.running) return { kind: 'failing', reason: 'not_running' };
	if (b.last_error) return { kind: 'failing', reason: 'error' };
	return { kind: 'failing', reason: b.lag_s == null ? 'never' : 'behind' };
}
