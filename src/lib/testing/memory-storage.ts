// localStorage for unit tests: the Web Storage calls the app uses, over a Map the test can read (`m`).
// `quota` (characters of keys and values) makes setItem throw as a full browser storage does.
export class MemoryStorage {
	m = new Map<string, string>();
	quota = Infinity;
	get length(): number {
		return this.m.size;
	}
	key(i: number): string | null {
		return [...this.m.keys()][i] ?? null;
	}
	getItem(k: string): string | null {
		return this.m.get(k) ?? null;
	}
	setItem(k: string, v: string): void {
		const value = String(v);
		if (this.quota !== Infinity) {
			const used = [...this.m.entries()].reduce((s, [a, b]) => (a === k ? s : s + a.length + b.length), 0);
			if (used + k.length + value.length > this.quota) throw new Error('QuotaExceededError');
		}
		this.m.set(k, value);
	}
	removeItem(k: string): void {
		this.m.delete(k);
	}
}
