// English messages of Settings → Backups; registered by that section.
export const backupEn = {
	'backup.title': 'Backups',
	'backup.intro': 'Every change to the database is copied to the backup location within seconds, and a snapshot is kept every day.',
	'backup.last': 'Last backup {ago}',
	'backup.never': 'No backup has completed yet.',
	'backup.target': 'Backup location: {target}',
	'backup.snapshot': 'Last daily snapshot: {when}',
	'backup.snapshot_none': 'No daily snapshot yet.',
	'backup.off': 'Backups are off (CRM_BACKUP=off): if this server’s disk fails, the data cannot be recovered. Ask whoever runs the server to turn them on.',
	'backup.failing': 'Backups have stopped: {reason}. Changes made since the last backup are not yet safe elsewhere; tell whoever runs the server.',
	'backup.reason.not_running': 'the backup agent is not running',
	'backup.reason.never': 'the first backup has not completed',
	'backup.reason.behind': 'the last backup was {ago}',
	'backup.offline': 'You are offline: the backup status shows when you are back online.',
	'backup.load_failed': 'The backup status could not be read (error {status}).'
} as const;
