/**
 * Roles within a cohort and what each may do. This table is the single source the server
 * checks before every page and endpoint; the UI reads it only to hide what would be refused.
 */
export const ROLES = ['facilitator', 'member', 'observer'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
	'cohort.view',
	'cohort.edit',
	'people.invite',
	'people.manage',
	'team.manage',
	'convening.view',
	'convening.manage',
	'calendar.feed.view',
	'calendar.feed.manage'
] as const;
export type Action = (typeof ACTIONS)[number];

const GRANTS: Record<Role, ReadonlySet<Action>> = {
	facilitator: new Set(ACTIONS),
	member: new Set<Action>(['cohort.view', 'convening.view', 'calendar.feed.view']),
	observer: new Set<Action>(['cohort.view', 'convening.view'])
};

/** `role` is undefined for someone who is not a member of the cohort: they may do nothing. */
export function can(role: Role | undefined, action: Action): boolean {
	return role !== undefined && GRANTS[role].has(action);
}

export function isRole(value: unknown): value is Role {
	return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export const ROLE_LABELS: Record<Role, string> = {
	facilitator: 'Facilitator',
	member: 'Member',
	observer: 'Observer'
};
