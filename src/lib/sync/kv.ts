/** A small persistent key-value store: localStorage on devices, memory where there is none (tests). */
export interface KeyValue {
	get(key: string): string | null;
	set(key: string, value: string): void;
	remove(key: string): void;
	keys(): string[];
}

export function memoryKeyValue(): KeyValue {
	const m = new Map<string, string>();
	return {
		get: (k) => m.get(k) ?? null,
		set: (k, v) => void m.set(k, v),
		remove: (k) => void m.delete(k),
		keys: () => [...m.keys()]
	};
}

export function defaultKeyValue(): KeyValue {
	if (typeof localStorage === 'undefined') return memoryKeyValue();
	return {
		get: (k) => localStorage.getItem(k),
		set: (k, v) => localStorage.setItem(k, v),
		remove: (k) => localStorage.removeItem(k),
		keys: () => Object.keys(localStorage)
	};
}
