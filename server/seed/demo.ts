/**
 * The demo cohort: the program Hearth is built for. Seeding is idempotent: a second run finds
 * the cohort by name and changes nothing.
 */
import { iso, type Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
import { newId } from '../ids.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { Role } from '../../shared/roles.ts';

export const DEMO_PASSWORD = 'hearth-demo-2026';
export const DEMO_COHORT = 'Compassionate Systems Master Practitioners — Class of 2026-2027';

interface Person {
	name: string;
	email: string;
	timeZone: string;
	role: Role;
	team?: string;
}

const TEAMS: { name: string; people: [string, string, string][] }[] = [
	{
		name: 'Nairobi Learning Circle',
		people: [
			['Wanjiru Kamau', 'wanjiru.kamau', 'Africa/Nairobi'],
			['Otieno Odhiambo', 'otieno.odhiambo', 'Africa/Nairobi'],
			['Halima Yusuf', 'halima.yusuf', 'Africa/Nairobi']
		]
	},
	{
		name: 'Boston Public Schools',
		people: [
			['Grace Whitfield', 'grace.whitfield', 'America/New_York'],
			['Marcus Bell', 'marcus.bell', 'America/New_York'],
			['Sofia Alvarez', 'sofia.alvarez', 'America/Chicago']
		]
	},
	{
		name: 'Singapore Educators',
		people: [
			['Mei Tanaka', 'mei.tanaka', 'Asia/Singapore'],
			['Arjun Nair', 'arjun.nair', 'Asia/Singapore'],
			['Li Wei Chen', 'liwei.chen', 'Asia/Singapore']
		]
	},
	{
		name: 'Lisbon Community Schools',
		people: [
			['Inês Duarte', 'ines.duarte', 'Europe/Lisbon'],
			['Tomás Ferreira', 'tomas.ferreira', 'Europe/Lisbon'],
			['Anna Kowalska', 'anna.kowalska', 'Europe/Warsaw']
		]
	}
];

export const DEMO_PEOPLE: Person[] = [
	{ name: 'Amara Okafor', email: 'amara.okafor@hearth.example', timeZone: 'Africa/Lagos', role: 'facilitator' },
	{ name: 'Jonas Lindqvist', email: 'jonas.lindqvist@hearth.example', timeZone: 'Europe/Stockholm', role: 'facilitator' },
	...TEAMS.flatMap((t) =>
		t.people.map(([name, local, timeZone]) => ({ name, email: `${local}@hearth.example`, timeZone, role: 'member' as const, team: t.name }))
	),
	{ name: 'Priya Raman', email: 'priya.raman@hearth.example', timeZone: 'Asia/Kolkata', role: 'observer' }
];

const THEMES = ['Self: mind, heart and body', 'Others: relationships and teams', 'The world: society, economy and ecology'];

/** One convening a month from June 2026 to July 2027, at 14:00 UTC (morning in Boston, evening in Singapore). */
export const DEMO_CONVENING_DATES = [
	'2026-06-22',
	'2026-07-20',
	'2026-08-17',
	'2026-09-21',
	'2026-10-19',
	'2026-11-16',
	'2026-12-14',
	'2027-01-18',
	'2027-02-15',
	'2027-03-15',
	'2027-04-19',
	'2027-05-17',
	'2027-06-14',
	'2027-07-12'
];

const AGENDA: [string, number][] = [
	['Arrival and check-in circle', 20],
	['Plenary: framing the month', 30],
	['Breakouts: systems mapping in teams', 40],
	['Gallery walk of the maps', 20],
	['Check-out circle', 10]
];

export interface SeedResult {
	created: boolean;
	cohortId: string;
	cohortName: string;
	facilitatorEmail: string;
	memberEmail: string;
}

export async function seedDemo(db: Db, clock: Clock): Promise<SeedResult> {
	const facilitatorEmail = DEMO_PEOPLE[0]!.email;
	const memberEmail = 'mei.tanaka@hearth.example';
	const existing = await db.kysely.selectFrom('cohorts').select('id').where('name', '=', DEMO_COHORT).executeTakeFirst();
	if (existing) return { created: false, cohortId: existing.id, cohortName: DEMO_COHORT, facilitatorEmail, memberEmail };

	// Everyone shares the documented demo password, so one hash serves all.
	const passwordHash = await hashPassword(DEMO_PASSWORD);
	const now = iso(clock.now());
	const cohortId = newId();
	await db.kysely.transaction().execute(async (trx) => {
		await trx
			.insertInto('cohorts')
			.values({
				id: cohortId,
				name: DEMO_COHORT,
				description:
					'A year-long certification program in compassionate systems: monthly virtual convenings, check-in circles, systems mapping in teams, and one in-person retreat week.',
				starts_on: '2026-06-22',
				ends_on: '2027-07-12',
				time_zone: 'UTC',
				ics_token: null,
				created_at: now
			})
			.execute();
		const teamIds = new Map<string, string>();
		for (const t of TEAMS) {
			const id = newId();
			teamIds.set(t.name, id);
			await trx.insertInto('teams').values({ id, cohort_id: cohortId, name: t.name, created_at: now }).execute();
		}
		let facilitatorId = '';
		for (const p of DEMO_PEOPLE) {
			const found = await trx.selectFrom('users').select('id').where('email', '=', p.email).executeTakeFirst();
			const userId = found?.id ?? newId();
			if (!found) {
				await trx
					.insertInto('users')
					.values({ id: userId, email: p.email, name: p.name, password_hash: passwordHash, time_zone: p.timeZone, created_at: now })
					.execute();
			}
			if (!facilitatorId && p.role === 'facilitator') facilitatorId = userId;
			await trx
				.insertInto('memberships')
				.values({ cohort_id: cohortId, user_id: userId, role: p.role, team_id: p.team ? teamIds.get(p.team)! : null, created_at: now })
				.execute();
		}
		for (const [i, date] of DEMO_CONVENING_DATES.entries()) {
			const id = newId();
			const first = i === 0;
			const last = i === DEMO_CONVENING_DATES.length - 1;
			await trx
				.insertInto('convenings')
				.values({
					id,
					cohort_id: cohortId,
					kind: 'convening',
					title: first
						? 'Convening 1: Opening'
						: last
							? `Convening ${i + 1}: Closing and certification`
							: `Convening ${i + 1}: ${THEMES[i % 3]}`,
					description: 'Monthly virtual convening of the cohort.',
					starts_at: `${date}T14:00:00.000Z`,
					duration_minutes: 120,
					status: 'scheduled',
					created_by: facilitatorId,
					created_at: now,
					updated_at: now
				})
				.execute();
			await trx
				.insertInto('agenda_items')
				.values(AGENDA.map(([title, minutes], position) => ({ id: newId(), convening_id: id, position, title, duration_minutes: minutes })))
				.execute();
		}
		await trx
			.insertInto('convenings')
			.values({
				id: newId(),
				cohort_id: cohortId,
				kind: 'retreat',
				title: 'In-person retreat week',
				description: 'The one in-person week of the program: practice, mapping and reflection together.',
				starts_at: '2027-03-01T08:00:00.000Z',
				duration_minutes: 6 * 24 * 60,
				status: 'scheduled',
				created_by: facilitatorId,
				created_at: now,
				updated_at: now
			})
			.execute();
	});
	return { created: true, cohortId, cohortName: DEMO_COHORT, facilitatorEmail, memberEmail };
}
