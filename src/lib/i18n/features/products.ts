// Loads the product catalogue's messages into the dictionary; imported by its page and the links to it.
import { registerMessages } from '../i18n.svelte';
import { productsEn } from './products.en';
import { productsZhCN } from './products.zh-CN';

registerMessages(productsEn, productsZhCN);
