// Loads the backup section's messages into the dictionary; imported by Settings → Backups.
import { registerMessages } from '../i18n.svelte';
import { backupEn } from './backup.en';
import { backupZhCN } from './backup.zh-CN';

registerMessages(backupEn, backupZhCN);
