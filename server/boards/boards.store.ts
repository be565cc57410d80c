/**
 * Board records, the append-only update log, and snapshots. The log is never rewritten: a
 * snapshot folds everything up to `upto_id` into one state, and loading reads the snapshot plus
 * the updates after it. The rows stay, with their time and author, for history replay.
 */
import type { Db } from '../db/open.ts';
import type { Database } from '../db/schema.ts';
import type { WritePolicy } from '../../shared/board.ts';

export interface Board {
	id: string;
	cohortId: string;
	conveningId: string | null;
	groupId: string | null;
	title: string;
	writePolicy: WritePolicy;
	schemaVersion: number;
	createdBy: string | null;
	createdAt: string;
	updatedAt: string;
	archivedAt: string | null;
}

export interface LoggedUpdate {
	id: number;
	data: Uint8Array;
	userId: string | null;
	createdAt: string;
}

const toBoard = (r: Database['boards']): Board => ({
	id: r.id,
	cohortId: r.cohort_id,
	conveningId: r.convening_id,
	groupId: r.group_id,
	title: r.title,
	writePolicy: r.write_policy,
	schemaVersion: r.schema_version,
	createdBy: r.created_by,
	createdAt: r.created_at,
	updatedAt: r.updated_at,
	archivedAt: r.archived_at
});

type LogRow = { data: Uint8Array; userId: string | null; createdAt: string };

/**
 * The board append on SQLite, the hottest write there is (every accepted update): the same two
 * statements in one transaction as below, prepared once instead of built by Kysely and prepared by
 * better-sqlite3 on every call. It runs holding Kysely's connection, so it never lands inside a
 * transaction of Kysely's.
 */
function sqliteAppender(db: Db): ((boardId: string, rows: LogRow[]) => Promise<number[]>) | undefined {
	const raw = db.sqlite;
	if (!raw) return undefined;
	let append: ((boardId: string, rows: LogRow[]) => number[]) | undefined;
	return (boardId, rows) =>
		db.kysely.connection().execute(async () => {
			if (!append) {
				const touch = raw.prepare('update boards set updated_at = ? where id = ?');
				const insert = raw.prepare<[string, Uint8Array, string | null, string], { id: number | bigint }>(
					'insert into board_updates (board_id, data, user_id, created_at) values (?, ?, ?, ?) returning id'
				);
				append = raw.transaction((id: string, batch: LogRow[]) => {
					touch.run(batch[batch.length - 1]!.createdAt, id);
					return batch.map((r) => Number(insert.get(id, r.data, r.userId, r.createdAt)!.id));
				});
			}
			return append(boardId, rows);
		});
}

