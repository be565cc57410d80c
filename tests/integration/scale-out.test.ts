/**
 * Scale-out: two Hearth instances as real child processes on one Redis and one PostgreSQL, with
 * stock y-websocket providers and socket.io clients, one per instance where it matters. Timers run
 * on the real clock with short settings (REDIS_LEASE_SECONDS=2, WIND_DOWN_SECONDS=8).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import pg from 'pg';
import { createClient } from 'redis';
import * as Y from 'yjs';
import { createHearth } from '../../server/app.ts';
import { systemClock } from '../../server/clock.ts';
import { loadConfig } from '../../server/config.ts';
import { redisLeases } from '../../server/scale/lease.ts';
import type { User } from '../../server/auth/users.store.ts';
import type { ConveningState, JoinResult, RoundView } from '../../shared/live.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { freshDb } from '../helpers/server.ts';
import { freePort, runHearth, type HearthProcess } from '../helpers/process.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';
import { connectBoard, eventually, synced, until, type Client } from '../helpers/yjs.ts';
import { nextEvent, openSocket, request, stateWhere, type ClientSocket } from '../helpers/sockets.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const WIND_DOWN_SECONDS = 8;

const keys = (c: Client) => new Set(c.doc.getMap<number>('m').keys());
const prefixFor = (what: string) => `hearth-test-${what}-${process.pid}-${Math.random().toString(36).slice(2, 8)}:`;

/** Deletes every Redis key under a prefix (the test's own, never anything else). */
async function dropKeys(url: string, prefix: string): Promise<void> {
	const redis = createClient({ url });
	redis.on('error', () => {});
	await redis.connect();
	try {
		for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (batch.length) await redis.del(batch);
	} finally {
		await redis.close();
	}
}

/** A cohort with a facilitator and five members, a board, and session cookies; the storage is then handed to the instances. */
async function seed(fresh: Awaited<ReturnType<typeof freshDb>>) {
	const hearth = createHearth({
		config: loadConfig({ DATA_DIR: fresh.dataDir, DATABASE_URL: fresh.databaseUrl! }),
		db: fresh.db,
		clock: systemClock,
		logger: pino({ level: 'silent' })
	});
	const w = await makeWorld(hearth);
	const members: User[] = [w.users.member];
	for (let i = 2; i <= 5; i++) {
		const { token } = await hearth.invites.create(w.users.facilitator, w.cohortA, { role: 'member' });
		const { user } = await hearth.invites.acceptAsNewUser(token, {
			name: `Member ${i}`,
			email: `m${i}@example.org`,
			password: PASSWORD,
			timeZone: 'UTC'
		});
		members.push(user);
	}
	const cookies = new Map<string, string>();
	for (const u of [w.users.facilitator, ...members])
		cookies.set(u.id, `${SESSION_COOKIE}=${(await hearth.auth.createSession(u.id)).token}`);
	const board = await hearth.boards.create(w.users.facilitator, w.cohortA, { title: 'Shared map' });
	await hearth.close();
	await fresh.db.close();
	return { w, members, cookies, boardId: board.id };
}

async function stop(proc: HearthProcess | undefined): Promise<void> {
	if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
	proc.child.kill('SIGTERM');
	const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
	await proc.exited;
	clearTimeout(timer);
}

