// The visitor's display name lives with the chat code (the global search shows it too).
export { displayName } from '$lib/chat/display-name';

/** How long someone has waited, as 0:42 / 12:05 / 1:02:03 (ticks every second). */
export function waitText(ms: number, _locale: string): string {
	const s = Math.max(0, Math.floor(ms / 1000));
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	const sec = s % 60;
	const pad = (n: number) => String(n).padStart(2, '0');
	return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}
