// Loads the global search's messages into the dictionary; imported by its dialog.
import { registerMessages } from '../i18n.svelte';
import { searchEn } from './search.en';
import { searchZhCN } from './search.zh-CN';

registerMessages(searchEn, searchZhCN);
