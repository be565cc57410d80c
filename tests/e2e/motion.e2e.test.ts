/**
 * Reduced motion: with the system asking for it, nothing on the live page during a circle round
 * (the piece moving on, timers, a reaction) or on the map page moves by itself: no running
 * animation or transition longer than a hundredth of a second, and every element's transitions
 * and animations are off. The same pages without the setting do move (checked first, so the
 * measurement is shown to see motion when there is some).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seedDemo } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import type { JoinResult } from '../../shared/live.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, skipDeviceCheck } from '../helpers/browser.ts';
import { openSocket, request, type ClientSocket } from '../helpers/sockets.ts';

const POLL = { timeout: 20_000 };

interface Motion {
	/** Animations and transitions running now that last longer than 10 ms. */
	running: string[];
	/** Elements whose styles would animate or transition a change. */
	moving: string[];
}

/** What moves on the page now, and what would move on a change. */
const motion = (page: Page) =>
	page.evaluate((): Motion => {
		const running = document
			.getAnimations()
			.filter((a) => a.playState === 'running' && Number(a.effect?.getComputedTiming().duration ?? 0) > 10)
			.map((a) => `${a.constructor.name} ${(a as CSSAnimation).animationName ?? (a as CSSTransition).transitionProperty ?? ''}`);
		const seconds = (list: string) => Math.max(...list.split(',').map((v) => parseFloat(v) || 0));
		const moving: string[] = [];
		for (const el of document.querySelectorAll('*')) {
			for (const pseudo of [null, '::before', '::after']) {
				const s = getComputedStyle(el, pseudo);
				const moves =
					(s.transitionProperty !== 'none' && seconds(s.transitionDuration) > 0.01) ||
					(s.animationName !== 'none' && seconds(s.animationDuration) > 0.01);
				if (moves) moving.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')}${pseudo ?? ''}`);
			}
		}
		return { running, moving };
	});

describe('reduced motion in the browser', () => {
	let s: TestServer;
	let browser: Browser;
	let fac: ClientSocket;
	let arjun: ClientSocket;
	let livePath: string;
	let mapPath: string;
	const ids: Record<string, string> = {};
	const token = async (email: string) => (await s.hearth.auth.createSession(ids[email]!)).token;

	beforeAll(async () => {
		s = await startTestServer({ clock: systemClock });
		const seeded = await seedDemo(s.db, s.clock);
		for (const u of await s.db.kysely.selectFrom('users').select(['id', 'email']).execute()) ids[u.email] = u.id;
		const row = await s.db.kysely
			.selectFrom('convenings')
			.select('id')
			.where('cohort_id', '=', seeded.cohortId)
			.where('starts_at', '=', '2026-12-14T14:00:00.000Z')
			.executeTakeFirstOrThrow();
		livePath = `/cohorts/${seeded.cohortId}/convenings/${row.id}/live`;
		const facUser = (await s.hearth.auth.userForSession(await token(seeded.facilitatorEmail)))!;
		mapPath = `/cohorts/${seeded.cohortId}/boards/${(await s.hearth.boards.create(facUser, seeded.cohortId, { title: 'Calm' })).id}/map`;
		fac = await openSocket(s.url, `${SESSION_COOKIE}=${await token(seeded.facilitatorEmail)}`);
		expect((await request<JoinResult>(fac, 'convening:join', { conveningId: row.id })).ok).toBe(true);
		expect((await request(fac, 'convening:phase', { phase: 'live' })).ok).toBe(true);
		arjun = await openSocket(s.url, `${SESSION_COOKIE}=${await token('arjun.nair@hearth.example')}`);
		expect((await request<JoinResult>(arjun, 'convening:join', { conveningId: row.id })).ok).toBe(true);
		browser = await launchBrowser();
	});
	afterAll(async () => {
		fac?.disconnect();
		arjun?.disconnect();
		await browser?.close();
		await s?.stop();
	});

	async function meiIn(reducedMotion: 'reduce' | 'no-preference'): Promise<{ context: BrowserContext; page: Page }> {
		const context = await browser.newContext({ reducedMotion, viewport: { width: 1280, height: 900 } });
		await skipDeviceCheck(context);
		await context.addCookies([{ name: SESSION_COOKIE, value: await token('mei.tanaka@hearth.example'), url: s.url }]);
		const page = await context.newPage();
		await page.goto(`${s.url}${livePath}`);
		await expect.poll(() => page.getByTestId('connection').textContent(), POLL).toBe('Connected');
		return { context, page };
	}

	it('the live room in a circle round and the map page keep still under reduced motion', async () => {
		// Without the setting: a reaction floats up, the room moves. The measurement sees it.
		const moving = await meiIn('no-preference');
		expect((await request(arjun, 'reaction:send', { reaction: REACTION })).ok).toBe(true);
		await expect.poll(async () => (await motion(moving.page)).running.length, POLL).toBeGreaterThan(0);
		expect((await motion(moving.page)).moving.length).toBeGreaterThan(0);
		await moving.context.close();

		const { context, page } = await meiIn('reduce');
		expect((await request(arjun, 'reaction:send', { reaction: REACTION })).ok).toBe(true);
		await expect.poll(() => page.locator('.float').count(), POLL).toBeGreaterThan(0);
		expect(await motion(page)).toEqual({ running: [], moving: [] });

		// A circle round: the piece moves from Arjun to Mei while the page is watched.
		expect(
			(
				await request(fac, 'round:open', {
					kind: 'circle',
					grouping: { kind: 'manual', groups: [{ memberIds: [ids['mei.tanaka@hearth.example']!, ids['arjun.nair@hearth.example']!] }] },
					durationMinutes: 10,
					circle: { order: 'join', listenOnly: false, turnSeconds: 60 }
				})
			).ok
		).toBe(true);
		await expect.poll(() => page.getByTestId('my-group').textContent(), POLL).toBe('Group 1');
		expect((await request(arjun, 'circle:start')).ok).toBe(true);
		await expect.poll(() => page.locator('.seat.speaking').textContent(), POLL).toContain('Arjun Nair');
		expect((await request(arjun, 'circle:done')).ok).toBe(true);
		await expect.poll(() => page.getByText('You hold the talking piece.').count(), POLL).toBe(1);
		expect(await motion(page)).toEqual({ running: [], moving: [] });
		await page.screenshot({ path: artifactPath('motion-reduced-circle.png'), fullPage: true });

		await page.goto(`${s.url}${mapPath}`);
		await expect.poll(() => page.getByTestId('board-status').textContent(), POLL).toBe('Saved and live');
		expect(await motion(page)).toEqual({ running: [], moving: [] });
		await context.close();
	});
});

const REACTION = 'heart';
