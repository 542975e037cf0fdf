// Loads the predicted-value messages into the dictionary; imported by the card and the analytics view.
import { registerMessages } from '../i18n.svelte';
import { predictionEn } from './prediction.en';
import { predictionZhCN } from './prediction.zh-CN';

registerMessages(predictionEn, predictionZhCN);
