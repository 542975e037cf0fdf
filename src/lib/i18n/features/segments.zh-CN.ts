import type { segmentsEn } from './segments.en';

// Chinese messages of the segments feature (every key of ./segments.en.ts); merged by ../zh-CN.ts.
export const segmentsZhCN: Record<keyof typeof segmentsEn, string> = {};
