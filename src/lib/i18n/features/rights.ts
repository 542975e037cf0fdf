// Loads the personal-data rights' messages into the dictionary; imported by that section.
import { registerMessages } from '../i18n.svelte';
import { rightsEn } from './rights.en';
import { rightsZhCN } from './rights.zh-CN';

registerMessages(rightsEn, rightsZhCN);
