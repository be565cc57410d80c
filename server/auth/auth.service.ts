/**
 * Accounts and sessions. Passwords are argon2id hashes; a session is a random token in an
 * HttpOnly cookie whose SHA-256 is the row id. Failed sign-ins are throttled per email and per
 * client address.
 */
import type { Kysely } from 'kysely';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import { accountSchema, cohortSchema, fieldErrors, signInSchema, type AccountInput } from '../../shared/schemas.ts';
import { iso, type Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
import type { Database } from '../db/schema.ts';
import { hashSecret, newId, newSecret } from '../ids.ts';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';
import { Throttle } from './throttle.ts';
import { sessionsStore, usersStore, type User } from './users.store.ts';
import { cohortsStore } from '../cohorts/cohorts.store.ts';

export interface Session {
	token: string;
	expiresAt: Date;
}

export const LOGIN_LIMITS = { perEmail: 5, perAddress: 30, windowMs: 15 * 60_000 } as const;

export function authService(deps: { db: Db; clock: Clock; sessionDays: number }) {
	const { db, clock } = deps;
	const users = usersStore(db);
	const sessions = sessionsStore(db);
	const cohorts = cohortsStore(db);
	const byEmail = new Throttle(clock, LOGIN_LIMITS.perEmail, LOGIN_LIMITS.windowMs);
	const byAddress = new Throttle(clock, LOGIN_LIMITS.perAddress, LOGIN_LIMITS.windowMs);

	function parse<T>(
		schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } },
		input: unknown
	): T {
		const r = schema.safeParse(input);
		if (!r.success) throw new AppError(ErrorCode.BadRequest, 'Please correct the highlighted fields.', fieldErrors(r.error));
		return r.data;
	}

	async function createSession(userId: string): Promise<Session> {
		const token = newSecret();
		const now = clock.now();
		const expiresAt = new Date(now + deps.sessionDays * 86_400_000);
		await sessions.insert({ id: hashSecret(token), userId, createdAt: iso(now), expiresAt: expiresAt.toISOString() });
		return { token, expiresAt };
	}

	/** Creates a user row inside `trx`; refuses an email already in use with a field error. */
	async function insertUser(trx: Kysely<Database>, account: AccountInput): Promise<User> {
		const existing = await trx.selectFrom('users').select('id').where('email', '=', account.email).executeTakeFirst();
		if (existing) {
			throw new AppError(ErrorCode.Conflict, 'An account with this email already exists.', {
				email: 'An account with this email already exists. Sign in instead.'
			});
		}
		const user: User = { id: newId(), email: account.email, name: account.name, timeZone: account.timeZone, createdAt: iso(clock.now()) };
		await trx
			.insertInto('users')
			.values({
				id: user.id,
				email: user.email,
				name: user.name,
				password_hash: await hashPassword(account.password),
				time_zone: user.timeZone,
				created_at: user.createdAt
			})
			.execute();
		return user;
	}

	return {
		parse,
		createSession,
		insertUser,

		/** True until the first facilitator account exists: then nothing else is open. */
		async setupNeeded(): Promise<boolean> {
			return (await users.count()) === 0;
		},

		/** First run: the first facilitator and their cohort, in one transaction. */
		async setup(input: { account: unknown; cohort: unknown }): Promise<{ user: User; cohortId: string; session: Session }> {
			const accountR = accountSchema.safeParse(input.account);
			const cohortR = cohortSchema.safeParse(input.cohort);
			if (!accountR.success || !cohortR.success) {
				const fields = {
					...(accountR.success ? {} : fieldErrors(accountR.error)),
					...(cohortR.success ? {} : Object.fromEntries(Object.entries(fieldErrors(cohortR.error)).map(([k, v]) => [`cohort.${k}`, v])))
				};
				throw new AppError(ErrorCode.BadRequest, 'Please correct the highlighted fields.', fields);
			}
			const cohortInput = cohortR.data;
			const cohortId = newId();
			const user = await db.kysely.transaction().execute(async (trx) => {
				const n = await trx
					.selectFrom('users')
					.select((eb) => eb.fn.countAll<string | number>().as('n'))
					.executeTakeFirstOrThrow();
				if (Number(n.n) > 0) throw new AppError(ErrorCode.SetupDone);
				const user = await insertUser(trx, accountR.data);
				const now = iso(clock.now());
				await cohorts.insert({ id: cohortId, ...cohortInput, createdAt: now }, trx);
				await cohorts.addMember({ cohortId, userId: user.id, role: 'facilitator', createdAt: now }, trx);
				return user;
			});
			return { user, cohortId, session: await createSession(user.id) };
		},

		async signIn(input: unknown, address: string): Promise<{ user: User; session: Session }> {
			const { email, password } = parse(signInSchema, input);
			const wait = Math.max(byEmail.retryAfter(email), byAddress.retryAfter(address));
			if (wait > 0) {
				throw new AppError(ErrorCode.RateLimited, `Too many sign-in attempts. Try again in ${Math.ceil(wait / 60_000)} minute(s).`);
			}
			const found = await users.byEmailWithHash(email);
			const ok = await verifyPassword(found?.passwordHash ?? DUMMY_HASH, password);
			if (!found || !ok) {
				byEmail.fail(email);
				byAddress.fail(address);
				throw new AppError(ErrorCode.InvalidCredentials);
			}
			byEmail.reset(email);
			const { passwordHash: _h, ...user } = found;
			return { user, session: await createSession(user.id) };
		},

		async userForSession(token: string | undefined): Promise<User | undefined> {
			if (!token || token.length > 200) return undefined;
			return sessions.userFor(hashSecret(token), iso(clock.now()));
		},

		async signOut(token: string | undefined): Promise<void> {
			if (token) await sessions.delete(hashSecret(token));
		},

		async setTimeZone(userId: string, timeZone: string): Promise<void> {
			await users.setTimeZone(userId, timeZone);
		},

		async setName(userId: string, name: string): Promise<void> {
			await users.setName(userId, name);
		},

		/** The UI language someone chose; null returns to their browser's. The web layer checks the code. */
		async setLanguage(userId: string, language: string | null): Promise<void> {
			await users.setLanguage(userId, language);
		},

		async deleteExpiredSessions(): Promise<number> {
			return sessions.deleteExpired(iso(clock.now()));
		}
	};
}

export type AuthService = ReturnType<typeof authService>;
