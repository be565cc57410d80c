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
	/**
	 * Cheap round trip that proves the database can be reached *and written* (without writing
	 * anything), within `timeoutMs`; throws otherwise. /healthz calls it.
	 */
	ping(timeoutMs?: number): Promise<void>;
	close(): Promise<void>;
	/**
	 * SQLite only: the better-sqlite3 handle under Kysely's one connection, for a hot path that keeps
	 * its statements prepared. Use it only inside `kysely.connection().execute(...)`, which holds the
	 * connection, so nothing runs inside a transaction of someone else's.
	 */
	sqlite?: SQLite.Database;
}

/** How long /healthz waits for the database before calling it unhealthy. */
export const PING_TIMEOUT_MS = 2_000;
const BUSY_TIMEOUT_MS = 5_000;

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
	});
	work.catch(() => {}); // a late failure after the timeout is not unhandled
	return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export async function openDb(opts: { databaseUrl?: string | undefined; dataDir: string }): Promise<Db> {
	let db: Db;
	if (opts.databaseUrl) {
		const pool = new pg.Pool({
			connectionString: opts.databaseUrl,
			max: 10,
			// A database host that does not answer fails a request after 5 s instead of hanging it.
			connectionTimeoutMillis: 5_000,
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
			ping: (timeoutMs = PING_TIMEOUT_MS) =>
				withTimeout(
					(async () => {
						// A standby (or a database set read-only) answers reads but cannot take writes.
						const { rows } = await sql<{ ro: string }>`select current_setting('transaction_read_only') as ro`.execute(kysely);
						if (rows[0]?.ro === 'on') throw Object.assign(new Error('database is read-only'), { code: '25006' });
					})(),
					timeoutMs
				),
			close: () => kysely.destroy()
		};
	} else {
		fs.mkdirSync(opts.dataDir, { recursive: true });
		const file = path.join(opts.dataDir, 'hearth.sqlite');
		const sqlite = new SQLite(file);
		sqlite.pragma('journal_mode = WAL');
		sqlite.pragma('foreign_keys = ON');
		sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
		sqlite.pragma('synchronous = NORMAL');
		const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
		db = {
			kysely,
			engine: 'sqlite',
			location: file,
			sqlite,
			ping: (timeoutMs = PING_TIMEOUT_MS) =>
				withTimeout(
					// Kysely's one connection, held so that no transaction of the app interleaves.
					kysely.connection().execute(async (conn) => {
						// Taking the write lock and letting go proves the file is writable and not locked by
						// another process, and writes nothing. better-sqlite3 waits synchronously, so the wait
						// for a lock is shortened for the probe rather than raced.
						sqlite.pragma(`busy_timeout = ${Math.max(0, Math.min(timeoutMs, BUSY_TIMEOUT_MS))}`);
						try {
							await sql`begin immediate`.execute(conn);
							await sql`rollback`.execute(conn);
						} finally {
							sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
						}
					}),
					timeoutMs
				),
			close: () => kysely.destroy()
		};
	}
	await migrate(db.kysely as Kysely<unknown>, db.engine);
	return db;
}
