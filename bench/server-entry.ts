/**
 * The measured Hearth server, in a process of its own so no load generator shares its thread.
 * A driver forks it and, over IPC (see lib/protocol.ts): starts a real server on 127.0.0.1 with
 * port 0 (the built SvelteKit app when build/ exists and the driver wants it, socket.io, the board
 * path), seeded with the test world and two boards; fills a board's update log through the store;
 * seeds a large cohort of convenings straight into the database; reports the process's own CPU,
 * event loop and memory over a window; and closes it all on `stop`.
 *
 * Storage (the SQLite directory, the PostgreSQL database) belongs to the driver, which removes it.
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { pino } from 'pino';
import { sql } from 'kysely';
import * as Y from 'yjs';
import { loadConfig } from '../server/config.ts';
import { iso, systemClock } from '../server/clock.ts';
import { openDb, type Db } from '../server/db/open.ts';
import { startServer, type RunningServer } from '../server/http/server.ts';
import { loadSvelteKitHandler } from '../server/http/sveltekit.ts';
import type { User } from '../server/auth/users.store.ts';
import { DUMMY_HASH } from '../server/auth/passwords.ts';
import { hashSecret, newId, newSecret } from '../server/ids.ts';
import { makeWorld } from '../tests/helpers/world.ts';
import { ROOT } from './lib/cleanup.ts';
import { boardHistory } from './lib/history.ts';
import { cpuMs } from './lib/report.ts';
import { servePeer } from './lib/ipc.ts';
import {
	sharedClock,
	type BoardInfo,
	type ConveningSeed,
	type DurabilityLags,
	type MemoryUsage,
	type Participant,
	type ServerCommands,
	type ServerStats
} from './lib/protocol.ts';

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
	| {
			startedAt: number;
			cpu: NodeJS.CpuUsage;
			elu: EventLoopUtilization;
			rssPeak: number;
			sampler: NodeJS.Timeout;
			commits: number[];
			durability: DurabilityLags;
	  }
	| undefined;
let unobserve: (() => void) | undefined;

/** A full garbage collection on demand (the process is not started with --expose-gc). */
let collect: (() => void) | undefined;
function fullGc(): void {
	if (!collect) {
		v8.setFlagsFromString('--expose-gc');
		collect = vm.runInNewContext('gc') as () => void;
	}
	collect();
}

function requireServer(): { running: RunningServer; db: Db } {
	if (!running || !db) throw new Error('init first');
	return { running, db };
}

/**
 * BENCH_CPU_PROFILE=<dir> (not part of any benchmark: for finding where the time goes) profiles this
 * process from `init` to `stop` and writes server-<pid>.cpuprofile there, for Chrome DevTools.
 */
const profileDir = process.env.BENCH_CPU_PROFILE;
let profiler: inspector.Session | undefined;

function startProfile(): void {
	if (!profileDir || profiler) return;
	profiler = new inspector.Session();
	profiler.connect();
	profiler.post('Profiler.enable');
	profiler.post('Profiler.start');
}

