// Loads the chat widget's messages into the dictionary; imported by the /chat-widget route.
import { registerMessages } from '../i18n.svelte';
import { chatWidgetEn } from './chat-widget.en';
import { chatWidgetZhCN } from './chat-widget.zh-CN';

registerMessages(chatWidgetEn, chatWidgetZhCN);
