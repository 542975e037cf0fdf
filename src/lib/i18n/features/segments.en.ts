// English messages of the segments feature; merged into the app's dictionary by ../en.ts.
export const segmentsEn = {} as const;
