import { describe, it, expect } from 'vitest';
import { ACTIONS, ROLES, can, isRole, type Action, type Role } from '../../shared/roles.ts';

/**
 * The intended permission matrix, written out by hand rather than derived from the code under
 * test: a change to shared/roles.ts that widens or narrows a grant must show up here.
 */
const MATRIX: Record<Action, Record<Role, boolean>> = {
	'cohort.view': { facilitator: true, member: true, observer: true },
	'cohort.edit': { facilitator: true, member: false, observer: false },
	'people.invite': { facilitator: true, member: false, observer: false },
	'people.manage': { facilitator: true, member: false, observer: false },
	'team.manage': { facilitator: true, member: false, observer: false },
	'convening.view': { facilitator: true, member: true, observer: true },
	'convening.manage': { facilitator: true, member: false, observer: false },
	'calendar.feed.view': { facilitator: true, member: true, observer: false },
	'calendar.feed.manage': { facilitator: true, member: false, observer: false }
};

describe('roles', () => {
	it('knows exactly the roles and actions the matrix lists', () => {
		expect([...ROLES]).toEqual(['facilitator', 'member', 'observer']);
		expect([...ACTIONS].sort()).toEqual(Object.keys(MATRIX).sort());
	});

	describe.each(ROLES)('%s', (role) => {
		it.each(ACTIONS)(`%s follows the matrix`, (action) => {
			expect(can(role, action)).toBe(MATRIX[action][role]);
		});
	});

	it('lets a facilitator do everything', () => {
		expect(ACTIONS.filter((a) => !can('facilitator', a))).toEqual([]);
	});

	it('lets a member view the cohort, its convenings and the calendar feed, and nothing else', () => {
		expect(ACTIONS.filter((a) => can('member', a))).toEqual(['cohort.view', 'convening.view', 'calendar.feed.view']);
	});

	it('lets an observer view the cohort and its convenings, and nothing else', () => {
		expect(ACTIONS.filter((a) => can('observer', a))).toEqual(['cohort.view', 'convening.view']);
	});

	it('lets someone without a role (not a member) do nothing', () => {
		for (const action of ACTIONS) expect(can(undefined, action)).toBe(false);
	});

	it('isRole accepts exactly the three roles', () => {
		for (const role of ROLES) expect(isRole(role)).toBe(true);
		for (const value of ['', 'Facilitator', 'admin', 'member ', 'owner', null, undefined, 1, {}, ['member']]) {
			expect(isRole(value)).toBe(false);
		}
	});
});
