/**
 * Peer-to-peer video in real browsers with fake cameras: three members in the main room each
 * receive the others' video (decoded frames rising in getStats); after a breakout opens each sees
 * only their own group; after it closes, everyone again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo, DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import type { JoinResult } from '../../shared/live.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, signInThroughForm, skipDeviceCheck } from '../helpers/browser.ts';
import { openSocket, request, type ClientSocket } from '../helpers/sockets.ts';

const POLL = { timeout: 45_000, interval: 500 };
const PEOPLE = ['mei.tanaka@hearth.example', 'arjun.nair@hearth.example', 'grace.whitfield@hearth.example'] as const;

describe('peer-to-peer video in the browser', () => {
	let s: TestServer;
	let browser: Browser;
	let fac: ClientSocket;
	let livePath: string;
	let conveningId: string;
	const ids: Record<string, string> = {};

	beforeAll(async () => {
		s = await startTestServer({ clock: systemClock });
		const seeded = await seedDemo(s.db, s.clock);
		const row = await s.db.kysely
			.selectFrom('convenings')
			.select('id')
			.where('cohort_id', '=', seeded.cohortId)
			.where('starts_at', '=', '2026-12-14T14:00:00.000Z')
			.executeTakeFirstOrThrow();
		conveningId = row.id;
		livePath = `/cohorts/${seeded.cohortId}/convenings/${conveningId}/live?debug-media`;
		for (const u of await s.db.kysely.selectFrom('users').select(['id', 'email']).execute()) ids[u.email] = u.id;
		// The facilitator runs the round from here: no browser needed for them.
		fac = await openSocket(s.url, `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(ids[seeded.facilitatorEmail]!)).token}`);
		const joined = await request<JoinResult>(fac, 'convening:join', { conveningId });
		expect(joined.ok).toBe(true);
		await request(fac, 'convening:phase', { phase: 'live' });
		browser = await launchBrowser({ media: true });
	});
	afterAll(async () => {
		fac?.disconnect();
		await browser?.close();
		await s?.stop();
	});

	async function enter(email: string): Promise<Page> {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		await skipDeviceCheck(context);
		await context.grantPermissions(['camera', 'microphone']);
		const page = await context.newPage();
		await signInThroughForm(page, s.url, email, DEMO_PASSWORD, livePath);
		await page.waitForURL(/\/live\?debug-media$/);
		await expect.poll(() => page.getByTestId('connection').textContent(), POLL).toBe('Connected');
		await page.getByRole('button', { name: 'Turn on camera and microphone' }).click();
		return page;
	}

	/** Decoded video frames from each peer, per user id. */
	const frames = (page: Page) =>
		page.evaluate(
			async () =>
				(await (globalThis as unknown as { hearthMedia: { stats(): Promise<Record<string, number>> } }).hearthMedia.stats()) as Record<
					string,
					number
				>
		);

	/**
	 * Waits until video from exactly `from` is flowing (frames rising), connected to nobody else in
	 * the room but the facilitator when `withFacilitator` (a socket without a camera, in the main room).
	 */
	async function receivesExactly(page: Page, from: string[], withFacilitator = false): Promise<void> {
		const want = from.map((e) => ids[e]!).sort();
		const peers = [...want, ...(withFacilitator ? [ids['amara.okafor@hearth.example']!] : [])].sort();
		await expect.poll(async () => Object.keys(await frames(page)).sort(), POLL).toEqual(peers);
		const before = await frames(page);
		await expect
			.poll(async () => {
				const now = await frames(page);
				return want.every((id) => (now[id] ?? 0) > (before[id] ?? 0) && (now[id] ?? 0) > 5);
			}, POLL)
			.toBe(true);
	}

	it('main room: everyone sees everyone; a breakout: only your group; afterwards: everyone again', async () => {
		const pages = [];
		for (const email of PEOPLE) pages.push(await enter(email));
		const [mei, arjun, grace] = pages as [Page, Page, Page];
		await receivesExactly(mei, [PEOPLE[1], PEOPLE[2]], true);
		await receivesExactly(arjun, [PEOPLE[0], PEOPLE[2]], true);
		await receivesExactly(grace, [PEOPLE[0], PEOPLE[1]], true);
		await mei.screenshot({ path: artifactPath('video-main-room.png') });

		const opened = await request(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'manual', groups: [{ memberIds: [ids[PEOPLE[0]]!, ids[PEOPLE[1]]!] }, { memberIds: [ids[PEOPLE[2]]!] }] },
			durationMinutes: 10
		});
		expect(opened.ok).toBe(true);
		await receivesExactly(mei, [PEOPLE[1]]);
		await receivesExactly(arjun, [PEOPLE[0]]);
		await expect.poll(async () => Object.keys(await frames(grace)), POLL).toEqual([]);
		await mei.screenshot({ path: artifactPath('video-breakout.png') });

		expect(await request(fac, 'round:close', { mode: 'now' })).toEqual({ ok: true, data: null });
		await receivesExactly(mei, [PEOPLE[1], PEOPLE[2]], true);
		await receivesExactly(grace, [PEOPLE[0], PEOPLE[1]], true);
		for (const p of pages) await p.context().close();
	});
});
