/**
 * Invite links: a facilitator makes a link carrying a role; whoever opens it before it expires
 * and before anyone else uses it joins the cohort with that role, creating an account if needed.
 */
import { AppError, ErrorCode } from '../../shared/errors.ts';
import type { Role } from '../../shared/roles.ts';
import { accountSchema, fieldErrors, inviteSchema } from '../../shared/schemas.ts';
import { iso, type Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
import { hashSecret, newId, newSecret } from '../ids.ts';
import type { AuthService, Session } from '../auth/auth.service.ts';
import type { User } from '../auth/users.store.ts';
import type { RequireAccess } from './access.ts';
import { cohortsStore, type Cohort } from './cohorts.store.ts';
import { invitesStore, type Invite } from './invites.store.ts';

export type InviteState = 'open' | 'expired' | 'used';

export function invitesService(deps: { db: Db; clock: Clock; requireAccess: RequireAccess; auth: AuthService }) {
	const { db, clock, requireAccess, auth } = deps;
	const invites = invitesStore(db);
	const cohorts = cohortsStore(db);

	const stateOf = (i: Invite): InviteState => (i.usedAt ? 'used' : Date.parse(i.expiresAt) <= clock.now() ? 'expired' : 'open');

	async function openInvite(token: string): Promise<{ invite: Invite; cohort: Cohort }> {
		if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw new AppError(ErrorCode.NotFound);
		const invite = await invites.byTokenHash(hashSecret(token));
		if (!invite) throw new AppError(ErrorCode.NotFound);
		const state = stateOf(invite);
		if (state === 'used') throw new AppError(ErrorCode.InviteUsed);
		if (state === 'expired') throw new AppError(ErrorCode.InviteExpired);
		const cohort = await cohorts.byId(invite.cohortId);
		if (!cohort) throw new AppError(ErrorCode.NotFound);
		return { invite, cohort };
	}

	return {
		stateOf,

		async create(user: User, cohortId: string, input: unknown): Promise<{ invite: Invite; token: string }> {
			await requireAccess(user.id, cohortId, 'people.invite');
			const r = inviteSchema.safeParse(input);
			if (!r.success) throw new AppError(ErrorCode.BadRequest, 'Please correct the highlighted fields.', fieldErrors(r.error));
			const token = newSecret();
			const now = clock.now();
			const invite: Invite = {
				id: newId(),
				cohortId,
				role: r.data.role,
				email: r.data.email ?? null,
				createdBy: user.id,
				createdAt: iso(now),
				expiresAt: iso(now + r.data.expiresInDays * 86_400_000),
				usedAt: null,
				usedBy: null
			};
			await invites.insert({ ...invite, tokenHash: hashSecret(token) });
			return { invite, token };
		},

		async list(user: User, cohortId: string): Promise<(Invite & { state: InviteState })[]> {
			await requireAccess(user.id, cohortId, 'people.invite');
			return (await invites.forCohort(cohortId)).map((i) => ({ ...i, state: stateOf(i) }));
		},

		async revoke(user: User, cohortId: string, inviteId: string): Promise<void> {
			await requireAccess(user.id, cohortId, 'people.invite');
			await invites.revoke(cohortId, inviteId, iso(clock.now()));
		},

		/** What the invite page shows; throws InviteExpired / InviteUsed / NotFound. */
		async inspect(token: string): Promise<{ cohortName: string; role: Role; email: string | null; expiresAt: string }> {
			const { invite, cohort } = await openInvite(token);
			return { cohortName: cohort.name, role: invite.role, email: invite.email, expiresAt: invite.expiresAt };
		},

		/** A signed-in user accepts: they join the cohort (an existing membership keeps its role). */
		async acceptAsUser(token: string, user: User): Promise<{ cohortId: string }> {
			const { invite } = await openInvite(token);
			await db.kysely.transaction().execute(async (trx) => {
				if (!(await invites.markUsed(invite.id, user.id, iso(clock.now()), trx))) throw new AppError(ErrorCode.InviteUsed);
				const existing = await trx
					.selectFrom('memberships')
					.select('role')
					.where('cohort_id', '=', invite.cohortId)
					.where('user_id', '=', user.id)
					.executeTakeFirst();
				if (!existing)
					await cohorts.addMember({ cohortId: invite.cohortId, userId: user.id, role: invite.role, createdAt: iso(clock.now()) }, trx);
			});
			return { cohortId: invite.cohortId };
		},

		/** Someone without an account accepts: account, membership and used mark in one transaction. */
		async acceptAsNewUser(token: string, input: unknown): Promise<{ cohortId: string; user: User; session: Session }> {
			const { invite } = await openInvite(token);
			const r = accountSchema.safeParse(input);
			if (!r.success) throw new AppError(ErrorCode.BadRequest, 'Please correct the highlighted fields.', fieldErrors(r.error));
			const user = await db.kysely.transaction().execute(async (trx) => {
				const user = await auth.insertUser(trx, r.data);
				if (!(await invites.markUsed(invite.id, user.id, iso(clock.now()), trx))) throw new AppError(ErrorCode.InviteUsed);
				await cohorts.addMember({ cohortId: invite.cohortId, userId: user.id, role: invite.role, createdAt: iso(clock.now()) }, trx);
				return user;
			});
			return { cohortId: invite.cohortId, user, session: await auth.createSession(user.id) };
		}
	};
}

export type InvitesService = ReturnType<typeof invitesService>;