describe('scale-out: two instances on one Redis and one PostgreSQL', () => {
	let fresh: Awaited<ReturnType<typeof freshDb>>;
	let world: Awaited<ReturnType<typeof seed>>;
	let w: World;
	let prefix: string;
	let A: HearthProcess | undefined;
	let B: HearthProcess | undefined;
	let urlA: string;
	let urlB: string;
	const clients: Client[] = [];
	const sockets: ClientSocket[] = [];

	const board = (url: string, user: User, boardId = world.boardId, doc?: Y.Doc) => {
		const c = connectBoard(url, boardId, { cookie: world.cookies.get(user.id)!, ...(doc ? { doc } : {}) });
		clients.push(c);
		return c;
	};
	async function join(url: string, user: User): Promise<{ socket: ClientSocket; result: JoinResult }> {
		const socket = await openSocket(url, world.cookies.get(user.id)!);
		sockets.push(socket);
		const r = await request<JoinResult>(socket, 'convening:join', { conveningId: w.conveningA });
		if (!r.ok) throw new Error(`join failed: ${r.error.code} ${r.error.message}`);
		return { socket, result: r.data };
	}
	const holderOf = async (name: string) => {
		const redis = createClient({ url: REDIS_URL });
		await redis.connect();
		try {
			return await redis.get(`${prefix}lease:${name}`);
		} finally {
			await redis.close();
		}
	};

	beforeAll(async () => {
		fresh = await freshDb('postgres');
		prefix = prefixFor('so');
		const env = {
			DATA_DIR: fresh.dataDir,
			DATABASE_URL: fresh.databaseUrl!,
			REDIS_URL,
			REDIS_PREFIX: prefix,
			REDIS_LEASE_SECONDS: '2',
			WIND_DOWN_SECONDS: String(WIND_DOWN_SECONDS),
			BOARD_COMPACT_EVERY: '25'
		};
		// A boots while the storage is seeded (the database is migrated already); B after A: a process
		// that finds the web build stale rebuilds it, and two must not do that at once.
		A = runHearth({ ...env, PORT: String(await freePort()) });
		[world, urlA] = await Promise.all([seed(fresh), A.url]);
		w = world.w;
		B = runHearth({ ...env, PORT: String(await freePort()) });
		urlB = await B.url;
	}, 60_000);

	afterAll(async () => {
		for (const c of clients.splice(0)) c.destroy();
		for (const s of sockets.splice(0)) s.disconnect();
		await Promise.all([stop(A), stop(B)]);
		await fresh?.cleanup();
		if (prefix) await dropKeys(REDIS_URL, prefix);
	}, 30_000);

	it('[SC8] /healthz reports that Redis answers', async () => {
		const res = await fetch(`${urlA}/healthz`);
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			ok: true,
			storage: { engine: 'postgres', ok: true },
			services: { redis: true },
			redis: { ok: true }
		});
	});

	it('[SC2][BD1] a board edited through both instances converges, and a newcomer on either finds all of it', async () => {
		const a = board(urlA, w.users.facilitator);
		const b = board(urlB, w.users.member);
		await Promise.all([synced(a), synced(b)]);
		for (let n = 0; n < 40; n++) {
			a.doc.getMap('m').set(`a${n}`, n);
			b.doc.getMap('m').set(`b${n}`, n);
		}
		await until([a.doc, b.doc], () => keys(a).size === 80 && keys(b).size === 80, 15_000, 'both sides to have all 80 edits');
		// More than BOARD_COMPACT_EVERY updates: the lease holder has folded the log [SC5]; a newcomer still gets everything.
		for (const url of [urlA, urlB]) {
			const newcomer = board(url, world.members[1]!, world.boardId, new Y.Doc());
			await synced(newcomer);
			await until([newcomer.doc], () => keys(newcomer).size === 80, 10_000, 'the newcomer to have everything');
		}
		// [SC5] One instance holds the board's lease, and its snapshot folds a prefix of the log that contains everything up to its watermark.
		expect(await holderOf(`board:${world.boardId}`)).toMatch(new RegExp(`-(${A!.child.pid}|${B!.child.pid})-`));
		const db = new pg.Client({ connectionString: fresh.databaseUrl });
		await db.connect();
		try {
			const snap = await db.query<{ data: Buffer; upto_id: string }>('select data, upto_id from board_snapshots where board_id = $1', [
				world.boardId
			]);
			expect(snap.rows).toHaveLength(1);
			const folded = new Y.Doc();
			Y.applyUpdate(folded, snap.rows[0]!.data);
			const upto = Number(snap.rows[0]!.upto_id);
			const before = await db.query<{ data: Buffer }>('select data from board_updates where board_id = $1 and id <= $2 order by id', [
				world.boardId,
				upto
			]);
			const replayed = new Y.Doc();
			for (const r of before.rows) Y.applyUpdate(replayed, r.data);
			for (const k of replayed.getMap('m').keys()) expect(folded.getMap('m').has(k)).toBe(true);
		} finally {
			await db.end();
		}
	});

	it('[SC2][BD6] awareness crosses instances, and disappears everywhere when its connection closes', async () => {
		const a = board(urlA, w.users.facilitator);
		const b = board(urlB, world.members[2]!);
		await Promise.all([synced(a), synced(b)]);
		a.provider.awareness.setLocalStateField('user', { name: 'Fran on A' });
		b.provider.awareness.setLocalStateField('user', { name: 'Mel on B' });
		const names = (c: Client) => [...c.provider.awareness.getStates().values()].map((s) => (s as { user?: { name?: string } }).user?.name);
		await eventually(() => names(b).includes('Fran on A') && names(a).includes('Mel on B'), 10_000, 'awareness on both sides');
		// A newcomer on B hears about A's cursor at once (B asked A when it loaded, or relays what it has).
		const late = board(urlB, world.members[3]!);
		await synced(late);
		await eventually(() => names(late).includes('Fran on A'), 10_000, 'the newcomer to see A');
		a.destroy();
		await eventually(() => !names(b).includes('Fran on A') && !names(late).includes('Fran on A'), 10_000, 'A to disappear');
	});

	// Shared by the round tests below: the facilitator and member 1 on A, members 2-5 on B.
	let fac: ClientSocket;
	let onA: ClientSocket;
	const onB = new Map<string, ClientSocket>();
	let round: RoundView;

	it('[SC3][SC4][SC1] a facilitator on A opens a round: members on B are moved; the roster merges both instances', async () => {
		fac = (await join(urlA, w.users.facilitator)).socket;
		expect(await request(fac, 'convening:phase', { phase: 'live' })).toEqual({ ok: true, data: null });
		// The first request took the convening's lease: A holds it.
		expect(await holderOf(`convening:${w.conveningA}`)).toContain(`-${A!.child.pid}-`);
		onA = (await join(urlA, world.members[0]!)).socket;
		for (const m of world.members.slice(1)) onB.set(m.id, (await join(urlB, m)).socket);

		// [SC4] Everyone is connected in the state the facilitator (on A) sees, whichever instance they came through.
		const everyone = (s: ConveningState) => world.members.every((m) => s.roster.find((p) => p.userId === m.id)?.connected);
		const snapshotOk = await request<JoinResult>(onB.get(world.members[4]!.id)!, 'convening:join', { conveningId: w.conveningA });
		expect(snapshotOk.ok && everyone(snapshotOk.data.state)).toBe(true);

		const [m1, m2, m3, m4, m5] = world.members.map((m) => m.id) as [string, string, string, string, string];
		const moves = [...onB.values()].map((s) => nextEvent(s, 'room:changed'));
		const seen = stateWhere(onB.get(m5)!, (s) => s.round !== null);
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: {
				kind: 'manual',
				groups: [
					{ name: 'Harbour', memberIds: [m1, m2, m3] },
					{ name: 'Hills', memberIds: [m4, m5] }
				]
			},
			durationMinutes: 10
		});
		if (!opened.ok) throw new Error(opened.error.message);
		round = opened.data;
		const changes = await Promise.all(moves);
		const groupOf = (id: string) => round.groups.find((g) => g.memberIds.includes(id))!.id;
		expect(changes.map((c) => c.room)).toEqual([m2, m3, m4, m5].map(groupOf));
		expect((await seen).round?.id).toBe(round.id);

		// Chat within a group reaches its members on both instances, and nobody else.
		const heardOnA = nextEvent(onA, 'chat:message');
		const sent = await request(onB.get(m2)!, 'chat:send', { body: 'hello from B' });
		expect(sent.ok).toBe(true);
		expect(await heardOnA).toMatchObject({ body: 'hello from B', room: groupOf(m1) });
	});

	it('[SC3][BR5][SC2] A is killed during a wind-down: B takes the convening over, its timer fires on B, and a client of A reconnects to B with nothing lost', async () => {
		const [m1, m2] = [world.members[0]!, world.members[1]!];
		const group = round.groups.find((g) => g.memberIds.includes(m1.id))!;
		// Member 1 draws on the group board through A, member 2 watches through B.
		const drawer = board(urlA, m1, group.boardId!);
		const watcher = board(urlB, m2, group.boardId!);
		await Promise.all([synced(drawer), synced(watcher)]);
		for (let n = 0; n < 10; n++) drawer.doc.getMap('m').set(`before${n}`, n);
		await until([watcher.doc], () => keys(watcher).size === 10, 10_000, 'the watcher on B to see the drawing');

		const closing = stateWhere(onB.get(m2.id)!, (s) => s.round?.status === 'closing');
		expect(await request(fac, 'round:close', { mode: 'wind-down' })).toEqual({ ok: true, data: null });
		const closesAt = Date.parse((await closing).round!.closesAt!);
		expect(closesAt - Date.now()).toBeGreaterThan((WIND_DOWN_SECONDS - 3) * 1000);
		const backOnB = [...onB.values()].map((s) => nextEvent(s, 'room:changed', 30_000));

		A!.child.kill('SIGKILL');
		await A!.exited;
		// Offline: member 1 keeps drawing; their provider holds it.
		for (let n = 0; n < 5; n++) drawer.doc.getMap('m').set(`offline${n}`, n);

		// Member 1 comes back through B: same group, the round still winding down.
		const again = await join(urlB, m1);
		expect(again.result.me.room).toBe(group.id);
		expect(again.result.state.round).toMatchObject({ id: round.id, status: 'closing', closesAt: new Date(closesAt).toISOString() });
		expect(await holderOf(`convening:${w.conveningA}`)).toContain(`-${B!.child.pid}-`);
		// Their board too: the same doc, a provider on B; the watcher gets the offline drawing.
		drawer.provider.destroy();
		const back = board(urlB, m1, group.boardId!, drawer.doc);
		await synced(back);
		await until([watcher.doc], () => keys(watcher).size === 15, 10_000, 'the offline drawing to reach the watcher');
		const newcomer = board(urlB, world.members[2]!, group.boardId!, new Y.Doc());
		await synced(newcomer);
		expect(keys(newcomer)).toEqual(keys(back));

		// The wind-down's timer fires on B, on time: everyone, on B now, is back in the main room.
		const home = nextEvent(again.socket, 'room:changed', 30_000);
		const moved = await Promise.all([...backOnB, home]);
		expect(Date.now()).toBeGreaterThanOrEqual(closesAt - 100);
		expect(moved.every((m) => m.room === 'main')).toBe(true);
		expect(B!.output()).toMatch(/holding the convening/);
		const state = await request<JoinResult>(again.socket, 'convening:join', { conveningId: w.conveningA });
		expect(state.ok && state.data.state.round).toBeNull();
	}, 60_000);
});

