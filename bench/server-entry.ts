/**
 * The measured Hearth server, in a process of its own so no load generator shares its thread.
 * A driver forks it and, over IPC (see lib/protocol.ts): starts a real server on 127.0.0.1 with
 * port 0 (the built SvelteKit app when build/ exists, socket.io, the board path), seeded with the
 * test world and two boards; fills a board's update log through the store; reports the process's
 * own CPU, event loop and memory over a window; and closes it all on `stop`.
 *
 * Storage (the SQLite directory, the PostgreSQL database) belongs to the driver, which removes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { pino } from 'pino';
import { sql } from 'kysely';
import * as Y from 'yjs';
import { loadConfig } from '../server/config.ts';
import { iso, systemClock } from '../server/clock.ts';
import { openDb, type Db } from '../server/db/open.ts';
import { startServer, type RunningServer } from '../server/http/server.ts';
import { loadSvelteKitHandler } from '../server/http/sveltekit.ts';
import type { User } from '../server/auth/users.store.ts';
import { makeWorld } from '../tests/helpers/world.ts';
import { ROOT } from './lib/cleanup.ts';
import { boardHistory } from './lib/history.ts';
import { cpuMs } from './lib/report.ts';
import { servePeer } from './lib/ipc.ts';
import { sharedClock, type BoardInfo, type ServerCommands, type ServerStats } from './lib/protocol.ts';

let running: RunningServer | undefined;
let db: Db | undefined;
let boardId = '';
let warmBoardId = '';
let writers: User[] = [];
let now: () => number = () => performance.now();

const deadline = async (what: string, timeoutMs: number, check: () => boolean | Promise<boolean>) => {
	const end = performance.now() + timeoutMs;
	while (!(await check())) {
		if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 5));
	}
};

// The stats window.
const LOOP_RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
// The histogram records each timer interval whole (resolution included); the delay is the rest.
const delayMs = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
let window:
	| { startedAt: number; cpu: NodeJS.CpuUsage; elu: EventLoopUtilization; rssPeak: number; sampler: NodeJS.Timeout; commits: number[] }
	| undefined;
let unobserve: (() => void) | undefined;

function requireServer(): { running: RunningServer; db: Db } {
	if (!running || !db) throw new Error('init first');
	return { running, db };
}

async function stop(): Promise<void> {
	if (window) clearInterval(window.sampler);
	const r = running;
	running = undefined;
	db = undefined;
	// close() stores what is pending, compacts loaded boards and closes the database.
	await r?.close();
}

servePeer<ServerCommands>(
	{
		async init({ engine, dataDir, databaseUrl, idleSeconds, base }) {
			now = sharedClock(base);
			const config = loadConfig({
				PORT: '0',
				HOST: '127.0.0.1',
				DATA_DIR: dataDir,
				LOG_LEVEL: 'warn',
				BOARD_IDLE_SECONDS: String(idleSeconds),
				...(engine === 'postgres' && databaseUrl ? { DATABASE_URL: databaseUrl } : {})
			});
			db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
			const handler = fs.existsSync(path.join(ROOT, 'build', 'handler.js'))
				? await loadSvelteKitHandler(path.join(ROOT, 'build'))
				: undefined;
			running = await startServer({ config, handler, clock: systemClock, logger: pino({ level: 'warn' }), db });
			const h = running.hearth;
			const world = await makeWorld(h);
			// Everyone in cohort A who may write; the observer could only read.
			writers = [world.users.facilitator, world.users.member];
			const board = await h.boards.create(world.users.facilitator, world.cohortA, { title: 'Benchmark board' });
			const warm = await h.boards.create(world.users.facilitator, world.cohortA, { title: 'Warm-up board' });
			boardId = board.id;
			warmBoardId = warm.id;
			const tokens = await Promise.all(writers.map(async (u) => (await h.boards.mintToken(u, board.id)).token));
			const warmTokens = await Promise.all(writers.map(async (u) => (await h.boards.mintToken(u, warm.id)).token));
			return { url: running.url, boardId: board.id, warmBoardId: warm.id, tokens, warmTokens };
		},

		async mintToken({ board }) {
			const { running } = requireServer();
			return (await running.hearth.boards.mintToken(writers[0]!, board === 'main' ? boardId : warmBoardId)).token;
		},

		usage() {
			return { cpuMs: cpuMs(process.cpuUsage()), rssBytes: process.memoryUsage.rss() };
		},

		async statsBegin({ watchBoard }) {
			const { running } = requireServer();
			unobserve?.();
			unobserve = undefined;
			const commits: number[] = [];
			if (watchBoard) {
				const room = await running.hearth.boardServer.loaded(boardId);
				if (!room) throw new Error('the board is not loaded');
				// The room applies an update to its doc only after the log commit [BD1], so this observer
				// sees each edit at the moment the server starts relaying it.
				const map = room.doc.getMap<{ t: number }>('fanout');
				const observer = (event: Y.YMapEvent<{ t: number }>) => {
					const at = now();
					for (const key of event.keysChanged) {
						const v = map.get(key);
						if (v) commits.push(at - v.t);
					}
				};
				map.observe(observer);
				unobserve = () => map.unobserve(observer);
			}
			loopDelay.reset();
			loopDelay.enable();
			// The histogram's first tick only sets its starting point: a block before it would go unseen.
			await new Promise((r) => setTimeout(r, 3 * LOOP_RESOLUTION_MS));
			const sampler = setInterval(() => {
				if (window) window.rssPeak = Math.max(window.rssPeak, process.memoryUsage.rss());
			}, 100);
			sampler.unref();
			window = {
				startedAt: performance.now(),
				cpu: process.cpuUsage(),
				elu: performance.eventLoopUtilization(),
				rssPeak: process.memoryUsage.rss(),
				sampler,
				commits
			};
			return null;
		},

		statsEnd(): ServerStats {
			if (!window) throw new Error('statsBegin first');
			const w = window;
			window = undefined;
			clearInterval(w.sampler);
			unobserve?.();
			unobserve = undefined;
			loopDelay.disable();
			const cpu = process.cpuUsage(w.cpu);
			const mem = process.memoryUsage();
			return {
				wallMs: performance.now() - w.startedAt,
				cpuMs: cpuMs(cpu),
				elu: performance.eventLoopUtilization(w.elu).utilization,
				loopDelayP50Ms: delayMs(loopDelay.percentile(50)),
				loopDelayP99Ms: delayMs(loopDelay.percentile(99)),
				loopDelayMaxMs: delayMs(loopDelay.max),
				rssPeakBytes: Math.max(w.rssPeak, mem.rss),
				rssEndBytes: mem.rss,
				heapUsedEndBytes: mem.heapUsed,
				commitLatencies: w.commits
			};
		},

		async seedLog({ updates, batch }) {
			const { running } = requireServer();
			const store = running.hearth.boards.store;
			const history = boardHistory(updates);
			const createdAt = Date.parse('2026-01-05T09:00:00Z');
			let bytes = 0;
			let generateMs = 0;
			let insertMs = 0;
			let rows: { data: Uint8Array; userId: string | null; createdAt: string }[] = [];
			const flush = async () => {
				const t = performance.now();
				await store.append(boardId, rows);
				insertMs += performance.now() - t;
				rows = [];
			};
			let t = performance.now();
			let i = 0;
			for (const data of history.updates) {
				bytes += data.byteLength;
				rows.push({ data, userId: writers[i % writers.length]!.id, createdAt: iso(createdAt + i * 1000) });
				i++;
				if (rows.length >= batch) {
					generateMs += performance.now() - t;
					await flush();
					t = performance.now();
				}
			}
			generateMs += performance.now() - t;
			if (rows.length) await flush();
			return { updates: i, bytes, generateMs, insertMs, expect: history.expected() };
		},

		async boardInfo(): Promise<BoardInfo> {
			const { running, db } = requireServer();
			const store = running.hearth.boards.store;
			const k = db.kysely;
			const logBytes =
				db.engine === 'postgres'
					? await sql<{ n: string | null }>`select sum(octet_length(data)) as n from board_updates where board_id = ${boardId}`.execute(k)
					: await sql<{ n: number | null }>`select sum(length(data)) as n from board_updates where board_id = ${boardId}`.execute(k);
			const snapshot = await store.snapshot(boardId);
			let dbBytes: number;
			if (db.engine === 'postgres') {
				const r = await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(k);
				dbBytes = Number(r.rows[0]?.n ?? 0);
			} else {
				dbBytes = [db.location, `${db.location}-wal`].reduce((n, f) => n + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
			}
			return {
				updates: await store.countUpdates(boardId),
				tailUpdates: (await store.updatesAfter(boardId, snapshot?.uptoId ?? 0)).length,
				logBytes: Number(logBytes.rows[0]?.n ?? 0),
				snapshotBytes: snapshot?.data.byteLength ?? 0,
				snapshotUptoId: snapshot?.uptoId ?? 0,
				loaded: running.hearth.boardServer.loaded(boardId) !== undefined,
				dbBytes
			};
		},

		async dropSnapshot() {
			const { running, db } = requireServer();
			if (running.hearth.boardServer.loaded(boardId)) throw new Error('the board is loaded; unload it first');
			await db.kysely.deleteFrom('board_snapshots').where('board_id', '=', boardId).execute();
			return null;
		},

		async waitSnapshot({ timeoutMs }) {
			const { running, db } = requireServer();
			const store = running.hearth.boards.store;
			const last = await db.kysely
				.selectFrom('board_updates')
				.select((eb) => eb.fn.max('id').as('id'))
				.where('board_id', '=', boardId)
				.executeTakeFirst();
			const lastId = Number(last?.id ?? 0);
			// Compacted means a snapshot covering the whole log.
			await deadline('the snapshot', timeoutMs, async () => ((await store.snapshot(boardId))?.uptoId ?? -1) >= lastId);
			return null;
		},

		async waitUnloaded({ timeoutMs }) {
			const { running } = requireServer();
			await deadline('the board to unload', timeoutMs, () => running.hearth.boardServer.loaded(boardId) === undefined);
			return null;
		},

		async probeLoad({ useSnapshot }) {
			const { running } = requireServer();
			const store = running.hearth.boards.store;
			let t = performance.now();
			const snapshot = useSnapshot ? await store.snapshot(boardId) : undefined;
			const tail = await store.updatesAfter(boardId, snapshot?.uptoId ?? 0);
			const readMs = performance.now() - t;
			t = performance.now();
			const doc = new Y.Doc({ gc: true });
			doc.transact(() => {
				if (snapshot) Y.applyUpdate(doc, snapshot.data);
				for (const u of tail) Y.applyUpdate(doc, u.data);
			}, 'load');
			const applyMs = performance.now() - t;
			doc.destroy();
			return { rows: tail.length + (snapshot ? 1 : 0), readMs, applyMs };
		},

		async stop() {
			await stop();
			// Exit once the reply is on its way.
			setTimeout(() => process.exit(0), 50).unref();
			return null;
		}
	},
	stop
);
