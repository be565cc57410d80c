/**
 * Faults (docs/PROTOCOL.md, "Faults"): the server killed mid-edit and mid-round [FT1], a client's
 * network dropped for 30 s while it keeps editing [FT2], and storage briefly unavailable [ST1]-[ST4].
 * Real processes, real stock providers and socket.io clients, real SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import * as Y from 'yjs';
import { createHearth } from '../../server/app.ts';
import { systemClock } from '../../server/clock.ts';
import { loadConfig } from '../../server/config.ts';
import type { User } from '../../server/auth/users.store.ts';
import type { JoinResult, RoundView } from '../../shared/live.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { freshDb, startTestServer, type TestServer } from '../helpers/server.ts';
import { freePort, runHearth, type HearthProcess } from '../helpers/process.ts';
import { PG_ADMIN_URL } from '../helpers/pg.ts';
import { openSocket, request, type ClientSocket } from '../helpers/sockets.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { Visitor } from '../helpers/http.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';
import { connectBoard, eventually, synced, until, type Client } from '../helpers/yjs.ts';

const keys = (c: Client) => new Set(c.doc.getMap<number>('m').keys());
const missing = (want: Iterable<string>, have: Set<string>) => [...want].filter((k) => !have.has(k));

/** The keys a client received from the server (not its own edits): what it has *seen*. */
function received(c: Client): Set<string> {
	const seen = new Set<string>();
	c.doc.getMap('m').observe((e) => {
		if (e.transaction.origin === c.provider) for (const k of e.keysChanged) seen.add(k);
	});
	return seen;
}

/** Edits `m` on each client every `ms`: keys `<prefix><i>-<n>`; returns a stop function. */
function keepEditing(clients: Client[], prefix: string, ms: number): () => void {
	let n = 0;
	const timer = setInterval(() => {
		clients.forEach((c, i) => c.doc.getMap('m').set(`${prefix}${i}-${n}`, n));
		n++;
	}, ms);
	return () => clearInterval(timer);
}

async function addMembers(h: ReturnType<typeof createHearth>, w: World, count: number): Promise<User[]> {
	const out: User[] = [];
	for (let i = 1; i <= count; i++) {
		const { token } = await h.invites.create(w.users.facilitator, w.cohortA, { role: 'member' });
		const { user } = await h.invites.acceptAsNewUser(token, {
			name: `Member ${i}`,
			email: `fault${i}@example.org`,
			password: PASSWORD,
			timeZone: 'UTC'
		});
		out.push(user);
	}
	return out;
}

async function joined(url: string, cookie: string, conveningId: string): Promise<{ socket: ClientSocket; result: JoinResult }> {
	const socket = await openSocket(url, cookie);
	const r = await request<JoinResult>(socket, 'convening:join', { conveningId });
	if (!r.ok) throw new Error(`join failed: ${r.error.code}`);
	return { socket, result: r.data };
}

