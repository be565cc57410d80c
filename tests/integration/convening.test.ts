/**
 * The live convening's main room over socket.io: a real server on port 0, real clients.
 * Test names carry the rule ids of docs/PROTOCOL.md.
 */
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ManualClock } from '../../server/clock.ts';
import { loadConfig } from '../../server/config.ts';
import { openDb } from '../../server/db/open.ts';
import { startServer } from '../../server/http/server.ts';
import type { ChatMessage, JoinResult } from '../../shared/live.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { builtHandler, startTestServer, type TestServer } from '../helpers/server.ts';
import { Visitor } from '../helpers/http.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';
import { nextEvent, openSocket, request, stateWhere, type ClientSocket } from '../helpers/sockets.ts';

const EMAILS = {
	facilitator: 'fran@example.org',
	member: 'mel@example.org',
	observer: 'olu@example.org',
	otherMember: 'oda@example.org'
} as const;
type Who = keyof typeof EMAILS;

describe('live convening: main room', () => {
	let s: TestServer;
	let w: World;
	const cookies = {} as Record<Who, string>;
	const sockets: ClientSocket[] = [];

	async function socketFor(who: Who): Promise<ClientSocket> {
		const socket = await openSocket(s.url, cookies[who]);
		sockets.push(socket);
		return socket;
	}
	async function joined(who: Who): Promise<{ socket: ClientSocket; result: JoinResult }> {
		const socket = await socketFor(who);
		const r = await request<JoinResult>(socket, 'convening:join', { conveningId: w.conveningA });
		if (!r.ok) throw new Error(`${who} could not join: ${r.error.code}`);
		return { socket, result: r.data };
	}
	async function openConvening(): Promise<ClientSocket> {
		const { socket } = await joined('facilitator');
		expect(await request(socket, 'convening:phase', { phase: 'open' })).toEqual({ ok: true, data: null });
		return socket;
	}

	beforeEach(async () => {
		s = await startTestServer();
		w = await makeWorld(s.hearth);
		for (const who of Object.keys(EMAILS) as Who[]) {
			const v = new Visitor(s.url);
			await v.signIn(EMAILS[who], PASSWORD);
			cookies[who] = `${SESSION_COOKIE}=${v.cookies.get(SESSION_COOKIE)}`;
		}
	});
	afterEach(async () => {
		for (const socket of sockets.splice(0)) socket.disconnect();
		await s.stop();
	});

	it('[CV1] only the cohort joins: others get not_found; members wait until it opens; facilitators may enter first', async () => {
		const outsider = await socketFor('otherMember');
		expect(await request(outsider, 'convening:join', { conveningId: w.conveningA })).toMatchObject({
			ok: false,
			error: { code: 'not_found' }
		});
		const early = await socketFor('member');
		expect(await request(early, 'convening:join', { conveningId: w.conveningA })).toMatchObject({ ok: false, error: { code: 'not_open' } });
		const unknown = await socketFor('member');
		expect(await request(unknown, 'convening:join', { conveningId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });

		await openConvening();
		const r = await request<JoinResult>(early, 'convening:join', { conveningId: w.conveningA });
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.data.state.phase).toBe('open');
		expect(r.data.me).toEqual({ userId: w.users.member.id, role: 'member', room: 'main', canSpeak: true });
		expect(r.data.state.agenda.items.map((a) => a.title)).toEqual(['Check-in circle', 'Systems mapping']);
	});

	it('[CV1] observers follow along read-only: no chat, hands or reactions', async () => {
		await openConvening();
		const { socket, result } = await joined('observer');
		expect(result.me.canSpeak).toBe(false);
		for (const [event, payload] of [
			['chat:send', { body: 'hello' }],
			['hand:raise', {}],
			['reaction:send', { reaction: 'heart' }]
		] as const) {
			expect(await request(socket, event, payload)).toMatchObject({ ok: false, error: { code: 'read_only' } });
		}
	});

	it('the roster shows who is here and connected, and updates for everyone when someone leaves', async () => {
		const fac = await openConvening();
		const sawMember = stateWhere(fac, (st) => st.roster.some((p) => p.userId === w.users.member.id && p.connected));
		const { socket: mel } = await joined('member');
		const state = await sawMember;
		expect(state.roster.find((p) => p.userId === w.users.member.id)).toMatchObject({
			name: 'Mel Member',
			role: 'member',
			room: 'main',
			teamId: w.teamA
		});
		const sawLeave = stateWhere(fac, (st) => st.roster.some((p) => p.userId === w.users.member.id && !p.connected));
		mel.disconnect();
		await sawLeave;
	});

	it('[CV4] hands go up in order; people lower their own; only a facilitator lowers someone else’s', async () => {
		const fac = await openConvening();
		const { socket: mel } = await joined('member');
		const clock = s.clock as ManualClock;
		expect(await request(mel, 'hand:raise')).toEqual({ ok: true, data: null });
		clock.advance(1000);
		const both = stateWhere(fac, (st) => st.roster.filter((p) => p.handRaisedAt !== null).length === 2);
		expect(await request(fac, 'hand:raise')).toEqual({ ok: true, data: null });
		const hands = (await both).roster.filter((p) => p.handRaisedAt !== null).sort((a, b) => a.handRaisedAt! - b.handRaisedAt!);
		expect(hands.map((p) => p.userId)).toEqual([w.users.member.id, w.users.facilitator.id]);

		expect(await request(mel, 'hand:lower', { userId: w.users.facilitator.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		const lowered = stateWhere(mel, (st) => st.roster.find((p) => p.userId === w.users.member.id)?.handRaisedAt === null);
		expect(await request(fac, 'hand:lower', { userId: w.users.member.id })).toEqual({ ok: true, data: null });
		await lowered;
	});

	it('chat reaches everyone in the room, is kept, and comes back with the history on rejoin', async () => {
		const fac = await openConvening();
		const { socket: mel } = await joined('member');
		const arrives = nextEvent(fac, 'chat:message');
		const sent = await request<ChatMessage>(mel, 'chat:send', { body: '  Hello, circle!  ' });
		expect(sent).toMatchObject({ ok: true, data: { body: 'Hello, circle!', name: 'Mel Member', room: 'main' } });
		expect(await arrives).toMatchObject({ body: 'Hello, circle!', userId: w.users.member.id });
		await request(fac, 'chat:send', { body: 'Welcome' });
		mel.disconnect();
		const { result } = await joined('member');
		expect(result.chat.map((m) => m.body)).toEqual(['Hello, circle!', 'Welcome']);
	});

	it('the agenda advances by the facilitator only, with its start time from the server clock', async () => {
		const fac = await openConvening();
		const { socket: mel } = await joined('member');
		expect(await request(mel, 'agenda:advance', { index: 0 })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		const seen = stateWhere(mel, (st) => st.agenda.index === 1);
		expect(await request(fac, 'agenda:advance', { index: 1 })).toEqual({ ok: true, data: null });
		expect((await seen).agenda.startedAt).toBe(new Date(s.clock.now()).toISOString());
		expect(await request(fac, 'agenda:advance', { index: 2 })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
	});

	it('[SIO3] malformed payloads are refused with bad_request and change nothing', async () => {
		const fac = await openConvening();
		const bad: [string, unknown][] = [
			['convening:join', { conveningId: 42 }],
			['convening:join', { conveningId: 'x'.repeat(5000) }],
			['convening:join', 'not an object'],
			['chat:send', { body: '' }],
			['chat:send', { body: 'x'.repeat(2001) }],
			['chat:send', { body: ['nested'] }],
			['chat:send', { body: 'ok', extra: true }],
			['agenda:advance', { index: -1 }],
			['agenda:advance', { index: 1.5 }],
			['convening:phase', { phase: 'party' }],
			['reaction:send', { reaction: 'poop' }],
			['hand:lower', { userId: { $ne: null } }]
		];
		for (const [event, payload] of bad) {
			expect(await request(fac, event, payload), `${event} ${JSON.stringify(payload).slice(0, 40)}`).toMatchObject({
				ok: false,
				error: { code: 'bad_request' }
			});
		}
		const state = await s.hearth.live.snapshot(w.conveningA);
		expect(state?.phase).toBe('open');
		expect(state?.agenda.index).toBe(-1);
		const { result } = await joined('member');
		expect(result.chat).toEqual([]);
	});

	it('[SIO4] a flood from one socket is rate-limited; others are unaffected', async () => {
		const fac = await openConvening();
		const { socket: mel } = await joined('member');
		const answers = await Promise.all(Array.from({ length: 40 }, () => request(mel, 'hand:raise')));
		expect(answers.filter((a) => !a.ok && a.error.code === 'rate_limited').length).toBeGreaterThanOrEqual(10);
		expect(await request(fac, 'hand:raise')).toEqual({ ok: true, data: null });
		(s.clock as ManualClock).advance(5000);
		expect(await request(mel, 'hand:lower')).toEqual({ ok: true, data: null });
	});

	it('[CV3] attendance spans are recorded and downloadable as CSV by facilitators only', async () => {
		const clock = s.clock as ManualClock;
		await openConvening();
		const { socket: mel } = await joined('member');
		clock.advance(45 * 60_000);
		mel.disconnect();
		const fac = new Visitor(s.url);
		await fac.signIn(EMAILS.facilitator, PASSWORD);
		const path = `/cohorts/${w.cohortA}/convenings/${w.conveningA}/attendance.csv`;
		let csv = '';
		for (let i = 0; i < 50 && !csv.includes('"45"'); i++) csv = await (await fac.get(path)).text();
		const lines = csv.trim().split('\r\n');
		expect(lines[0]).toBe('"name","email","joined_at","left_at","minutes"');
		expect(lines.find((l) => l.startsWith('"Mel Member"'))).toBe(
			`"Mel Member","mel@example.org","2026-11-23T12:00:00.000Z","2026-11-23T12:45:00.000Z","45"`
		);
		const member = new Visitor(s.url);
		await member.signIn(EMAILS.member, PASSWORD);
		expect((await member.get(path)).status).toBe(403);
	});

	it('[CV2] phase, agenda and chat survive a restart; open attendance spans are closed', async () => {
		// Its own server, so it can be stopped and started again on the same storage.
		await s.stop();
		const clock = new ManualClock(Date.parse('2026-12-14T14:00:00Z'));
		s = await startTestServer({ clock });
		w = await makeWorld(s.hearth);
		for (const who of Object.keys(EMAILS) as Who[]) {
			const v = new Visitor(s.url);
			await v.signIn(EMAILS[who], PASSWORD);
			cookies[who] = `${SESSION_COOKIE}=${v.cookies.get(SESSION_COOKIE)}`;
		}
		const fac = await openConvening();
		await request(fac, 'convening:phase', { phase: 'live' });
		await request(fac, 'agenda:advance', { index: 1 });
		await request(fac, 'chat:send', { body: 'before the restart' });
		const dataDir = s.db.location.replace(/\/hearth\.sqlite$/, '');
		// Stop the server without closing attendance (as a crash would), keeping the data directory.
		sockets.splice(0).forEach((x) => x.disconnect());
		await s.close();
		clock.advance(60_000);
		const db = await openDb({ dataDir });
		// As if the process had died: the spans of people who were connected are still open.
		await db.kysely.updateTable('attendance').set({ left_at: null }).execute();
		const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
		const again = await startServer({ config, handler: await builtHandler(), clock, logger: pino({ level: 'silent' }), db });
		try {
			const socket = await openSocket(again.url, cookies.member);
			sockets.push(socket);
			const r = await request<JoinResult>(socket, 'convening:join', { conveningId: w.conveningA });
			expect(r.ok).toBe(true);
			if (!r.ok) return;
			expect(r.data.state.phase).toBe('live');
			expect(r.data.state.agenda.index).toBe(1);
			expect(r.data.state.agenda.startedAt).toBe('2026-12-14T14:00:00.000Z');
			expect(r.data.chat.map((m) => m.body)).toEqual(['before the restart']);
			const spans = await db.kysely.selectFrom('attendance').selectAll().where('user_id', '=', w.users.facilitator.id).execute();
			expect(spans.length).toBeGreaterThan(0);
			expect(spans.every((x) => x.left_at === '2026-12-14T14:01:00.000Z')).toBe(true);
		} finally {
			for (const x of sockets.splice(0)) x.disconnect();
			await again.close();
			fs.rmSync(dataDir, { recursive: true, force: true });
			s = await startTestServer(); // afterEach stops this one
		}
	});
});
