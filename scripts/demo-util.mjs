// What the demo's parts share: a seeded random source, a stable number for a string, a small worker pool.

/** A small seeded random source (mulberry32). */
export function random(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** A stable number in [0, 1) for a string (FNV-1a). */
export function hash01(s) {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
	return h / 4294967296;
}

/** Runs fn over the items, `width` at a time. */
export async function pool(items, width, fn) {
	let next = 0;
	await Promise.all(
		Array.from({ length: width }, async () => {
			while (next < items.length) await fn(items[next++]);
		})
	);
}
