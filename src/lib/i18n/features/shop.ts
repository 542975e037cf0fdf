// Loads the shop connections messages into the dictionary; imported by Settings → Shop connections.
import { registerMessages } from '../i18n.svelte';
import { shopEn } from './shop.en';
import { shopZhCN } from './shop.zh-CN';

registerMessages(shopEn, shopZhCN);