describe.each(['sqlite', 'postgres'] as const)('[FT1] the server killed while a board is edited and a round runs, on %s', (engine) => {
	let fresh: Awaited<ReturnType<typeof freshDb>>;
	let env: Record<string, string>;
	let w: World;
	let members: User[];
	let boardId: string;
	let tokens: string[];
	const cookies = new Map<string, string>();
	let proc: HearthProcess | undefined;
	const clients: Client[] = [];
	const sockets: ClientSocket[] = [];

	beforeEach(async () => {
		fresh = await freshDb(engine);
		env = {
			PORT: String(await freePort()),
			DATA_DIR: fresh.dataDir,
			...(fresh.databaseUrl ? { DATABASE_URL: fresh.databaseUrl } : {})
		};
		// Seed through the real services, then hand the storage to the server process.
		const seed = createHearth({ config: loadConfig(env), db: fresh.db, clock: systemClock, logger: pino({ level: 'silent' }) });
		w = await makeWorld(seed);
		members = [w.users.member, ...(await addMembers(seed, w, 5))];
		for (const u of [w.users.facilitator, ...members])
			cookies.set(u.id, `${SESSION_COOKIE}=${(await seed.auth.createSession(u.id)).token}`);
		boardId = (await seed.boards.create(w.users.facilitator, w.cohortA, { title: 'Our map' })).id;
		tokens = [];
		for (let i = 0; i < 11; i++) tokens.push((await seed.boards.mintToken(i % 2 ? w.users.member : w.users.facilitator, boardId)).token);
		await seed.close();
		await fresh.db.close();
	});
	afterEach(async () => {
		for (const s of sockets.splice(0)) s.disconnect();
		for (const c of clients.splice(0)) c.destroy();
		proc?.child.kill('SIGKILL');
		await proc?.exited;
		await fresh.cleanup();
	});

	it('[FT1][BD1][BR5] SIGKILL: everything any client had received is stored; the round resumes with its deadline; everyone gets the full state back', async () => {
		proc = runHearth(env);
		const url = await proc.url;

		// A live convening with a breakout round running.
		const fac = await joined(url, cookies.get(w.users.facilitator.id)!, w.conveningA);
		sockets.push(fac.socket);
		expect(await request(fac.socket, 'convening:phase', { phase: 'live' })).toEqual({ ok: true, data: null });
		for (const m of members) sockets.push((await joined(url, cookies.get(m.id)!, w.conveningA)).socket);
		const opened = await request<RoundView>(fac.socket, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-count', count: 2 },
			prompt: 'What holds the pattern in place?',
			durationMinutes: 30
		});
		if (!opened.ok) throw new Error(opened.error.code);
		const round = opened.data;
		const groupOf = (userId: string) => round.groups.find((g) => g.memberIds.includes(userId))!.id;
		// Something said in a group before the crash.
		const said = await request(sockets[1]!, 'chat:send', { body: 'Said before the crash' });
		expect(said.ok).toBe(true);

		// Ten stock providers editing one board.
		const editors = tokens.slice(0, 10).map((token) => connectBoard(url, boardId, { token }));
		clients.push(...editors);
		const seen = editors.map(received);
		await Promise.all(editors.map(synced));
		const stop = keepEditing(editors, 'c', 50);
		// Kill while edits are in flight, once every client has received a good share of the others' edits.
		await eventually(() => seen.every((s) => s.size >= 150), 60_000, 'every client to have received 150 edits');
		proc.child.kill('SIGKILL');
		stop();
		await proc.exited;
		// Freeze what each client had seen; keep the providers off until the stored state is checked.
		const seenAtKill = seen.map((s) => new Set(s));
		for (const c of editors) c.provider.disconnect();

		proc = runHearth(env);
		await proc.url;
		const reader = connectBoard(url, boardId, { token: tokens[10]!, doc: new Y.Doc() });
		clients.push(reader);
		await synced(reader);
		const stored = keys(reader);
		seenAtKill.forEach((s, i) => expect(missing(s, stored), `client ${i}: seen before the kill, missing after`).toEqual([]));

		// The round resumed: same round, same deadline, same groups; each member lands back in their group.
		const facAgain = await joined(url, cookies.get(w.users.facilitator.id)!, w.conveningA);
		sockets.push(facAgain.socket);
		const resumed = facAgain.result.state.round!;
		expect(resumed).toMatchObject({ id: round.id, deadlineAt: round.deadlineAt, status: 'open' });
		expect(resumed.groups.map((g) => [g.id, [...g.memberIds].sort()])).toEqual(round.groups.map((g) => [g.id, [...g.memberIds].sort()]));
		for (const m of members) {
			const again = await joined(url, cookies.get(m.id)!, w.conveningA);
			sockets.push(again.socket);
			expect(again.result.me.room, m.name).toBe(groupOf(m.id));
			expect(again.result.state.round?.deadlineAt).toBe(round.deadlineAt);
			if (m.id === members[0]!.id) expect(again.result.chat.map((c) => c.body)).toContain('Said before the crash');
		}

		// The providers reconnect: every edit, including those the server never got, reaches everyone.
		for (const c of editors) c.provider.connect();
		const all = new Set(editors.flatMap((c) => [...keys(c)]));
		await until(
			[reader.doc, ...editors.map((c) => c.doc)],
			() => [reader, ...editors].every((c) => keys(c).size === all.size),
			60_000,
			'everyone to converge after the restart'
		);
		for (const c of [reader, ...editors]) expect(missing(all, keys(c))).toEqual([]);
	});
});

