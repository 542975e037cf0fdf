// Loads the messages shared by the statistics screens (analytics, customer timeline); imported by them.
import { registerMessages } from '../i18n.svelte';
import { statsEn } from './stats.en';
import { statsZhCN } from './stats.zh-CN';

registerMessages(statsEn, statsZhCN);
