/**
 * Opens the one database Hearth uses: PostgreSQL when DATABASE_URL is set, otherwise an
 * embedded SQLite file in DATA_DIR (WAL mode, so readers never wait for the writer).
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { migrate } from './migrations.ts';

export type Engine = 'sqlite' | 'postgres';

export interface Db {
	kysely: Kysely<Database>;
	engine: Engine;
	/** Where the data lives, for /healthz and logs (a file path, or the PostgreSQL database name). */
	location: string;
	/** Cheap round trip; throws when the database cannot be reached or written. */
	ping(): Promise<void>;
	close(): Promise<void>;
}

export async function openDb(opts: { databaseUrl?: string | undefined; dataDir: string }): Promise<Db> {
	let db: Db;
	if (opts.databaseUrl) {
		const pool = new pg.Pool({
			connectionString: opts.databaseUrl,
			max: 10,
			// int8 (the update log's ids, counts) as numbers, as SQLite gives them: they stay far below 2^53.
			types: {
				getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
					oid === 20 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
			}
		});
		// An idle client losing its connection must not crash the process; the next query reports it.
		pool.on('error', () => {});
		const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
		db = {
			kysely,
			engine: 'postgres',
			location: new URL(opts.databaseUrl).pathname.replace(/^\//, '') || 'postgres',
			async ping() {
				await sql`select 1`.execute(kysely);
			},
			close: () => kysely.destroy()
		};
	} else {
		fs.mkdirSync(opts.dataDir, { recursive: true });
		const file = path.join(opts.dataDir, 'hearth.sqlite');
		const sqlite = new SQLite(file);
		sqlite.pragma('journal_mode = WAL');
		sqlite.pragma('foreign_keys = ON');
		sqlite.pragma('busy_timeout = 5000');
		sqlite.pragma('synchronous = NORMAL');
		const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
		db = {
			kysely,
			engine: 'sqlite',
			location: file,
			async ping() {
				await sql`select 1`.execute(kysely);
			},
			close: () => kysely.destroy()
		};
	}
	await migrate(db.kysely as Kysely<unknown>, db.engine);
	return db;
}
