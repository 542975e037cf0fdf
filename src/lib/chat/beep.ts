// A short tone for a new message: WebAudio, no sound file. Browsers allow audio only after the user
// has interacted with the page; unlock() is called on the first tap in the inbox.

let ctx: AudioContext | null = null;

export function unlockAudio(): void {
	const AC = globalThis.AudioContext ?? (globalThis as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
	if (!AC) return;
	ctx ??= new AC();
	if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
}

export function beep(): void {
	if (!ctx || ctx.state !== 'running') return;
	const osc = ctx.createOscillator();
	const gain = ctx.createGain();
	osc.type = 'sine';
	osc.frequency.value = 880;
	const t = ctx.currentTime;
	gain.gain.setValueAtTime(0.0001, t);
	gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
	gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
	osc.connect(gain).connect(ctx.destination);
	osc.start(t);
	osc.stop(t + 0.3);
}
