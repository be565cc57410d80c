/**
 * Breakout rounds and check-in circles with a facilitator and a dozen socket.io clients on a real
 * server. Time is a ManualClock: timers fire when the test moves it, never by sleeping.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ManualClock } from '../../server/clock.ts';
import { loadConfig } from '../../server/config.ts';
import { openDb } from '../../server/db/open.ts';
import { startServer, type RunningServer } from '../../server/http/server.ts';
import type { User } from '../../server/auth/users.store.ts';
import type { ConveningState, JoinResult, RoundView } from '../../shared/live.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { builtHandler, freshDb } from '../helpers/server.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';
import { nextEvent, openSocket, request, stateWhere, type ClientSocket } from '../helpers/sockets.ts';
import { createHearth } from '../../server/app.ts';
import * as Y from 'yjs';
import { BoardDoc } from '../../shared/board-doc.ts';
import { findLoops } from '../../shared/loops.ts';
import { templateById } from '../../shared/templates.ts';

const START = Date.parse('2026-12-14T14:00:00Z');

describe('breakout rounds', () => {
	let fresh: Awaited<ReturnType<typeof freshDb>>;
	let clock: ManualClock;
	let server: RunningServer;
	let w: World;
	let members: User[];
	const cookies = new Map<string, string>();
	const sockets: ClientSocket[] = [];

	async function start(): Promise<RunningServer> {
		const db = await openDb({ dataDir: fresh.dataDir });
		const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: fresh.dataDir, LOG_LEVEL: 'silent', BOARD_IDLE_SECONDS: '0' });
		return startServer({ config, handler: await builtHandler(), clock, logger: pino({ level: 'silent' }), db });
	}

	beforeEach(async () => {
		fresh = await freshDb('sqlite');
		clock = new ManualClock(START);
		// Seed through the services, then serve the same storage.
		const seed = createHearth({ config: loadConfig({ DATA_DIR: fresh.dataDir }), db: fresh.db, clock, logger: pino({ level: 'silent' }) });
		w = await makeWorld(seed);
		members = [w.users.member];
		for (let i = 2; i <= 12; i++) {
			const { token } = await seed.invites.create(w.users.facilitator, w.cohortA, { role: 'member' });
			const { user } = await seed.invites.acceptAsNewUser(token, {
				name: `Member ${String(i).padStart(2, '0')}`,
				email: `m${i}@example.org`,
				password: PASSWORD,
				timeZone: 'UTC'
			});
			members.push(user);
		}
		for (const u of [w.users.facilitator, w.users.observer, ...members])
			cookies.set(u.id, `${SESSION_COOKIE}=${(await seed.auth.createSession(u.id)).token}`);
		await fresh.db.close();
		server = await start();
	});
	afterEach(async () => {
		for (const s of sockets.splice(0)) s.disconnect();
		await server.close();
		await fresh.cleanup();
	});

	async function join(user: User): Promise<{ socket: ClientSocket; result: JoinResult }> {
		const socket = await openSocket(server.url, cookies.get(user.id)!);
		sockets.push(socket);
		const r = await request<JoinResult>(socket, 'convening:join', { conveningId: w.conveningA });
		if (!r.ok) throw new Error(`join failed: ${r.error.code}`);
		return { socket, result: r.data };
	}
	async function room(): Promise<{ fac: ClientSocket; socks: Map<string, ClientSocket> }> {
		const { socket: fac } = await join(w.users.facilitator);
		expect(await request(fac, 'convening:phase', { phase: 'live' })).toEqual({ ok: true, data: null });
		const socks = new Map<string, ClientSocket>();
		for (const m of members) socks.set(m.id, (await join(m)).socket);
		return { fac, socks };
	}
	const roomOf = (state: ConveningState, userId: string) => state.roster.find((p) => p.userId === userId)?.room;
	const live = async () => (await server.hearth.live.snapshot(w.conveningA))!;

	it('[BR1][BR2][BR3] a full round: open, broadcast, extend, move, warning, and everyone back at the deadline', async () => {
		const { fac, socks } = await room();
		const moves = [...socks.values()].map((s) => nextEvent(s, 'room:changed'));
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-size', size: 4 },
			prompt: 'Where do you feel the system?',
			durationMinutes: 10
		});
		expect(opened.ok).toBe(true);
		if (!opened.ok) return;
		const round = opened.data;
		expect(round.groups.map((g) => g.memberIds.length)).toEqual([4, 4, 4]);
		expect(new Set(round.groups.flatMap((g) => g.memberIds))).toEqual(new Set(members.map((m) => m.id)));
		expect(round.deadlineAt).toBe(new Date(START + 10 * 60_000).toISOString());
		// Every member was moved, with their group's (empty) chat.
		const changes = await Promise.all(moves);
		for (const [i, m] of members.entries()) {
			const group = round.groups.find((g) => g.memberIds.includes(m.id))!;
			expect(changes[i]!.room).toBe(group.id);
		}
		// Each group has its own board, editable by its members only.
		for (const g of round.groups) {
			const board = await server.hearth.boards.store.byId(g.boardId!);
			expect(board).toMatchObject({ writePolicy: 'group', groupId: g.id, conveningId: w.conveningA });
			expect((await server.hearth.boards.store.members(g.boardId!)).sort()).toEqual([...g.memberIds].sort());
		}
		// Chat stays within a group.
		const [g1, g2] = round.groups;
		const a = socks.get(g1!.memberIds[0]!)!;
		const b = socks.get(g1!.memberIds[1]!)!;
		const heard = nextEvent(b, 'chat:message');
		await request(a, 'chat:send', { body: 'in group one' });
		expect((await heard).room).toBe(g1!.id);
		const outsider = socks.get(g2!.memberIds[0]!)!;
		let leaked = false;
		outsider.on('chat:message', () => (leaked = true));

		const told = [...socks.values()].map((s) => nextEvent(s, 'round:message'));
		expect(await request(fac, 'round:broadcast', { message: 'Five minutes to go' })).toEqual({ ok: true, data: null });
		for (const m of await Promise.all(told)) expect(m).toMatchObject({ from: 'Fran Facilitator', body: 'Five minutes to go' });

		expect(await request(fac, 'round:extend', { minutes: 5 })).toEqual({ ok: true, data: null });
		expect((await live()).round!.deadlineAt).toBe(new Date(START + 15 * 60_000).toISOString());

		const mover = g1!.memberIds[0]!;
		const movedEvent = nextEvent(socks.get(mover)!, 'room:changed');
		expect(await request(fac, 'round:move', { userId: mover, groupId: g2!.id })).toEqual({ ok: true, data: null });
		expect((await movedEvent).room).toBe(g2!.id);
		expect(roomOf(await live(), mover)).toBe(g2!.id);

		// One minute before the (extended) deadline: a warning.
		const warned = nextEvent(fac, 'round:warning');
		clock.advance(14 * 60_000);
		expect(await warned).toMatchObject({ roundId: round.id, closesAt: new Date(START + 15 * 60_000).toISOString() });
		// At the deadline everyone returns to the main room.
		const back = stateWhere(fac, (st) => st.round === null);
		clock.advance(60_000);
		const state = await back;
		for (const m of members) expect(roomOf(state, m.id)).toBe('main');
		expect(leaked).toBe(false);
		// The group boards stay in the gallery.
		const boards = await server.hearth.boards.list(w.users.facilitator, w.cohortA, { conveningId: w.conveningA });
		expect(boards.filter((b) => b.groupId).length).toBe(3);
	});

	it('[BR2] closing with a wind-down gives one gentle minute; closing now returns everyone at once', async () => {
		const { fac } = await room();
		await request(fac, 'round:open', { kind: 'open', grouping: { kind: 'random-count', count: 3 }, durationMinutes: 30 });
		const warned = nextEvent(fac, 'round:warning');
		expect(await request(fac, 'round:close', { mode: 'wind-down' })).toEqual({ ok: true, data: null });
		expect((await warned).closesAt).toBe(new Date(START + 60_000).toISOString());
		expect((await live()).round!.status).toBe('closing');
		clock.advance(59_000);
		expect((await live()).round).not.toBeNull();
		const closed = stateWhere(fac, (st) => st.round === null);
		clock.advance(1000);
		await closed;

		await request(fac, 'round:open', { kind: 'open', grouping: { kind: 'random-count', count: 2 }, durationMinutes: 30 });
		expect(await request(fac, 'round:close', { mode: 'now' })).toEqual({ ok: true, data: null });
		expect((await live()).round).toBeNull();
		expect(clock.pending).toBe(0);
	});

	it('[BR4] a late joiner goes to the group with most room; a reconnecting member lands back in their group', async () => {
		const { socket: fac } = await join(w.users.facilitator);
		await request(fac, 'convening:phase', { phase: 'live' });
		const early = members.slice(0, 7);
		const socks = new Map<string, ClientSocket>();
		for (const m of early) socks.set(m.id, (await join(m)).socket);
		const r = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-size', size: 4 },
			durationMinutes: 10
		});
		if (!r.ok) throw new Error(r.error.code);
		expect(r.data.groups.map((g) => g.memberIds.length).sort()).toEqual([3, 4]);
		const small = r.data.groups.find((g) => g.memberIds.length === 3)!;
		const late = members[7]!;
		const { result } = await join(late);
		expect(result.me.room).toBe(small.id);

		const someone = early[0]!;
		const before = roomOf(await live(), someone.id);
		socks.get(someone.id)!.disconnect();
		await stateWhere(fac, (st) => st.roster.some((p) => p.userId === someone.id && !p.connected));
		const again = await join(someone);
		expect(again.result.me.room).toBe(before);
	});

	it('[BR3] a facilitator visits a group and comes back; members may not run the round', async () => {
		const { fac, socks } = await room();
		const r = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-count', count: 2 },
			durationMinutes: 10
		});
		if (!r.ok) throw new Error(r.error.code);
		const target = r.data.groups[1]!;
		const moved = nextEvent(fac, 'room:changed');
		expect(await request(fac, 'round:visit', { groupId: target.id })).toEqual({ ok: true, data: null });
		expect((await moved).room).toBe(target.id);
		const back = nextEvent(fac, 'room:changed');
		await request(fac, 'round:visit', { groupId: null });
		expect((await back).room).toBe('main');

		const mel = socks.get(w.users.member.id)!;
		const { socket: olu } = await join(w.users.observer);
		for (const [event, payload] of [
			['round:open', { kind: 'open', grouping: { kind: 'by-team' }, durationMinutes: 5 }],
			['round:close', { mode: 'now' }],
			['round:move', { userId: w.users.member.id, groupId: target.id }]
		] as const) {
			expect(await request(olu, event, payload), `observer ${event}`).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		}
		expect(await request(olu, 'circle:start', {}), 'observer circle:start').toMatchObject({ ok: false, error: { code: 'read_only' } });
		for (const [event, payload] of [
			['round:open', { kind: 'open', grouping: { kind: 'by-team' }, durationMinutes: 5 }],
			['round:extend', { minutes: 5 }],
			['round:close', { mode: 'now' }],
			['round:broadcast', { message: 'hi' }],
			['round:move', { userId: w.users.member.id, groupId: target.id }],
			['round:visit', { groupId: target.id }]
		] as const) {
			expect(await request(mel, event, payload), event).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		}
		for (const [event, payload] of [
			['round:open', { kind: 'open', grouping: { kind: 'random-size', size: 1 }, durationMinutes: 5 }],
			['round:open', { kind: 'party', grouping: { kind: 'by-team' }, durationMinutes: 5 }],
			['round:open', { kind: 'open', grouping: { kind: 'by-team' }, durationMinutes: -3 }],
			['round:open', { kind: 'open', grouping: { kind: 'by-team' }, durationMinutes: 5, prompt: 'x'.repeat(501) }],
			['round:extend', { minutes: 0 }],
			['round:move', { userId: 7, groupId: target.id }],
			['round:close', { mode: 'later' }]
		] as const) {
			expect(await request(fac, event, payload), event).toMatchObject({ ok: false, error: { code: 'bad_request' } });
		}
		expect(await request(fac, 'round:move', { userId: w.users.member.id, groupId: 'no-such-group' })).toMatchObject({
			ok: false,
			error: { code: 'not_found' }
		});
		expect(await request(fac, 'round:open', { kind: 'open', grouping: { kind: 'by-team' }, durationMinutes: 5 })).toMatchObject({
			ok: false,
			error: { code: 'conflict' }
		});
		expect((await live()).round!.id).toBe(r.data.id);
	});

	it('[BR5] a server restart mid-round resumes the same round and deadline, and its timer still fires', async () => {
		const { fac } = await room();
		const r = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-count', count: 3 },
			durationMinutes: 20
		});
		if (!r.ok) throw new Error(r.error.code);
		for (const s of sockets.splice(0)) s.disconnect();
		await server.close();
		clock.advance(5 * 60_000);
		server = await start();
		const mel = await join(w.users.member);
		const round = mel.result.state.round!;
		expect(round.id).toBe(r.data.id);
		expect(round.deadlineAt).toBe(r.data.deadlineAt);
		const mine = r.data.groups.find((g) => g.memberIds.includes(w.users.member.id))!;
		expect(mel.result.me.room).toBe(mine.id);
		const closed = stateWhere(mel.socket, (st) => st.round === null);
		clock.advance(15 * 60_000);
		await closed;
	});

	it('[BR5] a deadline that passed while the server was down closes the round on load', async () => {
		const { fac } = await room();
		await request(fac, 'round:open', { kind: 'open', grouping: { kind: 'random-count', count: 3 }, durationMinutes: 5 });
		for (const s of sockets.splice(0)) s.disconnect();
		await server.close();
		clock.advance(10 * 60_000);
		server = await start();
		const { result, socket } = await join(w.users.member);
		// The load closes it in the same tick at the latest.
		const state = result.state.round === null ? result.state : await stateWhere(socket, (st) => st.round === null);
		expect(state.round).toBeNull();
		expect(result.me.room === 'main' || roomOf(state, w.users.member.id) === 'main').toBe(true);
	});

	it('self-select: people choose a group with room; a full group says so', async () => {
		const { fac, socks } = await room();
		const r = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'self-select', groupCount: 3, cap: 2, choices: {} },
			durationMinutes: 10
		});
		if (!r.ok) throw new Error(r.error.code);
		expect(r.data.unassigned.length).toBe(12);
		const [g] = r.data.groups;
		expect(await request(socks.get(members[0]!.id)!, 'round:choose', { groupId: g!.id })).toEqual({ ok: true, data: null });
		expect(await request(socks.get(members[1]!.id)!, 'round:choose', { groupId: g!.id })).toEqual({ ok: true, data: null });
		expect(await request(socks.get(members[2]!.id)!, 'round:choose', { groupId: g!.id })).toMatchObject({
			ok: false,
			error: { code: 'conflict' }
		});
		expect((await live()).round!.groups[0]!.memberIds.sort()).toEqual([members[0]!.id, members[1]!.id].sort());
	});

	it("[BR1] each group's board starts from the chosen template; an unknown template is refused", async () => {
		const { fac } = await room();
		expect(
			await request(fac, 'round:open', {
				kind: 'open',
				grouping: { kind: 'random-count', count: 2 },
				durationMinutes: 10,
				boardTemplate: 'no-such'
			})
		).toMatchObject({ ok: false, error: { code: 'bad_request' } });
		// Refused before anything was stored: no round, no boards.
		expect((await live()).round).toBeNull();
		expect(await server.hearth.boards.list(w.users.facilitator, w.cohortA)).toEqual([]);
		const r = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-count', count: 2 },
			durationMinutes: 10,
			boardTemplate: 'archetype-fixes-that-fail'
		});
		if (!r.ok) throw new Error(r.error.code);
		expect(new Set(r.data.groups.map((g) => g.boardId)).size).toBe(2);
		for (const g of r.data.groups) {
			// Its group's members are the board's editors.
			expect((await server.hearth.boards.store.members(g.boardId!)).sort()).toEqual([...g.memberIds].sort());
			const doc = new Y.Doc();
			for (const u of await server.hearth.boards.store.updatesAfter(g.boardId!, 0)) Y.applyUpdate(doc, u.data);
			const board = new BoardDoc(doc);
			expect(
				board
					.variables()
					.map((v) => v.label)
					.sort()
			).toEqual(
				templateById('archetype-fixes-that-fail')!
					.template.variables!.map((v) => v.label)
					.sort()
			);
			expect(
				findLoops(board.toGraph())
					.map((l) => l.type)
					.sort()
			).toEqual(['B', 'R']);
		}
	});

	it('reuses the groups of an earlier round', async () => {
		const { fac } = await room();
		const first = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-count', count: 3 },
			durationMinutes: 10
		});
		if (!first.ok) throw new Error(first.error.code);
		await request(fac, 'round:close', { mode: 'now' });
		const again = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'reuse', roundId: first.data.id },
			durationMinutes: 10
		});
		if (!again.ok) throw new Error(again.error.code);
		const sets = (rv: RoundView) => rv.groups.map((g) => [...g.memberIds].sort().join(',')).sort();
		expect(sets(again.data)).toEqual(sets(first.data));
	});
});

describe('check-in circles', () => {
	let s: Awaited<ReturnType<typeof import('../helpers/server.ts').startTestServer>>;
	let w: World;
	const sockets: ClientSocket[] = [];

	beforeEach(async () => {
		const { startTestServer } = await import('../helpers/server.ts');
		s = await startTestServer({ clock: new ManualClock(START) });
		w = await makeWorld(s.hearth);
	});
	afterEach(async () => {
		for (const x of sockets.splice(0)) x.disconnect();
		await s.stop();
	});

	it('[CC1] the talking piece goes around: done, pass (offered again at the end), a member who disconnects is passed over', async () => {
		const users = [w.users.member];
		for (let i = 2; i <= 4; i++) {
			const { token } = await s.hearth.invites.create(w.users.facilitator, w.cohortA, { role: 'member' });
			users.push(
				(
					await s.hearth.invites.acceptAsNewUser(token, {
						name: `Circle ${i}`,
						email: `c${i}@example.org`,
						password: PASSWORD,
						timeZone: 'UTC'
					})
				).user
			);
		}
		const sock = new Map<string, ClientSocket>();
		const cookieOf = async (u: User) => `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(u.id)).token}`;
		const fac = await openSocket(s.url, await cookieOf(w.users.facilitator));
		sockets.push(fac);
		await request(fac, 'convening:join', { conveningId: w.conveningA });
		await request(fac, 'convening:phase', { phase: 'live' });
		for (const u of users) {
			const x = await openSocket(s.url, await cookieOf(u));
			sockets.push(x);
			await request(x, 'convening:join', { conveningId: w.conveningA });
			sock.set(u.id, x);
		}
		const r = await request<RoundView>(fac, 'round:open', {
			kind: 'circle',
			grouping: { kind: 'random-count', count: 1 },
			prompt: 'How are you arriving?',
			durationMinutes: 20,
			circle: { order: 'join', turnSeconds: 120, listenOnly: true }
		});
		if (!r.ok) throw new Error(r.error.code);
		const group = r.data.groups[0]!;
		expect(r.data.listenOnly).toBe(true);
		const order = group.circle!.order;
		expect(order).toEqual(users.map((u) => u.id));
		const circleNow = async () => (await s.hearth.live.snapshot(w.conveningA))!.round!.groups[0]!.circle!;

		const [a, b, c, d] = order.map((id) => sock.get(id)!);
		expect(await request(a!, 'circle:start', {})).toEqual({ ok: true, data: null });
		expect((await circleNow()).speaking).toBe(order[0]);
		expect((await circleNow()).turnEndsAt).toBe(START + 120_000);
		// Only the holder hands the piece on.
		expect(await request(b!, 'circle:done', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await request(a!, 'circle:done', {})).toEqual({ ok: true, data: null });
		expect((await circleNow()).speaking).toBe(order[1]);
		expect(await request(b!, 'circle:pass', {})).toEqual({ ok: true, data: null });
		expect((await circleNow()).speaking).toBe(order[2]);
		// The third member disconnects while holding the piece: it moves on to the fourth.
		c!.disconnect();
		await stateWhere(fac, (st) => st.round?.groups[0]?.circle?.speaking === order[3]);
		expect(await request(d!, 'circle:done', {})).toEqual({ ok: true, data: null });
		// The one who passed is offered it again at the end.
		expect((await circleNow()).speaking).toBe(order[1]);
		expect(await request(b!, 'circle:done', {})).toEqual({ ok: true, data: null });
		const done = await circleNow();
		expect(done.complete).toBe(true);
		expect(done.spoken).toEqual([order[0], order[3], order[1]]);
		expect(done.skipped).toEqual([order[2]]);
		// A check-out round with the same people follows.
		expect(await request(fac, 'circle:checkout', { groupId: group.id })).toEqual({ ok: true, data: null });
		expect((await circleNow()).phase).toBe('checkout');
	});

	it('[CC1] facilitators reorder before the start and skip someone who has gone; a named keeper may skip; other members may not', async () => {
		const users = [w.users.member];
		for (let i = 2; i <= 3; i++) {
			const { token } = await s.hearth.invites.create(w.users.facilitator, w.cohortA, { role: 'member' });
			users.push(
				(
					await s.hearth.invites.acceptAsNewUser(token, {
						name: `Circle ${i}`,
						email: `k${i}@example.org`,
						password: PASSWORD,
						timeZone: 'UTC'
					})
				).user
			);
		}
		const cookieOf = async (u: User) => `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(u.id)).token}`;
		const fac = await openSocket(s.url, await cookieOf(w.users.facilitator));
		sockets.push(fac);
		await request(fac, 'convening:join', { conveningId: w.conveningA });
		await request(fac, 'convening:phase', { phase: 'live' });
		const sock = new Map<string, ClientSocket>();
		for (const u of users) {
			const x = await openSocket(s.url, await cookieOf(u));
			sockets.push(x);
			await request(x, 'convening:join', { conveningId: w.conveningA });
			sock.set(u.id, x);
		}
		const r = await request<RoundView>(fac, 'round:open', {
			kind: 'circle',
			grouping: { kind: 'random-count', count: 1 },
			durationMinutes: 20
		});
		if (!r.ok) throw new Error(r.error.code);
		const group = r.data.groups[0]!;
		const reversed = [...group.circle!.order].reverse();
		const member = sock.get(users[0]!.id)!;
		expect(await request(member, 'circle:reorder', { groupId: group.id, order: reversed })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		expect(await request(fac, 'circle:reorder', { groupId: group.id, order: reversed })).toEqual({ ok: true, data: null });
		expect(await request(fac, 'circle:reorder', { groupId: group.id, order: ['x'] })).toMatchObject({
			ok: false,
			error: { code: 'conflict' }
		});
		expect(await request(fac, 'circle:start', { groupId: group.id })).toEqual({ ok: true, data: null });
		expect(await request(fac, 'circle:reorder', { groupId: group.id, order: reversed })).toMatchObject({
			ok: false,
			error: { code: 'conflict' }
		});
		expect(await request(fac, 'circle:skip', { groupId: group.id, userId: reversed[0]! })).toEqual({ ok: true, data: null });
		const state = (await s.hearth.live.snapshot(w.conveningA))!.round!.groups[0]!.circle!;
		expect(state.skipped).toEqual([reversed[0]]);
		expect(state.speaking).toBe(reversed[1]);

		// A circle keeper named by the facilitator may skip; other members may not.
		const keeperId = reversed[2]!;
		const other = reversed.find((id) => id !== keeperId && id !== reversed[1])!;
		expect(await request(sock.get(other)!, 'circle:skip', { userId: reversed[1]! })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		expect(await request(member, 'circle:keeper', { groupId: group.id, userId: keeperId })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		expect(await request(fac, 'circle:keeper', { groupId: group.id, userId: w.users.facilitator.id })).toMatchObject({
			ok: false,
			error: { code: 'bad_request' }
		});
		expect(await request(fac, 'circle:keeper', { groupId: group.id, userId: keeperId })).toEqual({ ok: true, data: null });
		expect((await s.hearth.live.snapshot(w.conveningA))!.round!.groups[0]!.keeperId).toBe(keeperId);
		expect(await request(sock.get(keeperId)!, 'circle:skip', { userId: reversed[1]! })).toEqual({ ok: true, data: null });
		expect((await s.hearth.live.snapshot(w.conveningA))!.round!.groups[0]!.circle!.skipped).toEqual([reversed[0], reversed[1]]);
	});
});
