/**
 * Hands a file made on the device to the browser as a download. The object URL is revoked a while
 * later, not at once: some browsers read it after the click has returned.
 */
export function downloadBlob(blob: Blob, name: string): void {
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = name;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
