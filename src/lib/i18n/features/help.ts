// Loads the help pages' and the tour's messages into the dictionary; imported by them.
import { registerMessages } from '../i18n.svelte';
import { helpEn } from './help.en';
import { helpZhCN } from './help.zh-CN';

registerMessages(helpEn, helpZhCN);
