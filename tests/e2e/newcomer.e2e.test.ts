/**
 * The newcomer's path, in a real browser with a fake camera and microphone: from an invitation link
 * to the live room in under a minute. A facilitator invites someone while a convening is open; the
 * newcomer opens the link in a fresh browser, gives name, password and time zone (pre-filled from the
 * browser, shown by its name) in one form, lands on the open convening's device check (their own
 * picture, a level meter that moves), joins, and sees the facilitator in the room. Then: a returning
 * visit skips the check; a browser with no camera or microphone is told so and can still join.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import type { User } from '../../server/auth/users.store.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import type { JoinResult } from '../../shared/live.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser } from '../helpers/browser.ts';
import { openSocket, request, type ClientSocket } from '../helpers/sockets.ts';

const POLL = { timeout: 20_000 };

describe('the newcomer path, invitation to live room', () => {
	let s: TestServer;
	let browser: Browser;
	let fac: ClientSocket;
	let facilitator: User;
	let cohortId: string;
	let conveningId: string;
	let livePath: string;

	beforeAll(async () => {
		s = await startTestServer({ clock: systemClock });
		const seeded = await seedDemo(s.db, s.clock);
		cohortId = seeded.cohortId;
		const row = await s.db.kysely.selectFrom('users').select('id').where('email', '=', seeded.facilitatorEmail).executeTakeFirstOrThrow();
		const session = await s.hearth.auth.createSession(row.id);
		facilitator = (await s.hearth.auth.userForSession(session.token))!;
		// A convening happening now, its doors opened by the facilitator (a socket: no browser needed for them).
		const convening = await s.hearth.cohorts.saveConvening(facilitator, cohortId, undefined, {
			title: 'Monthly circle',
			startsAt: new Date(Date.now() - 5 * 60_000).toISOString(),
			durationMinutes: 90
		});
		conveningId = convening.id;
		livePath = `/cohorts/${cohortId}/convenings/${conveningId}/live`;
		fac = await openSocket(s.url, `${SESSION_COOKIE}=${session.token}`);
		expect((await request<JoinResult>(fac, 'convening:join', { conveningId })).ok).toBe(true);
		expect((await request(fac, 'convening:phase', { phase: 'open' })).ok).toBe(true);
		browser = await launchBrowser({ media: true });
	});
	afterAll(async () => {
		fac?.disconnect();
		await browser?.close();
		await s?.stop();
	});

	/** The level meter, read as a screen reader would (aria-valuenow). */
	const level = async (page: Page) => Number(await page.getByRole('meter', { name: 'Microphone level' }).getAttribute('aria-valuenow'));

	it('opens the link, accepts in one form, checks devices and is in the room within a minute', async () => {
		const { token } = await s.hearth.invites.create(facilitator, cohortId, { role: 'member', email: 'noor.haddad@example.org' });

		const context = await browser.newContext({ timezoneId: 'Asia/Singapore', locale: 'en-GB', viewport: { width: 1280, height: 900 } });
		await context.grantPermissions(['camera', 'microphone']);
		const page = await context.newPage();
		const steps: string[] = [];
		const started = Date.now();

		steps.push('open the invitation link');
		await page.goto(`${s.url}/invite/${token}`);
		await page.waitForSelector('html[data-ready]');
		// The time zone is the browser's own, named in words next to its code.
		expect(await page.getByLabel('Time zone').inputValue()).toBe('Asia/Singapore');
		await expect.poll(() => page.locator('#field-timeZone-hint').textContent(), POLL).toContain('Singapore Standard Time');
		expect(await page.locator('#field-timeZone-hint').textContent()).toContain('Asia/Singapore (GMT+8)');
		// The invitation's address is already filled in.
		expect(await page.getByLabel('Email').inputValue()).toBe('noor.haddad@example.org');

		steps.push('type a name');
		await page.getByLabel('Your name').fill('Noor Haddad');
		steps.push('choose a password');
		await page.getByLabel('Password').fill('a calm fire 2026');
		await page.screenshot({ path: artifactPath('newcomer-1-invitation.png'), fullPage: true });
		steps.push('create the account and join');
		await page.getByRole('button', { name: 'Create account and join' }).click();

		// Straight to the open convening: its device check, with the own picture and a moving meter.
		await page.waitForURL((u) => u.pathname === livePath, POLL);
		const check = page.getByTestId('device-check');
		await check.waitFor(POLL);
		await expect
			.poll(() => page.getByTestId('device-preview').evaluate((v: HTMLVideoElement) => v.videoWidth > 0 && v.currentTime > 0), POLL)
			.toBe(true);
		// The fake microphone beeps: the meter moves (several different readings, some clearly above silence).
		const readings = new Set<number>();
		await expect
			.poll(async () => {
				readings.add(await level(page));
				return readings.size > 2 && Math.max(...readings) > 10;
			}, POLL)
			.toBe(true);
		expect(await page.getByRole('meter', { name: 'Microphone level' }).getAttribute('aria-valuetext')).toMatch(/^\d+ of 100: /);
		expect(await page.getByLabel('Camera').locator('option').count()).toBeGreaterThan(0);
		expect(await page.getByLabel('Microphone').locator('option').count()).toBeGreaterThan(0);
		await page.screenshot({ path: artifactPath('newcomer-2-device-check.png'), fullPage: true });

		steps.push('join');
		await page.getByRole('button', { name: 'Join Monthly circle' }).click();
		await expect.poll(() => page.getByTestId('roster').textContent(), POLL).toContain('Amara Okafor');
		const took = Date.now() - started;
		expect(await page.getByTestId('roster').textContent()).toContain('Noor Haddad');
		// The room started the camera and microphone as chosen: the own picture plays, nothing is asked again.
		await expect
			.poll(() => page.locator('[data-testid=video-self] video').evaluate((v: HTMLVideoElement) => v.videoWidth > 0), POLL)
			.toBe(true);
		expect(await page.getByRole('button', { name: 'Turn on camera and microphone' }).count()).toBe(0);
		await page.screenshot({ path: artifactPath('newcomer-3-live-room.png'), fullPage: true });

		console.log(`newcomer path: ${steps.length} steps in ${(took / 1000).toFixed(1)} s: ${steps.join(' → ')}`);
		expect(took).toBeLessThan(60_000);
		expect(steps.length).toBeLessThanOrEqual(5);
		// The account kept the browser's zone, and the facilitator sees the newcomer.
		const user = await s.db.kysely
			.selectFrom('users')
			.select('time_zone')
			.where('email', '=', 'noor.haddad@example.org')
			.executeTakeFirstOrThrow();
		expect(user.time_zone).toBe('Asia/Singapore');

		// Coming back: no check, straight into the room, with a way to check again.
		await page.reload();
		await expect.poll(() => page.getByTestId('roster').textContent(), POLL).toContain('Amara Okafor');
		expect(await page.getByTestId('device-check').count()).toBe(0);
		await page.getByRole('button', { name: 'Check camera and microphone' }).click();
		await expect.poll(() => page.getByRole('dialog').getByTestId('device-check').count(), POLL).toBe(1);
		await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
		await expect.poll(() => page.getByRole('dialog').count(), POLL).toBe(0);
		await context.close();
	});

	it('without a camera or microphone the check says so, and joining still works', async () => {
		// No fake devices in this browser: nothing to capture.
		const bare = await launchBrowser();
		try {
			const { token } = await s.hearth.invites.create(facilitator, cohortId, { role: 'member' });
			const context = await bare.newContext({ timezoneId: 'America/Bogota', viewport: { width: 1280, height: 900 } });
			const page = await context.newPage();
			await page.goto(`${s.url}/invite/${token}`);
			await page.waitForSelector('html[data-ready]');
			await page.getByLabel('Your name').fill('Lucía Gómez');
			await page.getByLabel('Email').fill('lucia.gomez@example.org');
			await page.getByLabel('Password').fill('a calm fire 2026');
			await page.getByRole('button', { name: 'Create account and join' }).click();
			await page.waitForURL((u) => u.pathname === livePath, POLL);
			const problem = page.getByTestId('device-problem');
			await expect.poll(() => problem.textContent(), POLL).toMatch(/You can still join/);
			await page.screenshot({ path: artifactPath('newcomer-no-devices.png'), fullPage: true });
			await page.getByRole('button', { name: 'Join Monthly circle' }).click();
			await expect.poll(() => page.getByTestId('roster').textContent(), POLL).toContain('Amara Okafor');
			await context.close();
		} finally {
			await bare.close();
		}
	});
});
