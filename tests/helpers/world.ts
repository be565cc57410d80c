/**
 * A small world for access tests, made through the real services: cohort A with a facilitator,
 * a member (in a team), an observer and a convening; cohort B with its own member.
 */
import type { Hearth } from '../../server/app.ts';
import type { User } from '../../server/auth/users.store.ts';
import type { Role } from '../../shared/roles.ts';

export const PASSWORD = 'correct horse battery';

export interface World {
	cohortA: string;
	cohortB: string;
	teamA: string;
	conveningA: string;
	users: { facilitator: User; member: User; observer: User; otherMember: User };
}

async function invited(h: Hearth, by: User, cohortId: string, role: Role, name: string, email: string): Promise<User> {
	const { token } = await h.invites.create(by, cohortId, { role });
	const { user } = await h.invites.acceptAsNewUser(token, { name, email, password: PASSWORD, timeZone: 'Asia/Singapore' });
	return user;
}

export async function makeWorld(h: Hearth): Promise<World> {
	const setup = await h.auth.setup({
		account: { name: 'Fran Facilitator', email: 'fran@example.org', password: PASSWORD, timeZone: 'Europe/Lisbon' },
		cohort: { name: 'Cohort A', description: 'First cohort', startsOn: '2026-06-22', endsOn: '2027-07-12', timeZone: 'UTC' }
	});
	const facilitator = setup.user;
	const cohortA = setup.cohortId;
	const cohortB = await h.cohorts.createCohort(facilitator, {
		name: 'Cohort B',
		startsOn: '2026-01-01',
		endsOn: '2026-12-31',
		timeZone: 'UTC'
	});
	const member = await invited(h, facilitator, cohortA, 'member', 'Mel Member', 'mel@example.org');
	const observer = await invited(h, facilitator, cohortA, 'observer', 'Olu Observer', 'olu@example.org');
	const otherMember = await invited(h, facilitator, cohortB, 'member', 'Oda Other', 'oda@example.org');
	const team = await h.cohorts.createTeam(facilitator, cohortA, { name: 'Harbour School' });
	await h.cohorts.assignTeam(facilitator, cohortA, member.id, team.id);
	const convening = await h.cohorts.saveConvening(facilitator, cohortA, undefined, {
		title: 'December convening',
		startsAt: '2026-12-14T14:00:00Z',
		durationMinutes: 120,
		agenda: [
			{ title: 'Check-in circle', durationMinutes: 20 },
			{ title: 'Systems mapping', durationMinutes: 100 }
		]
	});
	return { cohortA, cohortB, teamA: team.id, conveningA: convening.id, users: { facilitator, member, observer, otherMember } };
}
