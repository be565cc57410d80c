/**
 * Scale-out hop: what the cross-instance path adds, side by side with a single instance. Three
 * real Hearth processes (`npm start`'s server/main.ts) on PostgreSQL: S alone (no Redis), and A
 * and B sharing one Redis (a private key prefix, removed afterwards) and one database.
 *
 * - Board updates: a writer sets a Y.Map key holding its send time; readers time its arrival.
 *   Single: writer and reader on S. Same instance: writer and reader on A. Cross: writer on A,
 *   reader on B (A commits, publishes, B applies and relays) [SC2].
 * - Requests to the live convening: `hand:raise` / `hand:lower` acknowledgements from a socket on
 *   the convening's holder (A) and from one on B, forwarded to A over Redis [SC3].
 * - Round assignments: a facilitator on A opens a round (random groups of two, closed again at once
 *   after each); time from `round:open` sent to each member's `room:changed`, members on A and on B
 *   (the moves reach B through the socket.io Redis adapter) [SC1]; single: everyone on S.
 *
 * Standalone too: `npx tsx bench/scale-out.ts [--updates n] [--rounds n] [--members n]`.
 */
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { createClient } from 'redis';
import { createHearth } from '../server/app.ts';
import { systemClock } from '../server/clock.ts';
import { loadConfig } from '../server/config.ts';
import { openDb } from '../server/db/open.ts';
import { SESSION_COOKIE } from '../shared/session.ts';
import { PASSWORD, makeWorld } from '../tests/helpers/world.ts';
import { freePort, runHearth, type HearthProcess } from '../tests/helpers/process.ts';
import { openSocket, request, type ClientSocket } from '../tests/helpers/sockets.ts';
import { connectBoard, type Client } from '../tests/helpers/yjs.ts';
import { type Benchmark, Flags, freshStorage } from './lib/bench.ts';
import { cleanup, onCleanup, track } from './lib/cleanup.ts';
import { fmt, percentiles, table } from './lib/report.ts';
import { providerSynced, sleep, withDeadline } from './lib/wait.ts';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Seeded {
	conveningId: string;
	boardId: string;
	facilitator: string;
	members: string[];
	cookie: Map<string, string>;
}

/** A cohort with a facilitator, `members` members, a board and a convening, in fresh PostgreSQL storage. */
async function seed(members: number): Promise<{ env: Record<string, string>; seeded: Seeded }> {
	const storage = await freshStorage('postgres');
	const env = { DATA_DIR: storage.dataDir, DATABASE_URL: storage.databaseUrl! };
	const db = await openDb({ databaseUrl: storage.databaseUrl, dataDir: storage.dataDir });
	const hearth = createHearth({ config: loadConfig(env), db, clock: systemClock, logger: pino({ level: 'silent' }) });
	try {
		const w = await makeWorld(hearth);
		const ids = [w.users.member.id];
		for (let i = 2; i <= members; i++) {
			const { token } = await hearth.invites.create(w.users.facilitator, w.cohortA, { role: 'member' });
			const { user } = await hearth.invites.acceptAsNewUser(token, {
				name: `M${i}`,
				email: `m${i}@example.org`,
				password: PASSWORD,
				timeZone: 'UTC'
			});
			ids.push(user.id);
		}
		const cookie = new Map<string, string>();
		for (const id of [w.users.facilitator.id, ...ids]) cookie.set(id, `${SESSION_COOKIE}=${(await hearth.auth.createSession(id)).token}`);
		const board = await hearth.boards.create(w.users.facilitator, w.cohortA, { title: 'Bench' });
		return { env, seeded: { conveningId: w.conveningA, boardId: board.id, facilitator: w.users.facilitator.id, members: ids, cookie } };
	} finally {
		await hearth.close();
		await db.close();
	}
}

async function start(env: Record<string, string>): Promise<{ proc: HearthProcess; url: string }> {
	const proc = runHearth({ ...env, PORT: String(await freePort()), BOARD_IDLE_SECONDS: '60' });
	track(proc.child);
	return { proc, url: await withDeadline(proc.url, 120_000, 'Hearth to start') };
}

