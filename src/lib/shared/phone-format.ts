/**
 * Display form of a stored E.164 number without loading libphonenumber's metadata (lists stay light):
 * Chinese mobiles as "139 1234 5678", other numbers as stored.
 */
export function formatPhone(e164: string): string {
	const cn = /^\+86(1\d{2})(\d{4})(\d{4})$/.exec(e164);
	return cn ? `${cn[1]} ${cn[2]} ${cn[3]}` : e164;
}
