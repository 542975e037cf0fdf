// Loads the bulk actions' messages into the dictionary; imported by the action bar.
import { registerMessages } from '../i18n.svelte';
import { bulkEn } from './bulk.en';
import { bulkZhCN } from './bulk.zh-CN';

registerMessages(bulkEn, bulkZhCN);