/** Board update latency writer → reader, `updates` updates `gapMs` apart. */
async function boardLatency(writer: Client, readers: Client[], updates: number, gapMs: number): Promise<number[][]> {
	const arrivals = readers.map(() => [] as number[]);
	readers.forEach((r, i) =>
		r.doc.getMap<number>('m').observe((e) => {
			const now = performance.now();
			for (const key of e.keysChanged) arrivals[i]!.push(now - r.doc.getMap<number>('m').get(key)!);
		})
	);
	for (let n = 0; n < updates; n++) {
		writer.doc.getMap<number>('m').set(`u${n}`, performance.now());
		await sleep(gapMs);
	}
	const deadline = performance.now() + 15_000;
	while (arrivals.some((a) => a.length < updates) && performance.now() < deadline) await sleep(20);
	return arrivals;
}

async function joined(url: string, s: Seeded, userId: string): Promise<ClientSocket> {
	const socket = await openSocket(url, s.cookie.get(userId)!);
	const r = await request(socket, 'convening:join', { conveningId: s.conveningId });
	if (!r.ok) throw new Error(`join failed: ${r.error.code}`);
	return socket;
}

/**
 * Acknowledgement round trip of a cheap request (hand:raise, then hand:lower), taking turns among
 * the sockets so that none goes past its 10 requests a second [SIO4].
 */
async function requestLatency(sockets: ClientSocket[], count: number): Promise<number[]> {
	const out: number[] = [];
	for (let i = 0; i < count; i++) {
		const socket = sockets[i % sockets.length]!;
		const event = Math.floor(i / sockets.length) % 2 ? 'hand:lower' : 'hand:raise';
		const t = performance.now();
		const r = await request(socket, event, {});
		if (!r.ok) throw new Error(`${event} failed: ${r.error.code}`);
		out.push(performance.now() - t);
		await sleep(Math.ceil(150 / sockets.length));
	}
	return out;
}

/** `rounds` rounds opened by `fac`: latency round:open → room:changed for each member socket (two groups' worth). */
async function roundLatency(fac: ClientSocket, members: ClientSocket[][], rounds: number): Promise<number[][]> {
	const out = members.map(() => [] as number[]);
	for (let n = 0; n < rounds; n++) {
		const t = performance.now();
		const moved = members.map((group, g) =>
			group.map(
				(s) =>
					new Promise<void>((resolve) =>
						s.once('room:changed', () => {
							out[g]!.push(performance.now() - t);
							resolve();
						})
					)
			)
		);
		const opened = await request(fac, 'round:open', { kind: 'open', grouping: { kind: 'random-size', size: 2 }, durationMinutes: 30 });
		if (!opened.ok) throw new Error(`round:open failed: ${opened.error.code} ${opened.error.message}`);
		await withDeadline(Promise.all(moved.flat()), 15_000, 'everyone to be moved');
		const back = members.flat().map((s) => new Promise<void>((resolve) => s.once('room:changed', () => resolve())));
		const closed = await request(fac, 'round:close', { mode: 'now' });
		if (!closed.ok) throw new Error(`round:close failed: ${closed.error.code}`);
		await withDeadline(Promise.all(back), 15_000, 'everyone to come back');
	}
	return out;
}

