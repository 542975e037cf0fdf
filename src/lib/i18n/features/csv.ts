// Loads the csv screens' messages into the dictionary; imported by those screens.
import { registerMessages } from '../i18n.svelte';
import { csvEn } from './csv.en';
import { csvZhCN } from './csv.zh-CN';

registerMessages(csvEn, csvZhCN);
