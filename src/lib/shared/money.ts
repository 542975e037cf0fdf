/**
 * One rounding rule for money (issue 15, item 4): to the fen, half away from zero, on the amount as
 * written in decimal (the shortest decimal that reads back as the same number: what the shop sent or
 * what a division gave). 42.285 is 42.29 and 1.005 is 1.01, although as binary floats both lie just
 * under the half. The server's Go has the same rule (server/money.go, crm_money in SQL); the JS
 * hooks get this one through shared.js.
 */
export function roundMoney(v: number): number {
	if (!Number.isFinite(v)) return 0;
	const abs = Math.abs(v);
	const s = abs.toString();
	// Exponent notation: below 1e-6 (rounds to 0) or above 1e21 (no fen to round).
	if (abs >= 1e15 || s.includes('e')) return Math.round(v * 100) / 100 || 0;
	const dot = s.indexOf('.');
	if (dot < 0 || s.length - dot - 1 <= 2) return v;
	let cents = Number(s.slice(0, dot)) * 100 + Number(s[dot + 1]) * 10 + Number(s[dot + 2]);
	if (s[dot + 3] >= '5') cents += 1;
	const r = cents / 100;
	return v < 0 ? -r : r;
}
