// Loads the segments screens' messages into the dictionary; imported by those screens.
import { registerMessages } from '../i18n.svelte';
import { segmentsEn } from './segments.en';
import { segmentsZhCN } from './segments.zh-CN';

registerMessages(segmentsEn, segmentsZhCN);
