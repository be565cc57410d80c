/**
 * Many members at once, for tests of a convening's size: users, sessions and memberships written
 * straight into the database (signing a hundred people in through argon2 would take the test's time).
 */
import { DUMMY_HASH } from '../../server/auth/passwords.ts';
import type { Db } from '../../server/db/open.ts';
import { hashSecret, newId, newSecret } from '../../server/ids.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';

export interface CrowdMember {
	userId: string;
	name: string;
	/** The `cookie` header that signs them in. */
	cookie: string;
}

export async function addCrowd(db: Db, cohortId: string, count: number, nowIso: string): Promise<CrowdMember[]> {
	const expires = new Date(Date.parse(nowIso) + 86_400_000).toISOString();
	const people = Array.from({ length: count }, (_, i) => ({
		userId: newId(),
		name: `Crowd ${String(i + 1).padStart(3, '0')}`,
		token: newSecret()
	}));
	await db.kysely.transaction().execute(async (trx) => {
		for (const p of people) {
			await trx
				.insertInto('users')
				.values({
					id: p.userId,
					email: `${p.userId}@crowd.example`,
					name: p.name,
					password_hash: DUMMY_HASH,
					time_zone: 'UTC',
					created_at: nowIso
				})
				.execute();
			await trx
				.insertInto('sessions')
				.values({ id: hashSecret(p.token), user_id: p.userId, created_at: nowIso, expires_at: expires })
				.execute();
			await trx
				.insertInto('memberships')
				.values({ cohort_id: cohortId, user_id: p.userId, role: 'member', team_id: null, created_at: nowIso })
				.execute();
		}
	});
	return people.map((p) => ({ userId: p.userId, name: p.name, cookie: `${SESSION_COOKIE}=${p.token}` }));
}