describe('scale-out: a Redis outage', () => {
	let fresh: Awaited<ReturnType<typeof freshDb>>;
	let world: Awaited<ReturnType<typeof seed>>;
	let redisPort: number;
	let redis: ChildProcess | undefined;
	let C: HearthProcess | undefined;
	let D: HearthProcess | undefined;
	const clients: Client[] = [];
	const sockets: ClientSocket[] = [];

	/** A private redis-server (never the machine's shared one), started and stopped by this test. */
	async function startRedis(): Promise<void> {
		redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
			stdio: 'ignore'
		});
		await eventually(
			async () => {
				const c = createClient({ url: `redis://127.0.0.1:${redisPort}`, socket: { reconnectStrategy: false } });
				c.on('error', () => {});
				try {
					await c.connect();
					await c.close();
					return true;
				} catch {
					return false;
				}
			},
			10_000,
			'redis-server to start'
		);
	}
	async function stopRedis(): Promise<void> {
		if (!redis || redis.exitCode !== null || redis.signalCode !== null) return;
		const exited = new Promise((r) => redis!.once('exit', r));
		redis.kill('SIGKILL');
		await exited;
	}

	beforeAll(async () => {
		fresh = await freshDb('postgres');
		redisPort = await freePort();
		await startRedis();
		const env = {
			DATA_DIR: fresh.dataDir,
			DATABASE_URL: fresh.databaseUrl!,
			REDIS_URL: `redis://127.0.0.1:${redisPort}`,
			REDIS_PREFIX: prefixFor('outage'),
			REDIS_LEASE_SECONDS: '2'
		};
		C = runHearth({ ...env, PORT: String(await freePort()) });
		[world] = await Promise.all([seed(fresh), C.url]);
		D = runHearth({ ...env, PORT: String(await freePort()) });
		await D.url;
	}, 60_000);

	afterAll(async () => {
		for (const c of clients.splice(0)) c.destroy();
		for (const s of sockets.splice(0)) s.disconnect();
		await Promise.all([stop(C), stop(D)]);
		await stopRedis();
		await fresh?.cleanup();
	}, 30_000);

	it('[SC6] with Redis stopped an instance keeps serving its own clients; when it returns, cross-instance traffic resumes and catches up', async () => {
		const [urlC, urlD] = [await C!.url, await D!.url];
		const { w, cookies, boardId } = world;
		const open = (url: string, user: User) => {
			const c = connectBoard(url, boardId, { cookie: cookies.get(user.id)! });
			clients.push(c);
			return c;
		};
		const c1 = open(urlC, w.users.facilitator);
		const c2 = open(urlC, world.members[1]!);
		const d1 = open(urlD, w.users.member);
		await Promise.all([synced(c1), synced(c2), synced(d1)]);
		c1.doc.getMap('m').set('before', 1);
		await until([c2.doc, d1.doc], () => keys(c2).has('before') && keys(d1).has('before'), 10_000, 'the first edit everywhere');
		// The facilitator is in the convening through C, which holds it.
		const fac = await openSocket(urlC, cookies.get(w.users.facilitator.id)!);
		sockets.push(fac);
		expect((await request(fac, 'convening:join', { conveningId: w.conveningA })).ok).toBe(true);

		await stopRedis();
		await eventually(() => /redis: connection lost/.test(C!.output()), 10_000, 'C to notice');
		// Longer than a lease's term: C no longer holds the convening (nobody can) [SC3].
		await eventually(() => /"lease":"convening:[^"]+","msg":"lease lost"/.test(C!.output()), 10_000, 'C to give the convening up');
		expect(await request(fac, 'hand:raise')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
		// C's own clients still edit together, and C stores it; D's client edits on D.
		c1.doc.getMap('m').set('during-c', 1);
		d1.doc.getMap('m').set('during-d', 1);
		await until([c2.doc], () => keys(c2).has('during-c'), 10_000, 'the edit on C to reach C’s other client');
		const health = (await (await fetch(`${urlC}/healthz`)).json()) as { ok: boolean; redis?: { ok: boolean } };
		expect(health).toMatchObject({ ok: true, redis: { ok: false } });
		// Sign-in sessions and socket.io connections on C keep working.
		const socket = await openSocket(urlC, cookies.get(w.users.facilitator.id)!);
		const me = await socket.timeout(5_000).emitWithAck('session:whoami');
		socket.disconnect();
		expect(me.ok && me.data.userId).toBe(w.users.facilitator.id);
		expect(keys(d1).has('during-c')).toBe(false);

		await startRedis();
		// Both sides catch up from storage, then edit across again.
		await until(
			[c1.doc, c2.doc, d1.doc],
			() => [c1, c2, d1].every((c) => keys(c).has('during-c') && keys(c).has('during-d')),
			20_000,
			'the edits made during the outage everywhere'
		);
		d1.doc.getMap('m').set('after', 1);
		await until([c1.doc], () => keys(c1).has('after'), 10_000, 'a new edit on D to reach C');
		expect(C!.output()).toMatch(/redis: connected again/);
		// The convening is held again (C has a socket in it) and answers.
		let raised: Awaited<ReturnType<typeof request>> | undefined;
		await eventually(async () => (raised = await request(fac, 'hand:raise')).ok, 10_000, 'the convening to answer again');
		expect(raised).toEqual({ ok: true, data: null });
	}, 60_000);

	it('[SC4] when an instance dies, the people connected through it leave the roster held elsewhere', async () => {
		const { w, cookies } = world;
		const fac = await openSocket(await C!.url, cookies.get(w.users.facilitator.id)!);
		sockets.push(fac);
		expect((await request(fac, 'convening:join', { conveningId: w.conveningA })).ok).toBe(true);
		expect((await request(fac, 'convening:phase', { phase: 'live' })).ok).toBe(true);
		const connected = (s: ConveningState) => s.roster.find((p) => p.userId === w.users.member.id)?.connected;
		const arrived = stateWhere(fac, (s) => connected(s) === true);
		const member = await openSocket(await D!.url, cookies.get(w.users.member.id)!);
		sockets.push(member);
		expect((await request(member, 'convening:join', { conveningId: w.conveningA })).ok).toBe(true);
		await arrived;
		const gone = stateWhere(fac, (s) => connected(s) === false, 15_000);
		D!.child.kill('SIGKILL');
		await gone;
	}, 30_000);
});

