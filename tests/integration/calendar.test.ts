import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ical from 'node-ical';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { Visitor } from '../helpers/http.ts';
import { seedDemo, DEMO_CONVENING_DATES, DEMO_COHORT } from '../../server/seed/demo.ts';
import type { User } from '../../server/auth/users.store.ts';

describe('cohort calendar feed (ICS)', () => {
	let s: TestServer;
	let facilitator: User;
	let cohortId: string;
	let token: string;

	beforeAll(async () => {
		s = await startTestServer();
		const seeded = await seedDemo(s.db, s.clock);
		cohortId = seeded.cohortId;
		const row = await s.db.kysely.selectFrom('users').select('id').where('email', '=', seeded.facilitatorEmail).executeTakeFirstOrThrow();
		facilitator = (await s.hearth.auth.userForSession((await s.hearth.auth.createSession(row.id)).token))!;
		token = await s.hearth.cohorts.rotateFeed(facilitator, cohortId);
	});
	afterAll(() => s.stop());

	it('parses in a real ICS parser with every convening at its exact instant', async () => {
		const res = await new Visitor(s.url).get(`/feeds/${token}.ics`);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
		const parsed = ical.sync.parseICS(await res.text());
		const events = Object.values(parsed).filter((e): e is ical.VEvent => e?.type === 'VEVENT');
		expect(events).toHaveLength(DEMO_CONVENING_DATES.length + 1);
		const starts = events.map((e) => e.start.toISOString()).sort();
		for (const date of DEMO_CONVENING_DATES) expect(starts).toContain(`${date}T14:00:00.000Z`);
		const first = events.find((e) => e.start.toISOString() === '2026-06-22T14:00:00.000Z')!;
		expect(first.summary).toBe('Convening 1: Opening');
		expect(first.end!.toISOString()).toBe('2026-06-22T16:00:00.000Z');
		expect(first.description).toContain('Arrival and check-in circle (20 min)');
		const retreat = events.find((e) => e.summary === 'In-person retreat week')!;
		expect(retreat.end!.getTime() - retreat.start.getTime()).toBe(6 * 86_400_000);
		const calendar = (parsed as unknown as { vcalendar: { 'WR-CALNAME': string } }).vcalendar;
		expect(calendar['WR-CALNAME']).toBe(DEMO_COHORT);
	});

	it('shows a cancelled convening as CANCELLED and an edit at its new time', async () => {
		const { convenings } = await s.hearth.cohorts.feed(token);
		const target = convenings[3]!;
		await s.hearth.cohorts.setConveningStatus(facilitator, cohortId, target.id, 'cancelled');
		const moved = convenings[4]!;
		await s.hearth.cohorts.saveConvening(facilitator, cohortId, moved.id, {
			title: 'Moved convening',
			startsAt: '2026-10-20T09:30:00-04:00',
			durationMinutes: 90,
			agenda: []
		});
		const parsed = ical.sync.parseICS(await (await new Visitor(s.url).get(`/feeds/${token}.ics`)).text());
		const events = Object.values(parsed).filter((e): e is ical.VEvent => e?.type === 'VEVENT');
		expect(events.find((e) => e.uid === `${target.id}@hearth`)?.status).toBe('CANCELLED');
		const m = events.find((e) => e.uid === `${moved.id}@hearth`)!;
		expect(m.summary).toBe('Moved convening');
		expect(m.start.toISOString()).toBe('2026-10-20T13:30:00.000Z');
		expect(m.end!.toISOString()).toBe('2026-10-20T15:00:00.000Z');
	});

	it('seeding the demo twice changes nothing', async () => {
		const count = async () => (await s.db.kysely.selectFrom('convenings').select('id').execute()).length;
		const before = await count();
		const again = await seedDemo(s.db, s.clock);
		expect(again.created).toBe(false);
		expect(again.cohortId).toBe(cohortId);
		expect(await count()).toBe(before);
		const users = await s.db.kysely.selectFrom('users').select('id').execute();
		expect(users).toHaveLength(15);
	});
});
