/** A member's year: convenings attended, circles joined, boards drawn on — their own only. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ManualClock } from '../../server/clock.ts';
import type { JoinResult, RoundView } from '../../shared/live.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { BoardDoc } from '../../shared/board-doc.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { Visitor } from '../helpers/http.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';
import { openSocket, request, stateWhere } from '../helpers/sockets.ts';

describe("a member's year", () => {
	let s: TestServer;
	let w: World;

	beforeAll(async () => {
		s = await startTestServer({ clock: new ManualClock(Date.parse('2026-12-14T14:00:00Z')) });
		w = await makeWorld(s.hearth);
		const cookie = async (id: string) => `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(id)).token}`;
		const fac = await openSocket(s.url, await cookie(w.users.facilitator.id));
		await request<JoinResult>(fac, 'convening:join', { conveningId: w.conveningA });
		await request(fac, 'convening:phase', { phase: 'live' });
		const mel = await openSocket(s.url, await cookie(w.users.member.id));
		await request<JoinResult>(mel, 'convening:join', { conveningId: w.conveningA });
		const r = await request<RoundView>(fac, 'round:open', {
			kind: 'circle',
			grouping: { kind: 'random-count', count: 1 },
			prompt: 'How are you arriving?',
			durationMinutes: 20
		});
		if (!r.ok) throw new Error(r.error.code);
		(s.clock as ManualClock).advance(50 * 60_000);
		const left = stateWhere(fac, (st) => st.roster.some((p) => p.userId === w.users.member.id && !p.connected));
		mel.disconnect();
		await left;
		fac.disconnect();
		// Mel draws on a board.
		const board = await s.hearth.boards.create(w.users.facilitator, w.cohortA, { title: 'Mel drew here' });
		const doc = new Y.Doc();
		new BoardDoc(doc).init();
		new BoardDoc(doc).addVariable({ label: 'Rest', x: 0, y: 0 });
		await s.hearth.boards.store.append(board.id, [
			{ data: Y.encodeStateAsUpdate(doc), userId: w.users.member.id, createdAt: new Date(s.clock.now()).toISOString() }
		]);
	});
	afterAll(() => s.stop());

	it('lists the convening with its minutes, the circle and the board', async () => {
		const v = new Visitor(s.url);
		await v.signIn('mel@example.org', PASSWORD);
		const html = await (await v.get(`/cohorts/${w.cohortA}/year`)).text();
		expect(html).toContain('December convening');
		expect(html).toMatch(/50\s*min/);
		expect(html).toContain('How are you arriving?');
		expect(html).toContain('Mel drew here');
		const csv = await (await v.get(`/cohorts/${w.cohortA}/year.csv`)).text();
		expect(csv.split('\r\n')[0]).toBe('"kind","title","date","detail"');
		expect(csv).toContain('"convening","December convening","2026-12-14T14:00:00.000Z","50 minutes"');
		expect(csv).toContain('"board","Mel drew here"');
	});

	it('shows each person only their own year', async () => {
		const v = new Visitor(s.url);
		await v.signIn('olu@example.org', PASSWORD);
		const html = await (await v.get(`/cohorts/${w.cohortA}/year`)).text();
		expect(html).not.toContain('Mel drew here');
		expect(html).toContain('None yet');
	});
});
