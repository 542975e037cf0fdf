// The help links of the app's screens (kept apart from the guide's renderer, so the shell does not load it).
export const GUIDE_PAGES = ['quickstart', 'sales', 'agent', 'manager', 'admin', 'practice'] as const;
export type GuidePage = (typeof GUIDE_PAGES)[number];

/** The guide page for a role. */
export function guideFor(role: string | undefined): GuidePage {
	return role === 'sales' ? 'sales' : role === 'agent' ? 'agent' : role === 'manager' ? 'manager' : role === 'admin' ? 'admin' : 'quickstart';
}

/** The help link of a screen: the role's guide, at the section about that screen. */
export function helpHref(role: string | undefined, pathname: string): string {
	const section = pathname.split('/')[1] || 'customers';
	return `/help/${guideFor(role)}#${section}`;
}