describe('[FT2] a client whose network drops for 30 s while it keeps editing', () => {
	let s: TestServer;
	let proxy: TcpProxy;
	const clients: Client[] = [];

	beforeEach(async () => {
		// Pings every 10 s, so the server's dead-connection check [BL2] certainly fires within the drop
		// (with the default 30 s it fires 30 to 60 s after the drop begins).
		s = await startTestServer({ clock: systemClock, env: { BOARD_PING_SECONDS: '10' } });
		proxy = await startTcpProxy({ host: '127.0.0.1', port: s.port });
	});
	afterEach(async () => {
		for (const c of clients.splice(0)) c.destroy();
		await proxy.close();
		await s.stop();
	});

	it('[FT2][BL2] offline edits merge after the network returns; nothing is lost on either side', { timeout: 120_000 }, async () => {
		const w = await makeWorld(s.hearth);
		const boardId = (await s.hearth.boards.create(w.users.facilitator, w.cohortA, { title: 'Offline' })).id;
		const token = async (u: User) => (await s.hearth.boards.mintToken(u, boardId)).token;
		// The wanderer (a member) goes through the proxy; two facilitator tabs stay online.
		const wanderer = connectBoard(proxy.url, boardId, { token: await token(w.users.member) });
		const online = [
			connectBoard(s.url, boardId, { token: await token(w.users.facilitator) }),
			connectBoard(s.url, boardId, { token: await token(w.users.facilitator) })
		];
		clients.push(wanderer, ...online);
		const everyone = [wanderer, ...online];
		await Promise.all(everyone.map(synced));
		const room = (await s.hearth.boardServer.loaded(boardId))!;
		const wandererConnected = () => [...room.conns.values()].some((c) => c.userId === w.users.member.id);
		expect(wandererConnected()).toBe(true);

		const socketBefore = wanderer.provider.ws;
		proxy.cut();
		const cutAt = Date.now();
		const stopOffline = keepEditing([wanderer], 'offline', 100);
		const stopOnline = keepEditing(online, 'online', 150);
		// The server notices the silent connection by its pings and drops it (no close ever reached it).
		await eventually(() => !wandererConnected(), 30_000, 'the server to drop the silent connection');
		const offlineKeys = () => [...keys(wanderer)].filter((k) => k.startsWith('offline'));
		const onlineKeys = () => [...keys(online[0]!)].filter((k) => k.startsWith('online'));
		// The rest of the 30 s the network stays down (the scenario's length, not a wait for a state).
		await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - cutAt))));
		// Truly cut: nothing crossed in either direction.
		expect(offlineKeys().length).toBeGreaterThan(200);
		expect(onlineKeys().length).toBeGreaterThan(200);
		expect(missing(offlineKeys(), keys(online[0]!)).length).toBe(offlineKeys().length);
		expect(missing(onlineKeys(), keys(wanderer)).length).toBe(onlineKeys().length);

		proxy.restore();
		// The provider reconnects on a new connection (its watchdog or the delivered close), and syncs.
		await eventually(() => wanderer.provider.ws !== socketBefore && wanderer.provider.synced, 60_000, 'the wanderer to reconnect');
		expect(wandererConnected()).toBe(true);
		stopOffline();
		stopOnline();

		const all = new Set(everyone.flatMap((c) => [...keys(c)]));
		await until(
			everyone.map((c) => c.doc),
			() => everyone.every((c) => keys(c).size === all.size),
			30_000,
			'the three to converge'
		);
		for (const c of everyone) expect(missing(all, keys(c))).toEqual([]);
		// And it is stored: a newcomer loading the board finds all of it.
		const newcomer = connectBoard(s.url, boardId, { token: await token(w.users.facilitator), doc: new Y.Doc() });
		clients.push(newcomer);
		await synced(newcomer);
		expect(missing(all, keys(newcomer))).toEqual([]);
	});
});