export const scaleOut: Benchmark = {
	name: 'scale-out',
	summary: 'latency added by the cross-instance hop (Redis): board updates, convening requests, round moves; vs one instance',
	flags: {
		updates: { help: 'board updates per path', default: 300 },
		rounds: { help: 'rounds opened (and closed) per setup', default: 15 },
		members: { help: 'members in the convening (half on each instance when scaled out)', default: 8 }
	},

	async run(flags) {
		const updates = flags.int('updates', 10, 100_000);
		const rounds = flags.int('rounds', 1, 500);
		const members = flags.int('members', 2, 100);
		const prefix = `hearth-bench-${process.pid}-${Date.now().toString(36)}:`;
		onCleanup(async () => {
			const redis = createClient({ url: REDIS_URL });
			redis.on('error', () => {});
			await redis.connect();
			for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (batch.length) await redis.del(batch);
			await redis.close();
		});
		const clients: Client[] = [];
		const sockets: ClientSocket[] = [];
		try {
			// One instance alone.
			const single = await seed(members);
			const S = await start(single.env);
			const boardOn = (url: string, s: Seeded, userId: string) => {
				const c = connectBoard(url, s.boardId, { cookie: s.cookie.get(userId)! });
				clients.push(c);
				return c;
			};
			const sw = boardOn(S.url, single.seeded, single.seeded.facilitator);
			const sr = boardOn(S.url, single.seeded, single.seeded.members[0]!);
			await Promise.all([sw, sr].map((c) => withDeadline(providerSynced(c.provider), 30_000, 'sync')));
			await boardLatency(sw, [sr], 20, 5); // warm-up
			const [singleBoard] = await boardLatency(sw, [sr], updates, 10);
			const sFac = await joined(S.url, single.seeded, single.seeded.facilitator);
			sockets.push(sFac);
			await request(sFac, 'convening:phase', { phase: 'live' });
			const sMembers: ClientSocket[] = [];
			for (const m of single.seeded.members) sMembers.push(await joined(S.url, single.seeded, m));
			sockets.push(...sMembers);
			const half = Math.ceil(members / 2);
			await requestLatency(sMembers.slice(0, half), 20);
			const singleRequest = await requestLatency(sMembers.slice(0, half), 200);
			await roundLatency(sFac, [sMembers], 2);
			const [singleRounds] = await roundLatency(sFac, [sMembers], rounds);

			// Two instances on one Redis.
			const scaled = await seed(members);
			const env = { ...scaled.env, REDIS_URL, REDIS_PREFIX: prefix };
			const A = await start(env);
			const B = await start(env);
			const s = scaled.seeded;
			const aw = boardOn(A.url, s, s.facilitator);
			const ar = boardOn(A.url, s, s.members[0]!);
			const br = boardOn(B.url, s, s.members[1]!);
			await Promise.all([aw, ar, br].map((c) => withDeadline(providerSynced(c.provider), 30_000, 'sync')));
			await boardLatency(aw, [ar, br], 20, 5);
			const [sameBoard, crossBoard] = await boardLatency(aw, [ar, br], updates, 10);

			const aFac = await joined(A.url, s, s.facilitator); // the first to ask: A holds the convening
			sockets.push(aFac);
			await request(aFac, 'convening:phase', { phase: 'live' });
			const onA: ClientSocket[] = [];
			const onB: ClientSocket[] = [];
			for (const [i, m] of s.members.entries()) (i < half ? onA : onB).push(await joined(i < half ? A.url : B.url, s, m));
			sockets.push(...onA, ...onB);
			await requestLatency(onA, 20);
			await requestLatency(onB, 20);
			const holderRequest = await requestLatency(onA, 200);
			const forwardedRequest = await requestLatency(onB, 200);
			await roundLatency(aFac, [onA, onB], 2);
			const [roundsA, roundsB] = await roundLatency(aFac, [onA, onB], rounds);

			const row = (what: string, values: number[] | undefined) => {
				const v = values ?? [];
				const [p50, p99, max] = percentiles([...v], [50, 99, 100]);
				return [what, String(v.length), `${fmt(p50!)} ms`, `${fmt(p99!)} ms`, `${fmt(max!)} ms`];
			};
			return [
				`### scale-out`,
				'',
				`PostgreSQL storage; Redis at ${REDIS_URL.replace(/\/\/[^@]*@/, '//')}; ${members} members; board updates every 10 ms; ` +
					`all processes on this machine (the hop is loopback: what it adds is Redis and the extra process, not a network).`,
				'',
				table(
					['path', 'samples', 'p50', 'p99', 'max'],
					[
						row('board update, single instance (S → S)', singleBoard),
						row('board update, scaled, same instance (A → A)', sameBoard),
						row('board update, scaled, cross instance (A → B)', crossBoard),
						row('convening request, single instance', singleRequest),
						row('convening request, scaled, on the holder (A)', holderRequest),
						row('convening request, scaled, forwarded (B → A)', forwardedRequest),
						row('round open → room:changed, single instance', singleRounds),
						row('round open → room:changed, scaled, members on the holder (A)', roundsA),
						row('round open → room:changed, scaled, members on B', roundsB)
					]
				)
			].join('\n');
		} finally {
			for (const c of clients) c.destroy();
			for (const so of sockets) so.disconnect();
			await cleanup();
		}
	}
};

// `npx tsx bench/scale-out.ts`: run it on its own.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	const args = process.argv.slice(2);
	const values: Record<string, string | undefined> = {};
	for (let i = 0; i < args.length; i += 2) values[(args[i] ?? '').replace(/^--/, '')] = args[i + 1];
	scaleOut
		.run(new Flags(values, scaleOut.flags))
		.then((report) => {
			console.log(report);
			process.exit(0);
		})
		.catch(async (err: unknown) => {
			console.error(err);
			await cleanup();
			process.exit(1);
		});
}
