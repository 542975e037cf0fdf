// Loads the analytics dashboard's messages into the dictionary; imported by that screen.
import { registerMessages } from '../i18n.svelte';
import { analyticsEn } from './analytics.en';
import { analyticsZhCN } from './analytics.zh-CN';

registerMessages(analyticsEn, analyticsZhCN);
