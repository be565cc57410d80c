import type { Kysely } from 'kysely';
import type { Db } from '../db/open.ts';
import type { Database } from '../db/schema.ts';
import type { Role } from '../../shared/roles.ts';

export interface Cohort {
	id: string;
	name: string;
	description: string;
	startsOn: string;
	endsOn: string;
	timeZone: string;
	/** The calendar feed secret; the service hides it from roles without calendar.feed.view. */
	feedToken: string | null;
	createdAt: string;
}

export interface Team {
	id: string;
	cohortId: string;
	name: string;
}

export interface Member {
	userId: string;
	name: string;
	email: string;
	timeZone: string | null;
	role: Role;
	teamId: string | null;
	joinedAt: string;
}

type CohortRow = Database['cohorts'];
const toCohort = (r: CohortRow): Cohort => ({
	id: r.id,
	name: r.name,
	description: r.description,
	startsOn: r.starts_on,
	endsOn: r.ends_on,
	timeZone: r.time_zone,
	feedToken: r.ics_token,
	createdAt: r.created_at
});

export function cohortsStore({ kysely }: Db) {
	return {
		async insert(c: Omit<Cohort, 'feedToken'>, trx: Kysely<Database> = kysely) {
			await trx
				.insertInto('cohorts')
				.values({
					id: c.id,
					name: c.name,
					description: c.description,
					starts_on: c.startsOn,
					ends_on: c.endsOn,
					time_zone: c.timeZone,
					ics_token: null,
					created_at: c.createdAt
				})
				.execute();
		},
		async update(id: string, c: Pick<Cohort, 'name' | 'description' | 'startsOn' | 'endsOn' | 'timeZone'>) {
			await kysely
				.updateTable('cohorts')
				.set({ name: c.name, description: c.description, starts_on: c.startsOn, ends_on: c.endsOn, time_zone: c.timeZone })
				.where('id', '=', id)
				.execute();
		},
		async byId(id: string): Promise<Cohort | undefined> {
			const r = await kysely.selectFrom('cohorts').selectAll().where('id', '=', id).executeTakeFirst();
			return r && toCohort(r);
		},
		async byName(name: string): Promise<Cohort | undefined> {
			const r = await kysely.selectFrom('cohorts').selectAll().where('name', '=', name).executeTakeFirst();
			return r && toCohort(r);
		},
		async byFeedToken(token: string): Promise<Cohort | undefined> {
			const r = await kysely.selectFrom('cohorts').selectAll().where('ics_token', '=', token).executeTakeFirst();
			return r && toCohort(r);
		},
		async setFeedToken(id: string, token: string | null) {
			await kysely.updateTable('cohorts').set({ ics_token: token }).where('id', '=', id).execute();
		},
		/** The cohorts a user belongs to, with their role in each, newest first. */
		async forUser(userId: string): Promise<(Cohort & { role: Role })[]> {
			const rows = await kysely
				.selectFrom('cohorts')
				.innerJoin('memberships', 'memberships.cohort_id', 'cohorts.id')
				.selectAll('cohorts')
				.select('memberships.role')
				.where('memberships.user_id', '=', userId)
				.orderBy('cohorts.starts_on', 'desc')
				.execute();
			return rows.map((r) => ({ ...toCohort(r), role: r.role }));
		},

		// --- memberships
		async roleOf(cohortId: string, userId: string): Promise<Role | undefined> {
			const r = await kysely
				.selectFrom('memberships')
				.select('role')
				.where('cohort_id', '=', cohortId)
				.where('user_id', '=', userId)
				.executeTakeFirst();
			return r?.role;
		},
		/** One person's membership (role and team), without reading the whole cohort. */
		async membership(cohortId: string, userId: string): Promise<{ role: Role; teamId: string | null } | undefined> {
			const r = await kysely
				.selectFrom('memberships')
				.select(['role', 'team_id'])
				.where('cohort_id', '=', cohortId)
				.where('user_id', '=', userId)
				.executeTakeFirst();
			return r && { role: r.role, teamId: r.team_id };
		},
		/** Which of these people are in the cohort (one query, whatever their number). */
		async membersAmong(cohortId: string, userIds: string[]): Promise<Set<string>> {
			if (!userIds.length) return new Set();
			const rows = await kysely
				.selectFrom('memberships')
				.select('user_id')
				.where('cohort_id', '=', cohortId)
				.where('user_id', 'in', userIds)
				.execute();
			return new Set(rows.map((r) => r.user_id));
		},
		async addMember(
			m: { cohortId: string; userId: string; role: Role; teamId?: string | null; createdAt: string },
			trx: Kysely<Database> = kysely
		) {
			await trx
				.insertInto('memberships')
				.values({ cohort_id: m.cohortId, user_id: m.userId, role: m.role, team_id: m.teamId ?? null, created_at: m.createdAt })
				.execute();
		},
		async setRole(cohortId: string, userId: string, role: Role) {
			await kysely.updateTable('memberships').set({ role }).where('cohort_id', '=', cohortId).where('user_id', '=', userId).execute();
		},
		async setTeam(cohortId: string, userId: string, teamId: string | null) {
			await kysely
				.updateTable('memberships')
				.set({ team_id: teamId })
				.where('cohort_id', '=', cohortId)
				.where('user_id', '=', userId)
				.execute();
		},
		async removeMember(cohortId: string, userId: string) {
			await kysely.deleteFrom('memberships').where('cohort_id', '=', cohortId).where('user_id', '=', userId).execute();
		},
		async members(cohortId: string): Promise<Member[]> {
			const rows = await kysely
				.selectFrom('memberships')
				.innerJoin('users', 'users.id', 'memberships.user_id')
				.select([
					'users.id',
					'users.name',
					'users.email',
					'users.time_zone',
					'memberships.role',
					'memberships.team_id',
					'memberships.created_at'
				])
				.where('memberships.cohort_id', '=', cohortId)
				.orderBy('users.name')
				.execute();
			return rows.map((r) => ({
				userId: r.id,
				name: r.name,
				email: r.email,
				timeZone: r.time_zone,
				role: r.role,
				teamId: r.team_id,
				joinedAt: r.created_at
			}));
		},

		// --- teams
		async insertTeam(t: Team & { createdAt: string }) {
			await kysely.insertInto('teams').values({ id: t.id, cohort_id: t.cohortId, name: t.name, created_at: t.createdAt }).execute();
		},
		async renameTeam(cohortId: string, teamId: string, name: string) {
			await kysely.updateTable('teams').set({ name }).where('id', '=', teamId).where('cohort_id', '=', cohortId).execute();
		},
		async deleteTeam(cohortId: string, teamId: string) {
			await kysely.transaction().execute(async (trx) => {
				// Explicit, rather than relying on ON DELETE SET NULL, which SQLite applies only with foreign_keys on.
				await trx
					.updateTable('memberships')
					.set({ team_id: null })
					.where('team_id', '=', teamId)
					.where('cohort_id', '=', cohortId)
					.execute();
				await trx.deleteFrom('teams').where('id', '=', teamId).where('cohort_id', '=', cohortId).execute();
			});
		},
		async teams(cohortId: string): Promise<Team[]> {
			const rows = await kysely
				.selectFrom('teams')
				.select(['id', 'cohort_id', 'name'])
				.where('cohort_id', '=', cohortId)
				.orderBy('name')
				.execute();
			return rows.map((r) => ({ id: r.id, cohortId: r.cohort_id, name: r.name }));
		},
		async teamById(cohortId: string, teamId: string): Promise<Team | undefined> {
			const r = await kysely
				.selectFrom('teams')
				.select(['id', 'cohort_id', 'name'])
				.where('id', '=', teamId)
				.where('cohort_id', '=', cohortId)
				.executeTakeFirst();
			return r && { id: r.id, cohortId: r.cohort_id, name: r.name };
		}
	};
}
