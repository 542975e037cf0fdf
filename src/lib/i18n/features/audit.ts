// Loads the audit log's messages into the dictionary; imported by Settings → Audit log.
import { registerMessages } from '../i18n.svelte';
import { auditEn } from './audit.en';
import { auditZhCN } from './audit.zh-CN';

registerMessages(auditEn, auditZhCN);