export function boardsStore(db: Db) {
	const { kysely } = db;
	const sqliteAppend = sqliteAppender(db);
	return {
		async insert(b: Board, memberIds: string[] = []) {
			await this.insertMany([{ board: b, memberIds }]);
		},
		/** New boards with their members and, optionally, each one's first logged update, in one transaction. */
		async insertMany(items: { board: Board; memberIds: string[]; first?: { data: Uint8Array; userId: string; createdAt: string } }[]) {
			if (!items.length) return;
			await kysely.transaction().execute(async (trx) => {
				await trx
					.insertInto('boards')
					.values(
						items.map(({ board: b }) => ({
							id: b.id,
							cohort_id: b.cohortId,
							convening_id: b.conveningId,
							group_id: b.groupId,
							title: b.title,
							write_policy: b.writePolicy,
							schema_version: b.schemaVersion,
							created_by: b.createdBy,
							created_at: b.createdAt,
							updated_at: b.updatedAt,
							archived_at: b.archivedAt
						}))
					)
					.execute();
				const members = items.flatMap(({ board, memberIds }) => memberIds.map((user_id) => ({ board_id: board.id, user_id })));
				if (members.length) await trx.insertInto('board_members').values(members).execute();
				// Nobody else can append to a board that does not exist yet: no lock needed for the first update [SC5].
				const firsts = items.flatMap(({ board, first }) =>
					first ? [{ board_id: board.id, data: first.data, user_id: first.userId, created_at: first.createdAt }] : []
				);
				if (firsts.length) await trx.insertInto('board_updates').values(firsts).execute();
			});
		},
		async byId(id: string): Promise<Board | undefined> {
			const r = await kysely.selectFrom('boards').selectAll().where('id', '=', id).executeTakeFirst();
			return r && toBoard(r);
		},
		async list(cohortId: string, filter: { conveningId?: string; groupId?: string; includeArchived?: boolean } = {}): Promise<Board[]> {
			let q = kysely.selectFrom('boards').selectAll().where('cohort_id', '=', cohortId);
			if (filter.conveningId) q = q.where('convening_id', '=', filter.conveningId);
			if (filter.groupId) q = q.where('group_id', '=', filter.groupId);
			if (!filter.includeArchived) q = q.where('archived_at', 'is', null);
			return (await q.orderBy('updated_at', 'desc').execute()).map(toBoard);
		},
		async update(id: string, fields: Partial<Pick<Board, 'title' | 'writePolicy' | 'archivedAt' | 'updatedAt'>>) {
			await kysely
				.updateTable('boards')
				.set({
					...(fields.title !== undefined ? { title: fields.title } : {}),
					...(fields.writePolicy !== undefined ? { write_policy: fields.writePolicy } : {}),
					...(fields.archivedAt !== undefined ? { archived_at: fields.archivedAt } : {}),
					...(fields.updatedAt !== undefined ? { updated_at: fields.updatedAt } : {})
				})
				.where('id', '=', id)
				.execute();
		},
		async members(boardId: string): Promise<string[]> {
			return (await kysely.selectFrom('board_members').select('user_id').where('board_id', '=', boardId).execute()).map((r) => r.user_id);
		},
		async setMembers(boardId: string, userIds: string[]) {
			await kysely.transaction().execute(async (trx) => {
				await trx.deleteFrom('board_members').where('board_id', '=', boardId).execute();
				if (userIds.length)
					await trx
						.insertInto('board_members')
						.values(userIds.map((user_id) => ({ board_id: boardId, user_id })))
						.execute();
			});
		},

		/**
		 * Appends a batch of accepted updates in one transaction; returns their ids in order.
		 * The board's row is updated (and so locked, on PostgreSQL) *before* the ids are drawn: appends
		 * to one board from several instances then commit in id order, so whatever a reader sees of a
		 * board's log is a prefix of it, and a snapshot folding what it read misses nothing below its
		 * watermark [SC5].
		 */
		async append(boardId: string, rows: { data: Uint8Array; userId: string | null; createdAt: string }[]): Promise<number[]> {
			if (rows.length === 0) return [];
			if (sqliteAppend) return sqliteAppend(boardId, rows);
			return kysely.transaction().execute(async (trx) => {
				await trx
					.updateTable('boards')
					.set({ updated_at: rows[rows.length - 1]!.createdAt })
					.where('id', '=', boardId)
					.execute();
				const inserted = await trx
					.insertInto('board_updates')
					.values(rows.map((r) => ({ board_id: boardId, data: r.data, user_id: r.userId, created_at: r.createdAt })))
					.returning('id')
					.execute();
				return inserted.map((r) => Number(r.id));
			});
		},
		async snapshot(boardId: string): Promise<{ data: Uint8Array; uptoId: number } | undefined> {
			const r = await kysely.selectFrom('board_snapshots').select(['data', 'upto_id']).where('board_id', '=', boardId).executeTakeFirst();
			return r && { data: r.data, uptoId: Number(r.upto_id) };
		},
		async updatesAfter(boardId: string, afterId: number): Promise<LoggedUpdate[]> {
			const rows = await kysely
				.selectFrom('board_updates')
				.select(['id', 'data', 'user_id', 'created_at'])
				.where('board_id', '=', boardId)
				.where('id', '>', afterId)
				.orderBy('id')
				.execute();
			return rows.map((r) => ({ id: Number(r.id), data: r.data, userId: r.user_id, createdAt: r.created_at }));
		},
		/** Replaces the board's snapshot, only moving its watermark forward. */
		async saveSnapshot(boardId: string, data: Uint8Array, uptoId: number, createdAt: string) {
			await kysely.transaction().execute(async (trx) => {
				const current = await trx.selectFrom('board_snapshots').select('upto_id').where('board_id', '=', boardId).executeTakeFirst();
				if (current && Number(current.upto_id) >= uptoId) return;
				await trx.deleteFrom('board_snapshots').where('board_id', '=', boardId).execute();
				await trx.insertInto('board_snapshots').values({ board_id: boardId, data, upto_id: uptoId, created_at: createdAt }).execute();
			});
		},
		async countUpdates(boardId: string): Promise<number> {
			const r = await kysely
				.selectFrom('board_updates')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where('board_id', '=', boardId)
				.executeTakeFirstOrThrow();
			return Number(r.n);
		}
	};
}

export type BoardsStore = ReturnType<typeof boardsStore>;

/** A stable server secret (board tokens are signed with it), made once and kept in storage. */
export async function serverSecret(db: Db, name: string, make: () => string): Promise<string> {
	await db.kysely
		.insertInto('server_secrets')
		.values({ name, value: make() })
		.onConflict((oc) => oc.column('name').doNothing())
		.execute();
	const r = await db.kysely.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
	return r.value;
}
