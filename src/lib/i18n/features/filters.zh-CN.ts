import type { filtersEn } from './filters.en';

// Chinese messages of the filters feature (every key of ./filters.en.ts); merged by ../zh-CN.ts.
export const filtersZhCN: Record<keyof typeof filtersEn, string> = {};
