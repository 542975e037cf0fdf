import type { csvEn } from './csv.en';

// Chinese messages of the csv feature (every key of ./csv.en.ts); merged by ../zh-CN.ts.
export const csvZhCN: Record<keyof typeof csvEn, string> = {};
