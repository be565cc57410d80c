/**
 * A real Hearth server on port 0 with real storage, in this process: the built SvelteKit app,
 * socket.io and the board path on one port, as `npm start` serves them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../../server/config.ts';
import { ManualClock, type Clock } from '../../server/clock.ts';
import { openDb, type Db, type Engine } from '../../server/db/open.ts';
import { startServer, type RunningServer } from '../../server/http/server.ts';
import { loadSvelteKitHandler } from '../../server/http/sveltekit.ts';
import { createTestDatabase } from './pg.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The built app, loaded as `npm start` loads it; `npm test` builds it first. */
export const builtHandler = () => loadSvelteKitHandler(path.join(ROOT, 'build'));

/** Opens a fresh, empty database of the given engine; `cleanup` removes it. */
export async function freshDb(engine: Engine): Promise<{ db: Db; dataDir: string; databaseUrl?: string; cleanup(): Promise<void> }> {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-test-'));
	if (engine === 'sqlite') {
		const db = await openDb({ dataDir });
		return {
			db,
			dataDir,
			async cleanup() {
				fs.rmSync(dataDir, { recursive: true, force: true });
			}
		};
	}
	const pgdb = await createTestDatabase();
	const db = await openDb({ databaseUrl: pgdb.url, dataDir });
	return {
		db,
		dataDir,
		databaseUrl: pgdb.url,
		async cleanup() {
			await pgdb.drop();
			fs.rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

export interface TestServer extends RunningServer {
	clock: Clock;
	db: Db;
	stop(): Promise<void>;
}

export async function startTestServer(opts: { engine?: Engine; clock?: Clock; env?: Record<string, string> } = {}): Promise<TestServer> {
	const engine = opts.engine ?? 'sqlite';
	const fresh = await freshDb(engine);
	const config = loadConfig({
		PORT: '0',
		HOST: '127.0.0.1',
		DATA_DIR: fresh.dataDir,
		LOG_LEVEL: 'silent',
		BOARD_IDLE_SECONDS: '0',
		BOARD_PING_SECONDS: '1',
		...(fresh.databaseUrl ? { DATABASE_URL: fresh.databaseUrl } : {}),
		...opts.env
	});
	const clock = opts.clock ?? new ManualClock(Date.parse('2026-11-23T12:00:00Z'));
	const running = await startServer({ config, handler: await builtHandler(), clock, logger: pino({ level: 'silent' }), db: fresh.db });
	return {
		...running,
		clock,
		db: fresh.db,
		async stop() {
			await running.close();
			await fresh.cleanup();
		}
	};
}
