// Loads the campaign screens' messages into the dictionary; imported by those screens.
import { registerMessages } from '../i18n.svelte';
import { campaignsEn } from './campaigns.en';
import { campaignsZhCN } from './campaigns.zh-CN';

registerMessages(campaignsEn, campaignsZhCN);
