import type { Kysely } from 'kysely';
import type { Db } from '../db/open.ts';
import type { Database } from '../db/schema.ts';
import type { Role } from '../../shared/roles.ts';

export interface Invite {
	id: string;
	cohortId: string;
	role: Role;
	email: string | null;
	createdBy: string;
	createdAt: string;
	expiresAt: string;
	usedAt: string | null;
	usedBy: string | null;
}

const toInvite = (r: Database['invites']): Invite => ({
	id: r.id,
	cohortId: r.cohort_id,
	role: r.role,
	email: r.email,
	createdBy: r.created_by,
	createdAt: r.created_at,
	expiresAt: r.expires_at,
	usedAt: r.used_at,
	usedBy: r.used_by
});

export function invitesStore({ kysely }: Db) {
	return {
		async insert(i: Omit<Invite, 'usedAt' | 'usedBy'> & { tokenHash: string }) {
			await kysely
				.insertInto('invites')
				.values({
					id: i.id,
					token_hash: i.tokenHash,
					cohort_id: i.cohortId,
					role: i.role,
					email: i.email,
					created_by: i.createdBy,
					created_at: i.createdAt,
					expires_at: i.expiresAt,
					used_at: null,
					used_by: null
				})
				.execute();
		},
		async byTokenHash(hash: string): Promise<Invite | undefined> {
			const r = await kysely.selectFrom('invites').selectAll().where('token_hash', '=', hash).executeTakeFirst();
			return r && toInvite(r);
		},
		/**
		 * Marks an invite used, only if it is still unused. Returns false when another request
		 * used it first, so two people racing on one link cannot both get in.
		 */
		async markUsed(id: string, userId: string, at: string, trx: Kysely<Database> = kysely): Promise<boolean> {
			const res = await trx
				.updateTable('invites')
				.set({ used_at: at, used_by: userId })
				.where('id', '=', id)
				.where('used_at', 'is', null)
				.executeTakeFirst();
			return Number(res.numUpdatedRows) === 1;
		},
		async revoke(cohortId: string, id: string, at: string) {
			// A revoked link behaves like an expired one.
			await kysely.updateTable('invites').set({ expires_at: at }).where('id', '=', id).where('cohort_id', '=', cohortId).execute();
		},
		async forCohort(cohortId: string): Promise<Invite[]> {
			const rows = await kysely.selectFrom('invites').selectAll().where('cohort_id', '=', cohortId).orderBy('created_at', 'desc').execute();
			return rows.map(toInvite);
		}
	};
}
