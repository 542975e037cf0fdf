// Loads the messages of the agent console, cases and service metrics; imported by those screens and the shell.
import { registerMessages } from '../i18n.svelte';
import { inboxEn } from './inbox.en';
import { inboxZhCN } from './inbox.zh-CN';

registerMessages(inboxEn, inboxZhCN);
