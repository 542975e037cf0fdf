// English messages of the filters feature; merged into the app's dictionary by ../en.ts.
export const filtersEn = {} as const;
