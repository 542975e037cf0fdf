import type { CannedReply } from './types';

/** The word being typed at the caret when it starts with "/" (a canned reply's shortcut), or null. */
export function shortcutAt(text: string, caret: number): { start: number; word: string } | null {
	const before = text.slice(0, caret);
	const m = /(^|\s)(\/[^\s/]*)$/.exec(before);
	if (!m) return null;
	return { start: caret - m[2].length, word: m[2] };
}

/** Canned replies whose shortcut or title starts with / contains what was typed after "/", exact shortcut first. */
export function matchCanned(replies: CannedReply[], word: string): CannedReply[] {
	const q = word.replace(/^\//, '').toLowerCase();
	const scored = replies
		.filter((r) => !r.deleted)
		.map((r) => {
			const s = (r.shortcut ?? '').replace(/^\//, '').toLowerCase();
			const title = (r.title ?? '').toLowerCase();
			const score = s === q ? 0 : s.startsWith(q) ? 1 : s.includes(q) || title.includes(q) ? 2 : 9;
			return { r, score };
		})
		.filter((x) => x.score < 9);
	return scored.sort((a, b) => a.score - b.score || (a.r.shortcut ?? '').localeCompare(b.r.shortcut ?? '')).map((x) => x.r);
}

/** Replaces the shortcut at `start` (of length `len`) with the reply's body; returns the new text and caret. */
export function expandAt(text: string, start: number, len: number, body: string): { text: string; caret: number } {
	const next = text.slice(0, start) + body + text.slice(start + len);
	return { text: next, caret: start + body.length };
}

/** When the whole shortcut typed matches exactly one reply's shortcut (e.g. "/refund" then space): that reply. */
export function exactShortcut(replies: CannedReply[], word: string): CannedReply | null {
	const q = word.toLowerCase();
	return replies.find((r) => !r.deleted && (r.shortcut ?? '').toLowerCase() === q) ?? null;
}

/**
 * Whether this user may edit (and soft-delete) a reply, as the server's rules allow
 * (1764151900_canned_replies.js): their own private ones; shared ones if they are a manager or admin.
 */
export function canEditCanned(r: Pick<CannedReply, 'owner' | 'shared'>, user: { id: string; role: string } | null | undefined): boolean {
	if (!user) return false;
	if (r.shared) return user.role === 'admin' || user.role === 'manager';
	return r.owner === user.id;
}
