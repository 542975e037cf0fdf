// A pure SPA: every page renders on the device from the local database.
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'never';