describe('scale-out: leases', () => {
	it('[SC3] a lease is held by one instance at a time and passes on when its holder stops renewing', async () => {
		const prefix = prefixFor('lease');
		const logger = pino({ level: 'silent' });
		const clientA = createClient({ url: REDIS_URL });
		const clientB = createClient({ url: REDIS_URL });
		clientA.on('error', () => {});
		clientB.on('error', () => {});
		await Promise.all([clientA.connect(), clientB.connect()]);
		const a = redisLeases({ redis: clientA, prefix, instanceId: 'a', ttlMs: 600, logger });
		const b = redisLeases({ redis: clientB, prefix, instanceId: 'b', ttlMs: 600, logger });
		try {
			expect(await a.acquire('x')).toBe(true);
			expect(await b.acquire('x')).toBe(false);
			expect(await b.holders(['x', 'y'])).toEqual(['a', null]);
			// Renewed past its first term while A lives.
			await new Promise((r) => setTimeout(r, 1_000));
			expect(a.held('x')).toBe(true);
			expect(await b.acquire('x')).toBe(false);
			// A dies (its connection is gone): A stops believing it holds the lease, and B gets it after the term.
			const lost = new Promise<string>((resolve) => a.onLost(resolve));
			clientA.destroy();
			expect(await lost).toBe('x');
			await eventually(() => b.acquire('x'), 3_000, 'B to take the lease');
			expect(b.held('x')).toBe(true);
			await b.release('x');
			expect(await b.holders(['x'])).toEqual([null]);
		} finally {
			await a.close();
			await b.close();
			if (clientB.isOpen) await clientB.close();
			await dropKeys(REDIS_URL, prefix);
		}
	});
});
