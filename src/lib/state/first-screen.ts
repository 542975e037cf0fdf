// "The first screen is painted": the customer list says so once it shows the device's customers, and
// what is not needed for that screen (the sync engine, session.svelte.ts) waits for it, or at most
// `fallbackMs` on screens that do not say so (issue 17: first-screen JavaScript).
let resolve: () => void = () => {};
const shown = new Promise<void>((r) => (resolve = r));

export function firstScreenShown(): void {
	resolve();
}

/** Resolves once the first screen is shown (and painted), or after fallbackMs. */
export function afterFirstScreen(fallbackMs = 1500): Promise<void> {
	const painted = shown.then(() => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0))));
	return Promise.race([painted, new Promise<void>((r) => setTimeout(r, fallbackMs))]);
}
