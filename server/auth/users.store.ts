import type { Db } from '../db/open.ts';

export interface User {
	id: string;
	email: string;
	name: string;
	timeZone: string | null;
	/** The UI language they chose ("en", "es"); unset: from their browser. */
	language?: string | null;
	createdAt: string;
}

type UserRow = { id: string; email: string; name: string; time_zone: string | null; language: string | null; created_at: string };

export const toUser = (r: UserRow): User => ({
	id: r.id,
	email: r.email,
	name: r.name,
	timeZone: r.time_zone,
	language: r.language,
	createdAt: r.created_at
});

export function usersStore({ kysely }: Db) {
	const cols = ['id', 'email', 'name', 'time_zone', 'language', 'created_at'] as const;
	return {
		async count(): Promise<number> {
			const row = await kysely
				.selectFrom('users')
				.select((eb) => eb.fn.countAll<string | number>().as('n'))
				.executeTakeFirstOrThrow();
			return Number(row.n);
		},
		async insert(u: { id: string; email: string; name: string; passwordHash: string; timeZone: string | null; createdAt: string }) {
			await kysely
				.insertInto('users')
				.values({ id: u.id, email: u.email, name: u.name, password_hash: u.passwordHash, time_zone: u.timeZone, created_at: u.createdAt })
				.execute();
		},
		async byId(id: string): Promise<User | undefined> {
			const r = await kysely.selectFrom('users').select(cols).where('id', '=', id).executeTakeFirst();
			return r && toUser(r);
		},
		async byEmailWithHash(email: string): Promise<(User & { passwordHash: string }) | undefined> {
			const r = await kysely
				.selectFrom('users')
				.select([...cols, 'password_hash'])
				.where('email', '=', email)
				.executeTakeFirst();
			return r && { ...toUser(r), passwordHash: r.password_hash };
		},
		async setTimeZone(id: string, timeZone: string) {
			await kysely.updateTable('users').set({ time_zone: timeZone }).where('id', '=', id).execute();
		},
		async setName(id: string, name: string) {
			await kysely.updateTable('users').set({ name }).where('id', '=', id).execute();
		},
		async setLanguage(id: string, language: string | null) {
			await kysely.updateTable('users').set({ language }).where('id', '=', id).execute();
		}
	};
}

export function sessionsStore({ kysely }: Db) {
	return {
		async insert(s: { id: string; userId: string; createdAt: string; expiresAt: string }) {
			await kysely
				.insertInto('sessions')
				.values({ id: s.id, user_id: s.userId, created_at: s.createdAt, expires_at: s.expiresAt })
				.execute();
		},
		/** The user of a live session; expired sessions count as absent. */
		async userFor(id: string, nowIso: string): Promise<User | undefined> {
			const r = await kysely
				.selectFrom('sessions')
				.innerJoin('users', 'users.id', 'sessions.user_id')
				.select(['users.id', 'users.email', 'users.name', 'users.time_zone', 'users.language', 'users.created_at'])
				.where('sessions.id', '=', id)
				.where('sessions.expires_at', '>', nowIso)
				.executeTakeFirst();
			return r && toUser(r);
		},
		async delete(id: string) {
			await kysely.deleteFrom('sessions').where('id', '=', id).execute();
		},
		async deleteExpired(nowIso: string): Promise<number> {
			const res = await kysely.deleteFrom('sessions').where('expires_at', '<=', nowIso).executeTakeFirst();
			return Number(res.numDeletedRows);
		}
	};
}
