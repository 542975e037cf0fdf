/**
 * The customer list's selection handed to the export screen (/customers/export?selection=1): kept in
 * memory only, taken once; a reload of the export screen exports what it would without it.
 */
let pending: string[] | null = null;

export const exportSelection = {
	set(ids: string[]): void {
		pending = [...ids];
	},
	take(): string[] | null {
		const ids = pending;
		pending = null;
		return ids;
	}
};