async function writeProfile(): Promise<void> {
	const session = profiler;
	profiler = undefined;
	if (!session || !profileDir) return;
	await new Promise<void>((resolve) =>
		session.post('Profiler.stop', (err, result) => {
			if (!err) fs.writeFileSync(path.join(profileDir, `server-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
			session.disconnect();
			resolve();
		})
	);
}

async function stop(): Promise<void> {
	await writeProfile();
	if (window) clearInterval(window.sampler);
	const r = running;
	running = undefined;
	db = undefined;
	// close() stores what is pending, compacts loaded boards and closes the database.
	await r?.close();
}

servePeer<ServerCommands>(
	{
		async init({ engine, dataDir, databaseUrl, idleSeconds, base, app }) {
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
			const handler =
				app !== false && fs.existsSync(path.join(ROOT, 'build', 'handler.js'))
					? await loadSvelteKitHandler(path.join(ROOT, 'build'))
					: undefined;
			running = await startServer({ config, handler, clock: systemClock, logger: pino({ level: 'warn' }), db });
			startProfile();
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
			const durability: DurabilityLags = { lagMs: [], waitMs: [], appendMs: [] };
			if (watchBoard) {
				const room = await running.hearth.boardServer.loaded(boardId);
				if (!room) throw new Error('the board is not loaded');
				// Arrival at the room → append resolved, per update; the append alone, per batch.
				room.durabilityTiming = ({ arrivedAt, appendStartedAt, committedAt }) => {
					for (const t of arrivedAt) {
						// 0: arrived before the hook was set.
						if (t === 0) continue;
						durability.lagMs.push(committedAt - t);
						durability.waitMs.push(appendStartedAt - t);
					}
					durability.appendMs.push(committedAt - appendStartedAt);
				};
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
				unobserve = () => {
					map.unobserve(observer);
					room.durabilityTiming = undefined;
				};
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
				commits,
				durability
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
				commitLatencies: w.commits,
				durability: w.durability
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

		async seedConvenings({ participants, convenings }): Promise<ConveningSeed> {
			const { db } = requireServer();
			const started = performance.now();
			// Straight into the tables, in one transaction: hashing a password per person (argon2) would
			// take minutes, and nobody signs in with one; everyone gets a session row instead, stored
			// as the auth service stores them (the SHA-256 of the cookie token).
			const at = Date.now();
			const createdAt = iso(at);
			const expires = iso(at + 7 * 86_400_000);
			const cohortId = newId();
			type Seeded = Participant & { name: string; email: string };
			const person = (convening: number, name: string, email: string): Seeded => ({
				userId: newId(),
				token: newSecret(),
				convening,
				name,
				email
			});
			const plan = Array.from({ length: convenings }, (_, c) => ({
				id: newId(),
				facilitator: person(c, `Facilitator ${String(c + 1).padStart(3, '0')}`, `bench-f${c + 1}@example.org`),
				members: [] as Seeded[]
			}));
			// Member i joins convening i mod convenings.
			for (let i = 0; i < participants; i++)
				plan[i % convenings]!.members.push(
					person(i % convenings, `Member ${String(i + 1).padStart(5, '0')}`, `bench-m${i + 1}@example.org`)
				);
			const everyone = plan.flatMap((c) => [c.facilitator, ...c.members]);
			const chunks = <T>(rows: T[], size = 200): T[][] =>
				Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));
			await db.kysely.transaction().execute(async (trx) => {
				await trx
					.insertInto('cohorts')
					.values({
						id: cohortId,
						name: 'Benchmark cohort',
						description: '',
						starts_on: '2026-01-01',
						ends_on: '2027-12-31',
						time_zone: 'UTC',
						ics_token: null,
						created_at: createdAt
					})
					.execute();
				for (const rows of chunks(everyone)) {
					await trx
						.insertInto('users')
						.values(
							rows.map((p) => ({
								id: p.userId,
								email: p.email,
								name: p.name,
								password_hash: DUMMY_HASH,
								time_zone: 'UTC',
								created_at: createdAt
							}))
						)
						.execute();
					await trx
						.insertInto('sessions')
						.values(rows.map((p) => ({ id: hashSecret(p.token), user_id: p.userId, created_at: createdAt, expires_at: expires })))
						.execute();
				}
				const facilitators = new Set(plan.map((c) => c.facilitator.userId));
				for (const rows of chunks(everyone)) {
					await trx
						.insertInto('memberships')
						.values(
							rows.map((p) => ({
								cohort_id: cohortId,
								user_id: p.userId,
								role: facilitators.has(p.userId) ? ('facilitator' as const) : ('member' as const),
								team_id: null,
								created_at: createdAt
							}))
						)
						.execute();
				}
				await trx
					.insertInto('convenings')
					.values(
						plan.map((c, i) => ({
							id: c.id,
							cohort_id: cohortId,
							kind: 'convening' as const,
							title: `Benchmark convening ${i + 1}`,
							description: '',
							starts_at: createdAt,
							duration_minutes: 120,
							status: 'scheduled' as const,
							created_by: c.facilitator.userId,
							created_at: createdAt,
							updated_at: createdAt
						}))
					)
					.execute();
			});
			const strip = ({ userId, token, convening }: Participant): Participant => ({ userId, token, convening });
			return {
				cohortId,
				seedMs: performance.now() - started,
				convenings: plan.map((c) => ({ id: c.id, facilitator: strip(c.facilitator), members: c.members.map(strip) }))
			};
		},

		memory({ gc }): MemoryUsage {
			if (gc) {
				// Twice: the first pass may only finalise what the second frees.
				fullGc();
				fullGc();
			}
			const m = process.memoryUsage();
			return { heapUsedBytes: m.heapUsed, rssBytes: m.rss, externalBytes: m.external };
		},

		async roundsInfo() {
			const { db } = requireServer();
			const k = db.kysely;
			const count = async (q: Promise<{ n: string | number | bigint } | undefined>) => Number((await q)?.n ?? 0);
			return {
				rounds: await count(
					k
						.selectFrom('rounds')
						.select((eb) => eb.fn.countAll().as('n'))
						.executeTakeFirst()
				),
				closed: await count(
					k
						.selectFrom('rounds')
						.select((eb) => eb.fn.countAll().as('n'))
						.where('status', '=', 'closed')
						.executeTakeFirst()
				),
				groups: await count(
					k
						.selectFrom('round_groups')
						.select((eb) => eb.fn.countAll().as('n'))
						.executeTakeFirst()
				),
				assignments: await count(
					k
						.selectFrom('round_assignments')
						.select((eb) => eb.fn.countAll().as('n'))
						.executeTakeFirst()
				),
				groupBoards: await count(
					k
						.selectFrom('boards')
						.select((eb) => eb.fn.countAll().as('n'))
						.where('group_id', 'is not', null)
						.executeTakeFirst()
				),
				attendanceSpans: await count(
					k
						.selectFrom('attendance')
						.select((eb) => eb.fn.countAll().as('n'))
						.executeTakeFirst()
				)
			};
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
