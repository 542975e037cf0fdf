// Loads the order import's messages into the dictionary; imported by its page.
import { registerMessages } from '../i18n.svelte';
import { ordersEn } from './orders.en';
import { ordersZhCN } from './orders.zh-CN';

registerMessages(ordersEn, ordersZhCN);