/** What is stored for a board: snapshot + log, as a set of keys. */
async function storedKeys(s: TestServer, boardId: string): Promise<Set<string>> {
	const doc = new Y.Doc();
	const snap = await s.hearth.boards.store.snapshot(boardId);
	if (snap) Y.applyUpdate(doc, snap.data);
	for (const u of await s.hearth.boards.store.updatesAfter(boardId, snap?.uptoId ?? 0)) Y.applyUpdate(doc, u.data);
	return new Set(doc.getMap('m').keys());
}

interface Outage {
	begin(): Promise<void>;
	end(): Promise<void>;
}

/**
 * SQLite: the server's own connection is switched to `query_only`, so SQLite itself refuses every
 * write with SQLITE_READONLY ("attempt to write a readonly database"), exactly as a read-only file
 * would, while reads go on. (Making the files read-only does nothing to a running server: it keeps
 * the descriptors it opened read-write, and as root permissions are not checked at all.)
 */
function sqliteOutage(s: TestServer): Outage {
	return {
		begin: async () => void (await sql`pragma query_only = 1`.execute(s.db.kysely)),
		end: async () => void (await sql`pragma query_only = 0`.execute(s.db.kysely))
	};
}

/**
 * PostgreSQL: the test's own database stops accepting connections and its sessions are ended, as
 * when it restarts or fails over; other tests' databases on the same server are untouched.
 */
function postgresOutage(s: TestServer): Outage {
	const name = new URL(s.hearth.config.databaseUrl!).pathname.slice(1);
	const admin = async (text: string) => {
		const c = new pg.Client({ connectionString: PG_ADMIN_URL });
		await c.connect();
		try {
			await c.query(text);
		} finally {
			await c.end();
		}
	};
	return {
		async begin() {
			await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
			await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
		},
		end: () => admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
	};
}

