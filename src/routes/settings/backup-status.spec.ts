import { describe, expect, it } from 'vitest';
import { agoWords, backupWarning, lastBackupSeconds, type BackupHealth } from './backup-status';

const healthy: BackupHealth = {
	enabled: true,
	running: true,
	failing: false,
	target: 'file:///srv/crm-backup/e1',
	epoch: 'e1',
	lag_s: 2,
	caught_up_at: '2026-05-01T10:00:00Z',
	last_error: '',
	last_error_at: null,
	snapshot_at: '2026-05-01T03:00:00Z',
	replica_txid: 42,
	db_txid: 42,
	words: 'Every write until 2s ago is in the replica.'
};

describe('agoWords', () => {
	it('says seconds, then minutes, hours and days, in both languages', () => {
		expect(agoWords(2, 'zh-CN')).toBe('2秒前');
		expect(agoWords(2.9, 'en')).toBe('2 sec. ago');
		expect(agoWords(59, 'en')).toBe('59 sec. ago');
		expect(agoWords(61, 'zh-CN')).toBe('1分钟前');
		expect(agoWords(3 * 3600 + 59, 'en')).toBe('3 hr. ago');
		expect(agoWords(2 * 86400, 'zh-CN')).toBe('2天前');
	});
	it('never says a time to come (a clock a little ahead)', () => {
		expect(agoWords(-3, 'en')).toBe('0 sec. ago');
	});
});

describe('lastBackupSeconds', () => {
	it('adds the time since the answer to the lag the server saw', () => {
		expect(lastBackupSeconds(healthy, 1_000_000, 1_005_000)).toBe(7);
		expect(lastBackupSeconds(healthy, 1_000_000, 999_000)).toBe(2);
	});
	it('is null before the first backup', () => {
		expect(lastBackupSeconds({ ...healthy, lag_s: null, caught_up_at: null }, 0, 0)).toBeNull();
	});
});

describe('backupWarning', () => {
	it('says nothing while all is well', () => {
		expect(backupWarning(healthy)).toBeNull();
	});
	it('warns when backups are off', () => {
		expect(backupWarning({ ...healthy, enabled: false, failing: false })).toEqual({ kind: 'off' });
	});
	it('names why a failing backup fails', () => {
		const failing = { ...healthy, failing: true };
		expect(backupWarning({ ...failing, running: false, last_error: 'disk full' })).toEqual({ kind: 'failing', reason: 'not_running' });
		expect(backupWarning({ ...failing, last_error: 'disk full' })).toEqual({ kind: 'failing', reason: 'error' });
		expect(backupWarning({ ...failing, lag_s: null })).toEqual({ kind: 'failing', reason: 'never' });
		expect(backupWarning({ ...failing, lag_s: 90 })).toEqual({ kind: 'failing', reason: 'behind' });
	});
});
