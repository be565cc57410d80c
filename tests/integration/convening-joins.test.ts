/**
 * [CV5] Many people joining a convening at once, on SQLite and PostgreSQL: every client ends with
 * the whole roster (no join misses an announcement made while it was being answered), and each
 * arrival costs the others one small presence change, not the whole state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConveningState, JoinResult } from '../../shared/live.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { addCrowd } from '../helpers/crowd.ts';
import { Visitor } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { currentState, openSocket, request, resyncCount, stateNow, stateWhere, type ClientSocket } from '../helpers/sockets.ts';
import { makeWorld, PASSWORD } from '../helpers/world.ts';

const CROWD = 80;

describe.each(['sqlite', 'postgres'] as const)('[CV5] a crowd joining at once (%s)', (engine) => {
	let s: TestServer | undefined;
	const sockets: ClientSocket[] = [];
	afterEach(async () => {
		for (const socket of sockets.splice(0)) socket.disconnect();
		await s?.stop();
	});

	it('every client ends with everyone connected; arrivals reach the others as presence changes', async () => {
		s = await startTestServer({ engine });
		const w = await makeWorld(s.hearth);
		const v = new Visitor(s.url);
		await v.signIn('fran@example.org', PASSWORD);
		const fac = await openSocket(s.url, `${SESSION_COOKIE}=${v.cookies.get(SESSION_COOKIE)}`);
		sockets.push(fac);
		expect((await request(fac, 'convening:join', { conveningId: w.conveningA })).ok).toBe(true);
		expect(await request(fac, 'convening:phase', { phase: 'open' })).toEqual({ ok: true, data: null });

		const crowd = await addCrowd(s.db, w.cohortA, CROWD, new Date(s.clock.now()).toISOString());
		const crowdSockets = await Promise.all(crowd.map((m) => openSocket(s!.url, m.cookie)));
		sockets.push(...crowdSockets);

		// What the facilitator receives while everyone arrives.
		const received = { states: 0, presences: 0 };
		fac.on('convening:state', () => received.states++);
		fac.on('convening:presence', () => received.presences++);

		// Everyone at once: each join is answered while others are being announced.
		const answers = await Promise.all(
			crowdSockets.map((socket) => request<JoinResult>(socket, 'convening:join', { conveningId: w.conveningA }))
		);
		expect(answers.filter((a) => !a.ok)).toEqual([]);

		const everyone = (st: ConveningState) => st.roster.filter((p) => p.connected).length === CROWD + 1;
		await Promise.all([fac, ...crowdSockets].map((socket) => stateNow(socket, everyone, 20_000)));
		for (const socket of [fac, ...crowdSockets]) expect(currentState(socket)!.roster.map((p) => p.name)).toContain('Crowd 001');
		// Nobody had to join again: no announcement was missed.
		expect([fac, ...crowdSockets].map(resyncCount).filter((n) => n > 0)).toEqual([]);

		// One presence change per arrival, and never the whole state (that was O(people) per receiver).
		expect(received).toEqual({ states: 0, presences: CROWD });

		// The chain goes on: a hand raised after the crowd arrived reaches the last to arrive.
		const last = crowdSockets.at(-1)!;
		const seen = stateWhere(last, (st) => st.roster.find((p) => p.name === 'Crowd 001')?.handRaisedAt !== null);
		expect((await request(crowdSockets[0]!, 'hand:raise')).ok).toBe(true);
		await seen;
	}, 60_000);
});