describe.each(['sqlite', 'postgres'] as const)('[ST1]-[ST4] storage briefly unavailable, on %s', (engine) => {
	let s: TestServer;
	let outage: Outage;
	const clients: Client[] = [];
	const sockets: ClientSocket[] = [];

	beforeEach(async () => {
		s = await startTestServer({ engine, clock: systemClock });
		outage = engine === 'sqlite' ? sqliteOutage(s) : postgresOutage(s);
	});
	afterEach(async () => {
		for (const x of sockets.splice(0)) x.disconnect();
		for (const c of clients.splice(0)) c.destroy();
		await outage.end().catch(() => {});
		await s.stop();
	});

	const health = async () => {
		const res = await fetch(`${s.url}/healthz`);
		return { status: res.status, body: (await res.json()) as { ok: boolean; storage: { ok: boolean } } };
	};

	it('[ST1][ST2][ST3][BD7][ST4] unhealthy, writes refused with a clear error and nothing pretended; recovers without a restart', async () => {
		const w = await makeWorld(s.hearth);
		const boardId = (await s.hearth.boards.create(w.users.facilitator, w.cohortA, { title: 'Through the outage' })).id;
		const cookie = async (u: User) => `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(u.id)).token}`;
		const fac = await joined(s.url, await cookie(w.users.facilitator), w.conveningA);
		sockets.push(fac.socket);
		expect(await request(fac.socket, 'convening:phase', { phase: 'live' })).toEqual({ ok: true, data: null });
		const mel = await joined(s.url, await cookie(w.users.member), w.conveningA);
		sockets.push(mel.socket);
		const visitor = new Visitor(s.url);
		await visitor.signIn('fran@example.org', PASSWORD);
		const editor = connectBoard(s.url, boardId, { token: (await s.hearth.boards.mintToken(w.users.member, boardId)).token });
		const watcher = connectBoard(s.url, boardId, { token: (await s.hearth.boards.mintToken(w.users.facilitator, boardId)).token });
		clients.push(editor, watcher);
		await Promise.all([synced(editor), synced(watcher)]);
		editor.doc.getMap('m').set('before', 1);
		await until([watcher.doc], () => keys(watcher).has('before'));
		expect(await health()).toMatchObject({ status: 200, body: { ok: true, storage: { ok: true } } });

		await outage.begin();

		// [ST1] /healthz says which check failed, quickly.
		const started = Date.now();
		expect(await health()).toMatchObject({ status: 503, body: { ok: false, storage: { ok: false } } });
		expect(Date.now() - started).toBeLessThan(5_000);

		// [ST2] Socket requests that write answer `unavailable`, and nothing changes.
		const unavailable = { ok: false, error: { code: 'unavailable', message: expect.stringMatching(/storage is unavailable/i) } };
		let leaked = false;
		fac.socket.on('chat:message', () => (leaked = true));
		expect(await request(mel.socket, 'chat:send', { body: 'lost?' })).toMatchObject(unavailable);
		expect(
			await request(fac.socket, 'round:open', { kind: 'open', grouping: { kind: 'random-count', count: 1 }, durationMinutes: 5 })
		).toMatchObject(unavailable);
		expect(await request(fac.socket, 'convening:phase', { phase: 'ended' })).toMatchObject(unavailable);
		expect(await request(fac.socket, 'agenda:advance', { index: 1 })).toMatchObject(unavailable);

		// [ST3] A form post gets a 503 page that says so.
		const posted = await visitor.post('/settings', { name: 'Fran Renamed', timeZone: 'Europe/Lisbon' });
		expect(posted.status).toBe(503);
		expect(await posted.text()).toMatch(/storage is unavailable/i);

		// [BD7] Board edits are neither relayed nor acknowledged: the editor's connection is closed with 4503
		// (not final: the stock provider keeps trying) and its edits stay with it.
		const closes: number[] = [];
		editor.provider.on('connection-close', (event) => closes.push(event?.code ?? 0));
		for (let i = 0; i < 20; i++) editor.doc.getMap('m').set(`during-${i}`, i);
		let syncs = 0;
		editor.provider.on('sync', (ok) => void (ok && syncs++));
		await eventually(() => closes.includes(4503), 15_000, 'the editor to be closed with 4503');
		// It keeps trying, and is refused before it syncs (no resend-fail-close loop), backing off.
		syncs = 0;
		await eventually(() => closes.length >= 3, 15_000, 'the editor to be refused again');
		expect(closes.every((code) => code === 4503)).toBe(true);
		expect(syncs).toBe(0);
		expect(editor.provider.shouldConnect).toBe(true);
		expect([...keys(watcher)].filter((k) => k.startsWith('during'))).toEqual([]);
		expect(leaked).toBe(false);

		await outage.end();

		// [ST4] Back without a restart: healthy, writes work, and the board edits made meanwhile are stored and relayed.
		await eventually(async () => (await health()).status === 200, 15_000, 'healthz to recover');
		expect(await request(mel.socket, 'chat:send', { body: 'after' })).toMatchObject({ ok: true });
		const during = Array.from({ length: 20 }, (_, i) => `during-${i}`);
		await until([watcher.doc], () => missing(during, keys(watcher)).length === 0, 30_000, 'the outage edits to reach the watcher');
		expect(missing(during, await storedKeys(s, boardId))).toEqual([]);
		const saved = await visitor.post('/settings', { name: 'Fran Renamed', timeZone: 'Europe/Lisbon' });
		expect(saved.status).toBe(200);
		// Nothing refused during the outage happened after all.
		const again = await joined(s.url, await cookie(w.users.facilitator), w.conveningA);
		sockets.push(again.socket);
		expect(again.result.state.round).toBeNull();
		expect(again.result.chat.map((c) => c.body)).toEqual(['after']);
	});
	it('[ST2] a refused phase or agenda change leaves the convening as it was', async () => {
		const w = await makeWorld(s.hearth);
		const fac = await joined(s.url, `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(w.users.facilitator.id)).token}`, w.conveningA);
		sockets.push(fac.socket);
		expect(await request(fac.socket, 'convening:phase', { phase: 'live' })).toEqual({ ok: true, data: null });
		await outage.begin();
		expect(await request(fac.socket, 'convening:phase', { phase: 'ended' })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
		expect(await request(fac.socket, 'agenda:advance', { index: 1 })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
		await outage.end();
		const r = await request<JoinResult>(fac.socket, 'convening:join', { conveningId: w.conveningA });
		expect(r.ok && r.data.state).toMatchObject({ phase: 'live', agenda: { index: fac.result.state.agenda.index } });
	});
});
