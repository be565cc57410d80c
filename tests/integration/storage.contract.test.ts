/**
 * One contract for the data-access layer, run against both engines: whatever SQLite answers,
 * PostgreSQL answers the same, with the same JS types (ISO strings for times, numbers for numbers).
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { newId } from '../../server/ids.ts';
import { migrate } from '../../server/db/migrations.ts';
import { openDb, type Db } from '../../server/db/open.ts';
import { sessionsStore, usersStore, type User } from '../../server/auth/users.store.ts';
import { cohortsStore, type Cohort } from '../../server/cohorts/cohorts.store.ts';
import { conveningsStore, type AgendaItem, type Convening } from '../../server/cohorts/convenings.store.ts';
import { invitesStore, type Invite } from '../../server/cohorts/invites.store.ts';
import type { Role } from '../../shared/roles.ts';
import { freshDb } from '../helpers/server.ts';

const TABLES = [
	'agenda_items',
	'attendance',
	'board_members',
	'board_snapshots',
	'board_updates',
	'boards',
	'chat_messages',
	'cohorts',
	'convening_live',
	'convenings',
	'invites',
	'media_presence',
	'memberships',
	'round_assignments',
	'round_groups',
	'rounds',
	'server_secrets',
	'sessions',
	'teams',
	'users'
];
const MIGRATIONS = [
	{ name: '0001_foundation' },
	{ name: '0002_boards' },
	{ name: '0003_live' },
	{ name: '0004_rounds' },
	{ name: '0005_circle_keepers' },
	{ name: '0006_media' },
	{ name: '0007_user_language' }
];

describe.each(['sqlite', 'postgres'] as const)('storage contract on %s', (engine) => {
	let fresh: Awaited<ReturnType<typeof freshDb>>;
	let db: Db;
	let users: ReturnType<typeof usersStore>;
	let sessions: ReturnType<typeof sessionsStore>;
	let cohorts: ReturnType<typeof cohortsStore>;
	let convenings: ReturnType<typeof conveningsStore>;
	let invites: ReturnType<typeof invitesStore>;

	beforeEach(async () => {
		fresh = await freshDb(engine);
		db = fresh.db;
		users = usersStore(db);
		sessions = sessionsStore(db);
		cohorts = cohortsStore(db);
		convenings = conveningsStore(db);
		invites = invitesStore(db);
	});

	afterEach(async () => {
		await db.close();
		await fresh.cleanup();
	});

	async function addUser(name: string, overrides: Partial<User> = {}): Promise<User> {
		const user: User = {
			id: newId(),
			email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.org`,
			name,
			timeZone: 'Europe/Berlin',
			language: null,
			createdAt: '2026-05-01T09:00:00.000Z',
			...overrides
		};
		await users.insert({ ...user, passwordHash: `hash-of-${name}` });
		return user;
	}

	async function addCohort(name: string, overrides: Partial<Omit<Cohort, 'feedToken'>> = {}): Promise<Cohort> {
		const cohort = {
			id: newId(),
			name,
			description: `About ${name}`,
			startsOn: '2026-06-22',
			endsOn: '2027-07-12',
			timeZone: 'Asia/Singapore',
			createdAt: '2026-05-02T10:00:00.000Z',
			...overrides
		};
		await cohorts.insert(cohort);
		return { ...cohort, feedToken: null };
	}

	async function join(cohort: Cohort, user: User, role: Role, teamId: string | null = null, createdAt = '2026-05-03T11:00:00.000Z') {
		await cohorts.addMember({ cohortId: cohort.id, userId: user.id, role, teamId, createdAt });
	}

	async function addTeam(cohort: Cohort, name: string) {
		const team = { id: newId(), cohortId: cohort.id, name };
		await cohorts.insertTeam({ ...team, createdAt: '2026-05-04T12:00:00.000Z' });
		return team;
	}

	/** Agenda items whose ids sort opposite to their positions, so ordering by id would show. */
	function agenda(...items: [string, number][]): AgendaItem[] {
		const ids = items.map(() => newId()).sort((a, b) => (a < b ? 1 : -1));
		return items.map(([title, durationMinutes], i) => ({ id: ids[i]!, title, durationMinutes }));
	}

	function convening(cohort: Cohort, overrides: Partial<Convening> = {}): Convening {
		return {
			id: newId(),
			cohortId: cohort.id,
			kind: 'convening',
			title: 'Opening convening',
			description: 'We meet, we map.',
			startsAt: '2026-06-22T15:00:00.000Z',
			durationMinutes: 90,
			status: 'scheduled',
			createdBy: null,
			createdAt: '2026-05-10T08:00:00.000Z',
			updatedAt: '2026-05-10T08:00:00.000Z',
			agenda: [],
			...overrides
		};
	}

	function invite(cohort: Cohort, by: User, overrides: Partial<Invite & { tokenHash: string }> = {}) {
		return {
			id: newId(),
			tokenHash: newId().replaceAll('-', ''),
			cohortId: cohort.id,
			role: 'member' as Role,
			email: null,
			createdBy: by.id,
			createdAt: '2026-05-20T08:00:00.000Z',
			expiresAt: '2026-05-27T08:00:00.000Z',
			...overrides
		};
	}

	describe('migrations', () => {
		const applied = async (k: Kysely<unknown>) =>
			(await sql<{ name: string }>`select name from kysely_migration order by name`.execute(k)).rows;

		it('openDb runs them: every table exists and the migration is recorded', async () => {
			expect(db.engine).toBe(engine);
			const tables = (await db.kysely.introspection.getTables()).map((t) => t.name).sort();
			expect(tables).toEqual(TABLES);
			expect(await applied(db.kysely as Kysely<unknown>)).toEqual(MIGRATIONS);
			await db.ping();
		});

		it('running migrate again is a no-op that keeps the data', async () => {
			const ada = await addUser('Ada');
			await migrate(db.kysely as Kysely<unknown>, engine);
			await migrate(db.kysely as Kysely<unknown>, engine);
			expect(await applied(db.kysely as Kysely<unknown>)).toEqual(MIGRATIONS);
			expect(await users.byId(ada.id)).toEqual(ada);
			expect(await users.count()).toBe(1);
		});

		it('opening the same database again keeps the data', async () => {
			const ada = await addUser('Ada');
			const again = await openDb({ databaseUrl: fresh.databaseUrl, dataDir: fresh.dataDir });
			try {
				expect(again.engine).toBe(engine);
				expect(await usersStore(again).byId(ada.id)).toEqual(ada);
				expect(await applied(again.kysely as Kysely<unknown>)).toEqual(MIGRATIONS);
			} finally {
				await again.close();
			}
		});
	});

	describe('users', () => {
		it('round-trips a user exactly, with and without a time zone', async () => {
			const ada = await addUser('Ada Lovelace');
			const bob = await addUser('Bob', { timeZone: null, createdAt: '2026-05-01T09:30:15.123Z' });
			expect(await users.byId(ada.id)).toEqual({
				id: ada.id,
				email: 'ada.lovelace@example.org',
				name: 'Ada Lovelace',
				timeZone: 'Europe/Berlin',
				language: null,
				createdAt: '2026-05-01T09:00:00.000Z'
			});
			expect(await users.byId(bob.id)).toEqual(bob);
			expect((await users.byId(bob.id))!.timeZone).toBeNull();
		});

		it('keeps the language a user chose, and forgets it when unset', async () => {
			const ada = await addUser('Ada');
			await users.setLanguage(ada.id, 'es');
			expect((await users.byId(ada.id))!.language).toBe('es');
			await users.setLanguage(ada.id, null);
			expect((await users.byId(ada.id))!.language).toBeNull();
		});

		it('finds a user by email with the password hash', async () => {
			const ada = await addUser('Ada');
			expect(await users.byEmailWithHash('ada@example.org')).toEqual({ ...ada, passwordHash: 'hash-of-Ada' });
			// The store matches exactly; lowercasing is the schema's job, and both engines agree on that.
			expect(await users.byEmailWithHash('ADA@example.org')).toBeUndefined();
			expect(await users.byEmailWithHash('nobody@example.org')).toBeUndefined();
			expect(await users.byId(newId())).toBeUndefined();
		});

		it('counts users as a number', async () => {
			const empty = await users.count();
			expect(empty).toBe(0);
			expect(typeof empty).toBe('number');
			await addUser('Ada');
			await addUser('Bob');
			const two = await users.count();
			expect(two).toBe(2);
			expect(typeof two).toBe('number');
		});

		it('rejects a second user with the same email', async () => {
			await addUser('Ada');
			await expect(addUser('Ada Again', { email: 'ada@example.org' })).rejects.toThrow();
			expect(await users.count()).toBe(1);
			expect((await users.byEmailWithHash('ada@example.org'))!.name).toBe('Ada');
		});

		it('updates the name and the time zone of one user only', async () => {
			const ada = await addUser('Ada');
			const bob = await addUser('Bob');
			await users.setName(ada.id, 'Ada King');
			await users.setTimeZone(ada.id, 'Asia/Kolkata');
			expect(await users.byId(ada.id)).toEqual({ ...ada, name: 'Ada King', timeZone: 'Asia/Kolkata' });
			expect(await users.byId(bob.id)).toEqual(bob);
		});
	});

	describe('sessions', () => {
		it('finds the user of a live session, and nothing once it has expired', async () => {
			const ada = await addUser('Ada');
			const id = newId();
			await sessions.insert({ id, userId: ada.id, createdAt: '2026-06-01T12:00:00.000Z', expiresAt: '2026-07-01T12:00:00.000Z' });
			expect(await sessions.userFor(id, '2026-06-01T12:00:00.000Z')).toEqual(ada);
			expect(await sessions.userFor(id, '2026-07-01T11:59:59.999Z')).toEqual(ada);
			expect(await sessions.userFor(id, '2026-07-01T12:00:00.000Z')).toBeUndefined();
			expect(await sessions.userFor(id, '2026-08-01T00:00:00.000Z')).toBeUndefined();
			expect(await sessions.userFor(newId(), '2026-06-01T12:00:00.000Z')).toBeUndefined();
		});

		it('deletes one session', async () => {
			const ada = await addUser('Ada');
			const [a, b] = [newId(), newId()];
			for (const id of [a, b]) {
				await sessions.insert({ id, userId: ada.id, createdAt: '2026-06-01T12:00:00.000Z', expiresAt: '2026-07-01T12:00:00.000Z' });
			}
			await sessions.delete(a);
			expect(await sessions.userFor(a, '2026-06-02T00:00:00.000Z')).toBeUndefined();
			expect(await sessions.userFor(b, '2026-06-02T00:00:00.000Z')).toEqual(ada);
		});

		it('deleteExpired removes exactly the expired sessions and counts them as a number', async () => {
			const ada = await addUser('Ada');
			const bob = await addUser('Bob');
			const expiries = ['2026-06-10T00:00:00.000Z', '2026-06-15T00:00:00.000Z', '2026-06-20T00:00:00.000Z', '2026-06-25T00:00:00.000Z'];
			const ids = expiries.map(() => newId());
			for (const [i, expiresAt] of expiries.entries()) {
				await sessions.insert({ id: ids[i]!, userId: i % 2 ? bob.id : ada.id, createdAt: '2026-06-01T00:00:00.000Z', expiresAt });
			}
			const removed = await sessions.deleteExpired('2026-06-15T00:00:00.000Z');
			expect(removed).toBe(2);
			expect(typeof removed).toBe('number');
			expect(await sessions.deleteExpired('2026-06-15T00:00:00.000Z')).toBe(0);
			// The live ones still work even when asked about an earlier time.
			expect(await sessions.userFor(ids[0]!, '2026-06-01T00:00:00.000Z')).toBeUndefined();
			expect(await sessions.userFor(ids[1]!, '2026-06-01T00:00:00.000Z')).toBeUndefined();
			expect(await sessions.userFor(ids[2]!, '2026-06-16T00:00:00.000Z')).toEqual(ada);
			expect(await sessions.userFor(ids[3]!, '2026-06-16T00:00:00.000Z')).toEqual(bob);
			expect(await sessions.deleteExpired('2027-01-01T00:00:00.000Z')).toBe(2);
		});
	});

	describe('cohorts', () => {
		it('round-trips a cohort exactly, without a feed token', async () => {
			const c = await addCohort('Class of 2026');
			expect(await cohorts.byId(c.id)).toEqual({
				id: c.id,
				name: 'Class of 2026',
				description: 'About Class of 2026',
				startsOn: '2026-06-22',
				endsOn: '2027-07-12',
				timeZone: 'Asia/Singapore',
				feedToken: null,
				createdAt: '2026-05-02T10:00:00.000Z'
			});
			expect(await cohorts.byName('Class of 2026')).toEqual(c);
			expect(await cohorts.byName('Class of 2027')).toBeUndefined();
			expect(await cohorts.byId(newId())).toBeUndefined();
		});

		it('updates the editable fields and keeps the rest', async () => {
			const c = await addCohort('Class of 2026');
			const other = await addCohort('Class of 2027');
			await cohorts.setFeedToken(c.id, 'feed-secret');
			const edit = { name: 'Cohort Six', description: '', startsOn: '2026-07-01', endsOn: '2026-12-31', timeZone: 'UTC' };
			await cohorts.update(c.id, edit);
			expect(await cohorts.byId(c.id)).toEqual({ ...c, ...edit, feedToken: 'feed-secret' });
			expect(await cohorts.byId(other.id)).toEqual(other);
		});

		describe('feed tokens', () => {
			it('finds a cohort by its feed token, and a null token revokes it', async () => {
				const c = await addCohort('Class of 2026');
				const other = await addCohort('Class of 2027');
				expect(await cohorts.byFeedToken('t1')).toBeUndefined();

				await cohorts.setFeedToken(c.id, 't1');
				expect(await cohorts.byFeedToken('t1')).toEqual({ ...c, feedToken: 't1' });
				expect((await cohorts.byId(c.id))!.feedToken).toBe('t1');
				expect((await cohorts.byId(other.id))!.feedToken).toBeNull();

				await cohorts.setFeedToken(c.id, 't2');
				expect(await cohorts.byFeedToken('t1')).toBeUndefined();
				expect((await cohorts.byFeedToken('t2'))!.id).toBe(c.id);

				await cohorts.setFeedToken(c.id, null);
				expect(await cohorts.byFeedToken('t2')).toBeUndefined();
				expect(await cohorts.byId(c.id)).toEqual(c);
			});

			it('refuses one token for two cohorts, while many cohorts may have none', async () => {
				const a = await addCohort('A');
				const b = await addCohort('B');
				await addCohort('C');
				await cohorts.setFeedToken(a.id, 'shared');
				await expect(cohorts.setFeedToken(b.id, 'shared')).rejects.toThrow();
				expect((await cohorts.byFeedToken('shared'))!.id).toBe(a.id);
				expect((await cohorts.byId(b.id))!.feedToken).toBeNull();
			});
		});

		describe('memberships', () => {
			it('gives a role to members only, and changes it', async () => {
				const c = await addCohort('Class of 2026');
				const other = await addCohort('Class of 2027');
				const ada = await addUser('Ada');
				expect(await cohorts.roleOf(c.id, ada.id)).toBeUndefined();
				await join(c, ada, 'member');
				expect(await cohorts.roleOf(c.id, ada.id)).toBe('member');
				expect(await cohorts.roleOf(other.id, ada.id)).toBeUndefined();
				await cohorts.setRole(c.id, ada.id, 'facilitator');
				expect(await cohorts.roleOf(c.id, ada.id)).toBe('facilitator');
				await cohorts.setRole(c.id, ada.id, 'observer');
				expect(await cohorts.roleOf(c.id, ada.id)).toBe('observer');
			});

			it('refuses the same person twice in one cohort', async () => {
				const c = await addCohort('Class of 2026');
				const ada = await addUser('Ada');
				await join(c, ada, 'member');
				await expect(join(c, ada, 'facilitator')).rejects.toThrow();
				expect(await cohorts.roleOf(c.id, ada.id)).toBe('member');
			});

			it('removes a member from one cohort only', async () => {
				const c = await addCohort('Class of 2026');
				const other = await addCohort('Class of 2027');
				const ada = await addUser('Ada');
				const bob = await addUser('Bob');
				await join(c, ada, 'member');
				await join(c, bob, 'member');
				await join(other, ada, 'observer');
				await cohorts.removeMember(c.id, ada.id);
				expect(await cohorts.roleOf(c.id, ada.id)).toBeUndefined();
				expect((await cohorts.members(c.id)).map((m) => m.userId)).toEqual([bob.id]);
				expect(await cohorts.roleOf(other.id, ada.id)).toBe('observer');
				expect(await users.byId(ada.id)).toEqual(ada);
			});

			it('lists members ordered by name, with role, team and join time', async () => {
				const c = await addCohort('Class of 2026');
				const other = await addCohort('Class of 2027');
				const carol = await addUser('Carol', { timeZone: null });
				const ada = await addUser('Ada');
				const bob = await addUser('Bob', { timeZone: 'Asia/Kolkata' });
				const eve = await addUser('Eve');
				const red = await addTeam(c, 'Red');
				await join(c, carol, 'observer', null, '2026-05-05T00:00:00.000Z');
				await join(c, ada, 'facilitator', null, '2026-05-03T00:00:00.000Z');
				await join(c, bob, 'member', red.id, '2026-05-04T00:00:00.000Z');
				await join(other, eve, 'member');

				expect(await cohorts.members(c.id)).toEqual([
					{
						userId: ada.id,
						name: 'Ada',
						email: 'ada@example.org',
						timeZone: 'Europe/Berlin',
						role: 'facilitator',
						teamId: null,
						joinedAt: '2026-05-03T00:00:00.000Z'
					},
					{
						userId: bob.id,
						name: 'Bob',
						email: 'bob@example.org',
						timeZone: 'Asia/Kolkata',
						role: 'member',
						teamId: red.id,
						joinedAt: '2026-05-04T00:00:00.000Z'
					},
					{
						userId: carol.id,
						name: 'Carol',
						email: 'carol@example.org',
						timeZone: null,
						role: 'observer',
						teamId: null,
						joinedAt: '2026-05-05T00:00:00.000Z'
					}
				]);
				expect(await cohorts.members(newId())).toEqual([]);
			});

			it('assigns a member to a team and back to none', async () => {
				const c = await addCohort('Class of 2026');
				const ada = await addUser('Ada');
				const bob = await addUser('Bob');
				const red = await addTeam(c, 'Red');
				const blue = await addTeam(c, 'Blue');
				await join(c, ada, 'member');
				await join(c, bob, 'member', blue.id);
				await cohorts.setTeam(c.id, ada.id, red.id);
				expect((await cohorts.members(c.id)).map((m) => [m.name, m.teamId])).toEqual([
					['Ada', red.id],
					['Bob', blue.id]
				]);
				await cohorts.setTeam(c.id, ada.id, null);
				expect((await cohorts.members(c.id)).map((m) => [m.name, m.teamId])).toEqual([
					['Ada', null],
					['Bob', blue.id]
				]);
			});

			it('lists the cohorts of a user newest start first, with the role in each', async () => {
				const ada = await addUser('Ada');
				const bob = await addUser('Bob');
				const middle = await addCohort('Middle', { startsOn: '2025-09-01' });
				const newest = await addCohort('Newest', { startsOn: '2026-06-22' });
				const oldest = await addCohort('Oldest', { startsOn: '2024-01-10' });
				const notMine = await addCohort('Not mine', { startsOn: '2027-01-01' });
				await join(middle, ada, 'observer');
				await join(newest, ada, 'facilitator');
				await join(oldest, ada, 'member');
				await join(notMine, bob, 'facilitator');

				const mine = await cohorts.forUser(ada.id);
				expect(mine.map((c) => [c.name, c.role])).toEqual([
					['Newest', 'facilitator'],
					['Middle', 'observer'],
					['Oldest', 'member']
				]);
				expect(mine[0]).toEqual({ ...newest, role: 'facilitator' });
				expect(await cohorts.forUser(newId())).toEqual([]);
			});
		});

		describe('teams', () => {
			it('inserts teams and lists them by name, per cohort', async () => {
				const c = await addCohort('Class of 2026');
				const other = await addCohort('Class of 2027');
				const red = await addTeam(c, 'Red');
				const blue = await addTeam(c, 'Blue');
				const green = await addTeam(other, 'Green');
				expect(await cohorts.teams(c.id)).toEqual([
					{ id: blue.id, cohortId: c.id, name: 'Blue' },
					{ id: red.id, cohortId: c.id, name: 'Red' }
				]);
				expect(await cohorts.teams(other.id)).toEqual([green]);
			});

			it('refuses two teams of one name in a cohort, but not across cohorts', async () => {
				const c = await addCohort('Class of 2026');
				const other = await addCohort('Class of 2027');
				await addTeam(c, 'Red');
				await expect(addTeam(c, 'Red')).rejects.toThrow();
				await addTeam(other, 'Red');
				expect((await cohorts.teams(c.id)).length).toBe(1);
				expect((await cohorts.teams(other.id)).length).toBe(1);
			});

			it('finds a team only within its own cohort', async () => {
				const c = await addCohort('Class of 2026');
				const other = await addCohort('Class of 2027');
				const red = await addTeam(c, 'Red');
				expect(await cohorts.teamById(c.id, red.id)).toEqual({ id: red.id, cohortId: c.id, name: 'Red' });
				expect(await cohorts.teamById(other.id, red.id)).toBeUndefined();
				expect(await cohorts.teamById(c.id, newId())).toBeUndefined();
			});

			it('renames a team only within its own cohort', async () => {
				const c = await addCohort('Class of 2026');
				const other = await addCohort('Class of 2027');
				const red = await addTeam(c, 'Red');
				await cohorts.renameTeam(c.id, red.id, 'Crimson');
				expect((await cohorts.teamById(c.id, red.id))!.name).toBe('Crimson');
				await cohorts.renameTeam(other.id, red.id, 'Hijacked');
				expect((await cohorts.teamById(c.id, red.id))!.name).toBe('Crimson');
			});

			it('deleting a team leaves its members in the cohort without a team', async () => {
				const c = await addCohort('Class of 2026');
				const ada = await addUser('Ada');
				const bob = await addUser('Bob');
				const carol = await addUser('Carol');
				const red = await addTeam(c, 'Red');
				const blue = await addTeam(c, 'Blue');
				await join(c, ada, 'member', red.id);
				await join(c, bob, 'member', red.id);
				await join(c, carol, 'member', blue.id);
				await cohorts.deleteTeam(c.id, red.id);
				expect(await cohorts.teamById(c.id, red.id)).toBeUndefined();
				expect(await cohorts.teams(c.id)).toEqual([blue]);
				expect((await cohorts.members(c.id)).map((m) => [m.name, m.role, m.teamId])).toEqual([
					['Ada', 'member', null],
					['Bob', 'member', null],
					['Carol', 'member', blue.id]
				]);
			});

			it('deleting a team through another cohort changes nothing: neither the team nor its members', async () => {
				const c = await addCohort('Class of 2026');
				const other = await addCohort('Class of 2027');
				const ada = await addUser('Ada');
				const red = await addTeam(c, 'Red');
				await join(c, ada, 'member', red.id);
				await cohorts.deleteTeam(other.id, red.id);
				expect(await cohorts.teamById(c.id, red.id)).toEqual(red);
				expect((await cohorts.members(c.id))[0]!.teamId).toBe(red.id);
			});
		});
	});

	describe('convenings', () => {
		it('saves a new convening with its agenda in order, and reads it back exactly', async () => {
			const c = await addCohort('Class of 2026');
			const ada = await addUser('Ada');
			const items = agenda(['Check-in', 15], ['Systems map', 45], ['Breakouts', 20], ['Check-out', 10]);
			const conv = convening(c, { createdBy: ada.id, agenda: items });
			await convenings.save(conv);

			const read = await convenings.byId(c.id, conv.id);
			expect(read).toEqual({
				id: conv.id,
				cohortId: c.id,
				kind: 'convening',
				title: 'Opening convening',
				description: 'We meet, we map.',
				startsAt: '2026-06-22T15:00:00.000Z',
				durationMinutes: 90,
				status: 'scheduled',
				createdBy: ada.id,
				createdAt: '2026-05-10T08:00:00.000Z',
				updatedAt: '2026-05-10T08:00:00.000Z',
				agenda: items
			});
			expect(read!.agenda.map((a) => a.title)).toEqual(['Check-in', 'Systems map', 'Breakouts', 'Check-out']);
			expect(typeof read!.durationMinutes).toBe('number');
			for (const item of read!.agenda) expect(typeof item.durationMinutes).toBe('number');
		});

		it('saves a convening without an agenda or creator', async () => {
			const c = await addCohort('Class of 2026');
			const conv = convening(c, { kind: 'retreat', durationMinutes: 3 * 24 * 60 });
			await convenings.save(conv);
			expect(await convenings.byId(c.id, conv.id)).toEqual(conv);
		});

		it('saving again replaces every field and the whole agenda, keeping who created it and when', async () => {
			const c = await addCohort('Class of 2026');
			const ada = await addUser('Ada');
			const bob = await addUser('Bob');
			const first = convening(c, { createdBy: ada.id, agenda: agenda(['Check-in', 15], ['Map', 45], ['Check-out', 10]) });
			await convenings.save(first);

			const second: Convening = {
				...first,
				kind: 'retreat',
				title: 'Retreat in the hills',
				description: '',
				startsAt: '2026-09-01T07:00:00.000Z',
				durationMinutes: 2 * 24 * 60,
				status: 'cancelled',
				createdBy: bob.id,
				createdAt: '2026-08-01T00:00:00.000Z',
				updatedAt: '2026-08-01T00:00:00.000Z',
				agenda: [{ ...first.agenda[2]!, title: 'Closing circle', durationMinutes: 30 }, ...agenda(['Walk', 120])]
			};
			await convenings.save(second);

			expect(await convenings.byId(c.id, first.id)).toEqual({ ...second, createdBy: ada.id, createdAt: '2026-05-10T08:00:00.000Z' });
			expect(await convenings.forCohort(c.id)).toHaveLength(1);

			await convenings.save({ ...second, agenda: [] });
			expect((await convenings.byId(c.id, first.id))!.agenda).toEqual([]);
		});

		it('lists a cohort’s convenings in start order, each with its own agenda, cancelled ones included', async () => {
			const c = await addCohort('Class of 2026');
			const other = await addCohort('Class of 2027');
			const late = convening(c, { title: 'Late', startsAt: '2026-12-14T14:00:00.000Z', agenda: agenda(['L1', 10], ['L2', 20]) });
			const early = convening(c, { title: 'Early', startsAt: '2026-06-22T15:00:00.000Z', status: 'cancelled' });
			const middle = convening(c, { title: 'Middle', startsAt: '2026-09-01T07:00:00.000Z', agenda: agenda(['M1', 30]) });
			const elsewhere = convening(other, { title: 'Elsewhere', startsAt: '2026-07-01T00:00:00.000Z', agenda: agenda(['E1', 5]) });
			for (const conv of [late, early, middle, elsewhere]) await convenings.save(conv);

			expect(await convenings.forCohort(c.id)).toEqual([early, middle, late]);
			expect(await convenings.forCohort(other.id)).toEqual([elsewhere]);
			expect(await convenings.forCohort(newId())).toEqual([]);
		});

		it('finds a convening only within its own cohort', async () => {
			const c = await addCohort('Class of 2026');
			const other = await addCohort('Class of 2027');
			const conv = convening(c);
			await convenings.save(conv);
			expect(await convenings.byId(c.id, conv.id)).toEqual(conv);
			expect(await convenings.byId(other.id, conv.id)).toBeUndefined();
			expect(await convenings.byId(c.id, newId())).toBeUndefined();
		});

		it('sets the status and the update time, and nothing else', async () => {
			const c = await addCohort('Class of 2026');
			const conv = convening(c, { agenda: agenda(['Check-in', 15]) });
			const untouched = convening(c, { startsAt: '2026-07-01T00:00:00.000Z' });
			await convenings.save(conv);
			await convenings.save(untouched);

			await convenings.setStatus(conv.id, 'cancelled', '2026-06-01T10:00:00.000Z');
			expect(await convenings.byId(c.id, conv.id)).toEqual({ ...conv, status: 'cancelled', updatedAt: '2026-06-01T10:00:00.000Z' });
			await convenings.setStatus(conv.id, 'scheduled', '2026-06-02T10:00:00.000Z');
			expect(await convenings.byId(c.id, conv.id)).toEqual({ ...conv, status: 'scheduled', updatedAt: '2026-06-02T10:00:00.000Z' });
			expect(await convenings.byId(c.id, untouched.id)).toEqual(untouched);
		});
	});

	describe('invites', () => {
		it('round-trips an invite exactly by its token hash', async () => {
			const c = await addCohort('Class of 2026');
			const ada = await addUser('Ada');
			const open = invite(c, ada);
			const named = invite(c, ada, { role: 'observer', email: 'bob@example.org', expiresAt: '2026-06-20T08:00:00.000Z' });
			await invites.insert(open);
			await invites.insert(named);
			expect(await invites.byTokenHash(open.tokenHash)).toEqual({
				id: open.id,
				cohortId: c.id,
				role: 'member',
				email: null,
				createdBy: ada.id,
				createdAt: '2026-05-20T08:00:00.000Z',
				expiresAt: '2026-05-27T08:00:00.000Z',
				usedAt: null,
				usedBy: null
			});
			const { tokenHash: _hash, ...namedInvite } = named;
			expect(await invites.byTokenHash(named.tokenHash)).toEqual({ ...namedInvite, usedAt: null, usedBy: null });
			expect(await invites.byTokenHash('no-such-hash')).toBeUndefined();
		});

		it('refuses two invites with one token hash', async () => {
			const c = await addCohort('Class of 2026');
			const ada = await addUser('Ada');
			const first = invite(c, ada);
			await invites.insert(first);
			await expect(invites.insert(invite(c, ada, { tokenHash: first.tokenHash }))).rejects.toThrow();
			expect((await invites.byTokenHash(first.tokenHash))!.id).toBe(first.id);
		});

		it('marks an invite used once; a second use is refused and changes nothing', async () => {
			const c = await addCohort('Class of 2026');
			const ada = await addUser('Ada');
			const bob = await addUser('Bob');
			const eve = await addUser('Eve');
			const inv = invite(c, ada);
			await invites.insert(inv);

			expect(await invites.markUsed(inv.id, bob.id, '2026-05-21T09:00:00.000Z')).toBe(true);
			expect(await invites.markUsed(inv.id, eve.id, '2026-05-21T09:05:00.000Z')).toBe(false);
			const used = await invites.byTokenHash(inv.tokenHash);
			expect(used!.usedAt).toBe('2026-05-21T09:00:00.000Z');
			expect(used!.usedBy).toBe(bob.id);
			expect(await invites.markUsed(newId(), bob.id, '2026-05-21T09:00:00.000Z')).toBe(false);
		});

		it('lets exactly one of two concurrent uses win', async () => {
			const c = await addCohort('Class of 2026');
			const ada = await addUser('Ada');
			const bob = await addUser('Bob');
			const eve = await addUser('Eve');
			const inv = invite(c, ada);
			await invites.insert(inv);

			const results = await Promise.all([
				invites.markUsed(inv.id, bob.id, '2026-05-21T09:00:00.000Z'),
				invites.markUsed(inv.id, eve.id, '2026-05-21T09:00:00.001Z')
			]);
			expect(results.filter(Boolean)).toHaveLength(1);
			const winner = results[0] ? bob : eve;
			const used = await invites.byTokenHash(inv.tokenHash);
			expect(used!.usedBy).toBe(winner.id);
			expect(used!.usedAt).toBe(results[0] ? '2026-05-21T09:00:00.000Z' : '2026-05-21T09:00:00.001Z');
		});

		it('lets exactly one of many concurrent uses win', async () => {
			const c = await addCohort('Class of 2026');
			const ada = await addUser('Ada');
			const racers: User[] = [];
			for (let i = 0; i < 8; i++) racers.push(await addUser(`Racer ${i}`));
			const inv = invite(c, ada);
			await invites.insert(inv);

			const results = await Promise.all(racers.map((r) => invites.markUsed(inv.id, r.id, '2026-05-21T09:00:00.000Z')));
			expect(results.filter(Boolean)).toHaveLength(1);
			expect((await invites.byTokenHash(inv.tokenHash))!.usedBy).toBe(racers[results.indexOf(true)]!.id);
		});

		it('lists a cohort’s invites newest first, and revokes one within its cohort only', async () => {
			const c = await addCohort('Class of 2026');
			const other = await addCohort('Class of 2027');
			const ada = await addUser('Ada');
			const older = invite(c, ada, { createdAt: '2026-05-01T00:00:00.000Z' });
			const newer = invite(c, ada, { createdAt: '2026-05-15T00:00:00.000Z' });
			const elsewhere = invite(other, ada);
			for (const i of [older, newer, elsewhere]) await invites.insert(i);

			expect((await invites.forCohort(c.id)).map((i) => i.id)).toEqual([newer.id, older.id]);
			expect((await invites.forCohort(other.id)).map((i) => i.id)).toEqual([elsewhere.id]);

			await invites.revoke(other.id, older.id, '2026-05-16T00:00:00.000Z');
			expect((await invites.byTokenHash(older.tokenHash))!.expiresAt).toBe('2026-05-27T08:00:00.000Z');
			await invites.revoke(c.id, older.id, '2026-05-16T00:00:00.000Z');
			expect((await invites.byTokenHash(older.tokenHash))!.expiresAt).toBe('2026-05-16T00:00:00.000Z');
			expect((await invites.byTokenHash(newer.tokenHash))!.expiresAt).toBe('2026-05-27T08:00:00.000Z');
		});
	});
});
