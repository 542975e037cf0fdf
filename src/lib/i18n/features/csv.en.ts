// English messages of the csv feature; merged into the app's dictionary by ../en.ts.
export const csvEn = {} as const;
