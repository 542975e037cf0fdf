// Loads the labels screens' messages into the dictionary; imported by those screens.
import { registerMessages } from '../i18n.svelte';
import { labelsEn } from './labels.en';
import { labelsZhCN } from './labels.zh-CN';

registerMessages(labelsEn, labelsZhCN);
