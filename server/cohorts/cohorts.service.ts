/** Cohorts, teams, people and convenings, every call checked against the actor's role. */
import { AppError, ErrorCode } from '../../shared/errors.ts';
import { can, isRole, type Role } from '../../shared/roles.ts';
import { cohortSchema, conveningSchema, fieldErrors, teamSchema } from '../../shared/schemas.ts';
import { iso, type Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
import { newId, newSecret } from '../ids.ts';
import type { User } from '../auth/users.store.ts';
import type { RequireAccess } from './access.ts';
import { cohortsStore, type Cohort, type Member, type Team } from './cohorts.store.ts';
import { conveningsStore, type Convening } from './convenings.store.ts';

export interface CohortView {
	cohort: Cohort;
	role: Role;
	members: Member[];
	teams: Team[];
	convenings: Convening[];
	/** The first convening that has not ended and is not cancelled. */
	next: Convening | undefined;
}

function validate<T>(r: { success: true; data: T } | { success: false; error: import('zod').ZodError }): T {
	if (!r.success) throw new AppError(ErrorCode.BadRequest, 'Please correct the highlighted fields.', fieldErrors(r.error));
	return r.data;
}

export function endOf(c: Pick<Convening, 'startsAt' | 'durationMinutes'>): number {
	return Date.parse(c.startsAt) + c.durationMinutes * 60_000;
}

export function cohortsService(deps: {
	db: Db;
	clock: Clock;
	requireAccess: RequireAccess;
	/** Called after a change that may alter what open connections may do (roles, membership). */
	onAccessChanged?: (filter: { cohortId: string }) => void;
}) {
	const { db, clock, requireAccess } = deps;
	const cohorts = cohortsStore(db);
	const convenings = conveningsStore(db);

	async function cohortOr404(cohortId: string): Promise<Cohort> {
		const c = await cohorts.byId(cohortId);
		if (!c) throw new AppError(ErrorCode.NotFound);
		return c;
	}

	const hideFeed = (c: Cohort, role: Role): Cohort => (can(role, 'calendar.feed.view') ? c : { ...c, feedToken: null });

	return {
		async listForUser(user: User) {
			const list = await cohorts.forUser(user.id);
			return list.map((c) => hideFeed(c, c.role) as Cohort & { role: Role });
		},

		/** The cohort and the viewer's role: what every cohort page's frame needs. */
		async summary(user: User | undefined, cohortId: string): Promise<{ cohort: Cohort; role: Role }> {
			const role = await requireAccess(user?.id, cohortId, 'cohort.view');
			return { cohort: hideFeed(await cohortOr404(cohortId), role), role };
		},

		async view(user: User | undefined, cohortId: string): Promise<CohortView> {
			const role = await requireAccess(user?.id, cohortId, 'cohort.view');
			const [cohort, members, teams, list] = await Promise.all([
				cohortOr404(cohortId),
				cohorts.members(cohortId),
				cohorts.teams(cohortId),
				convenings.forCohort(cohortId)
			]);
			const now = clock.now();
			const next = list.find((c) => c.status === 'scheduled' && endOf(c) > now);
			return { cohort: hideFeed(cohort, role), role, members, teams, convenings: list, next };
		},

		async update(user: User, cohortId: string, input: unknown): Promise<void> {
			await requireAccess(user.id, cohortId, 'cohort.edit');
			const data = validate(cohortSchema.safeParse(input));
			await cohorts.update(cohortId, data);
		},

		async createCohort(user: User, input: unknown): Promise<string> {
			// Any facilitator of some cohort may start another one; members and observers may not.
			const mine = await cohorts.forUser(user.id);
			if (!mine.some((c) => c.role === 'facilitator')) throw new AppError(ErrorCode.Forbidden);
			const data = validate(cohortSchema.safeParse(input));
			const id = newId();
			const now = iso(clock.now());
			await db.kysely.transaction().execute(async (trx) => {
				await cohorts.insert({ id, ...data, createdAt: now }, trx);
				await cohorts.addMember({ cohortId: id, userId: user.id, role: 'facilitator', createdAt: now }, trx);
			});
			return id;
		},

		// --- teams and people
		async createTeam(user: User, cohortId: string, input: unknown): Promise<Team> {
			await requireAccess(user.id, cohortId, 'team.manage');
			const { name } = validate(teamSchema.safeParse(input));
			if ((await cohorts.teams(cohortId)).some((t) => t.name.toLowerCase() === name.toLowerCase())) {
				throw new AppError(ErrorCode.Conflict, 'A team with this name already exists.', { name: 'A team with this name already exists.' });
			}
			const team = { id: newId(), cohortId, name };
			await cohorts.insertTeam({ ...team, createdAt: iso(clock.now()) });
			return team;
		},
		async renameTeam(user: User, cohortId: string, teamId: string, input: unknown): Promise<void> {
			await requireAccess(user.id, cohortId, 'team.manage');
			const { name } = validate(teamSchema.safeParse(input));
			if (!(await cohorts.teamById(cohortId, teamId))) throw new AppError(ErrorCode.NotFound);
			await cohorts.renameTeam(cohortId, teamId, name);
		},
		async deleteTeam(user: User, cohortId: string, teamId: string): Promise<void> {
			await requireAccess(user.id, cohortId, 'team.manage');
			if (!(await cohorts.teamById(cohortId, teamId))) throw new AppError(ErrorCode.NotFound);
			await cohorts.deleteTeam(cohortId, teamId);
		},
		async assignTeam(user: User, cohortId: string, memberId: string, teamId: string | null): Promise<void> {
			await requireAccess(user.id, cohortId, 'team.manage');
			if (!(await cohorts.roleOf(cohortId, memberId))) throw new AppError(ErrorCode.NotFound);
			if (teamId !== null && !(await cohorts.teamById(cohortId, teamId))) throw new AppError(ErrorCode.NotFound);
			await cohorts.setTeam(cohortId, memberId, teamId);
		},
		async setRole(user: User, cohortId: string, memberId: string, role: unknown): Promise<void> {
			await requireAccess(user.id, cohortId, 'people.manage');
			if (!isRole(role)) throw new AppError(ErrorCode.BadRequest, 'Choose a role.', { role: 'Choose a role.' });
			const current = await cohorts.roleOf(cohortId, memberId);
			if (!current) throw new AppError(ErrorCode.NotFound);
			if (current === 'facilitator' && role !== 'facilitator') await this.assertAnotherFacilitator(cohortId, memberId);
			await cohorts.setRole(cohortId, memberId, role);
			if (role !== current) deps.onAccessChanged?.({ cohortId });
		},
		async removeMember(user: User, cohortId: string, memberId: string): Promise<void> {
			await requireAccess(user.id, cohortId, 'people.manage');
			const current = await cohorts.roleOf(cohortId, memberId);
			if (!current) throw new AppError(ErrorCode.NotFound);
			if (current === 'facilitator') await this.assertAnotherFacilitator(cohortId, memberId);
			await cohorts.removeMember(cohortId, memberId);
			deps.onAccessChanged?.({ cohortId });
		},
		/** A cohort never loses its last facilitator: nobody could manage it again. */
		async assertAnotherFacilitator(cohortId: string, leavingId: string): Promise<void> {
			const others = (await cohorts.members(cohortId)).filter((m) => m.role === 'facilitator' && m.userId !== leavingId);
			if (others.length === 0) {
				throw new AppError(ErrorCode.Conflict, 'A cohort needs at least one facilitator. Make someone else a facilitator first.');
			}
		},

		// --- convenings
		async convening(
			user: User | undefined,
			cohortId: string,
			conveningId: string
		): Promise<{ convening: Convening; role: Role; cohort: Cohort }> {
			const role = await requireAccess(user?.id, cohortId, 'convening.view');
			const convening = await convenings.byId(cohortId, conveningId);
			if (!convening) throw new AppError(ErrorCode.NotFound);
			return { convening, role, cohort: hideFeed(await cohortOr404(cohortId), role) };
		},
		async saveConvening(user: User, cohortId: string, conveningId: string | undefined, input: unknown): Promise<Convening> {
			await requireAccess(user.id, cohortId, 'convening.manage');
			const data = validate(conveningSchema.safeParse(input));
			const now = iso(clock.now());
			const existing = conveningId ? await convenings.byId(cohortId, conveningId) : undefined;
			if (conveningId && !existing) throw new AppError(ErrorCode.NotFound);
			const convening: Convening = {
				id: existing?.id ?? newId(),
				cohortId,
				kind: data.kind,
				title: data.title,
				description: data.description,
				startsAt: new Date(data.startsAt).toISOString(),
				durationMinutes: data.durationMinutes,
				status: existing?.status ?? 'scheduled',
				createdBy: existing?.createdBy ?? user.id,
				createdAt: existing?.createdAt ?? now,
				updatedAt: now,
				agenda: data.agenda.map((a) => ({ id: newId(), title: a.title, durationMinutes: a.durationMinutes }))
			};
			await convenings.save(convening);
			return convening;
		},
		async setConveningStatus(user: User, cohortId: string, conveningId: string, status: Convening['status']): Promise<void> {
			await requireAccess(user.id, cohortId, 'convening.manage');
			if (!(await convenings.byId(cohortId, conveningId))) throw new AppError(ErrorCode.NotFound);
			await convenings.setStatus(conveningId, status, iso(clock.now()));
		},

		// --- calendar feed
		/** Makes a new feed secret; the previous link stops working at once. */
		async rotateFeed(user: User, cohortId: string): Promise<string> {
			await requireAccess(user.id, cohortId, 'calendar.feed.manage');
			const token = newSecret();
			await cohorts.setFeedToken(cohortId, token);
			return token;
		},
		async revokeFeed(user: User, cohortId: string): Promise<void> {
			await requireAccess(user.id, cohortId, 'calendar.feed.manage');
			await cohorts.setFeedToken(cohortId, null);
		},
		/** The feed's cohort and convenings, by its secret alone (calendar apps send no cookie). */
		async feed(token: string): Promise<{ cohort: Cohort; convenings: Convening[] }> {
			if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw new AppError(ErrorCode.NotFound);
			const cohort = await cohorts.byFeedToken(token);
			if (!cohort) throw new AppError(ErrorCode.NotFound);
			return { cohort, convenings: await convenings.forCohort(cohort.id) };
		}
	};
}

export type CohortsService = ReturnType<typeof cohortsService>;
