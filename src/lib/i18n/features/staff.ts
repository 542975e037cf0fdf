// Loads the Staff screen's messages into the dictionary; imported by that screen.
import { registerMessages } from '../i18n.svelte';
import { staffEn } from './staff.en';
import { staffZhCN } from './staff.zh-CN';

registerMessages(staffEn, staffZhCN);
