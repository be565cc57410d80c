/**
 * The live main room in real browsers: a facilitator opens the doors, a member joins, both see
 * each other, a raised hand and a chat message cross over, and the agenda timer runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo, DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, signInThroughForm, skipDeviceCheck } from '../helpers/browser.ts';

const POLL = { timeout: 15_000 };

describe('live convening in the browser', () => {
	let s: TestServer;
	let browser: Browser;
	let cohortId: string;
	let conveningId: string;

	beforeAll(async () => {
		// Real time: the browser's timers and the server's must agree for the agenda ring.
		s = await startTestServer({ clock: systemClock });
		cohortId = (await seedDemo(s.db, s.clock)).cohortId;
		const row = await s.db.kysely
			.selectFrom('convenings')
			.select('id')
			.where('cohort_id', '=', cohortId)
			.where('starts_at', '=', '2026-12-14T14:00:00.000Z')
			.executeTakeFirstOrThrow();
		conveningId = row.id;
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await s?.stop();
	});

	async function signedIn(email: string, timezoneId: string): Promise<Page> {
		const context = await browser.newContext({ timezoneId, viewport: { width: 1280, height: 900 } });
		await skipDeviceCheck(context);
		const page = await context.newPage();
		await signInThroughForm(page, s.url, email, DEMO_PASSWORD, `/cohorts/${cohortId}/convenings/${conveningId}/live`);
		await page.waitForURL(/\/live$/);
		return page;
	}

	it('a member waits for the doors, then joins; hands, chat and the agenda reach both', async () => {
		const mei = await signedIn('mei.tanaka@hearth.example', 'Asia/Singapore');
		await expect.poll(() => mei.getByText('This convening is not open right now.').count(), POLL).toBe(1);

		const amara = await signedIn('amara.okafor@hearth.example', 'Africa/Lagos');
		await expect.poll(() => amara.getByTestId('connection').textContent(), POLL).toBe('Connected');
		await amara.getByRole('button', { name: 'Open the doors' }).click();
		await expect.poll(() => amara.getByTestId('phase').textContent(), POLL).toContain('Open');

		await mei.getByRole('button', { name: 'Try again' }).click();
		await expect.poll(() => mei.getByTestId('roster').textContent(), POLL).toContain('Amara Okafor');
		await expect.poll(() => amara.getByTestId('roster').textContent(), POLL).toContain('Mei Tanaka');

		await mei.getByRole('button', { name: /Raise hand/ }).click();
		await expect.poll(() => amara.getByTestId('hand').count(), POLL).toBe(1);
		expect(await amara.getByTestId('hand').textContent()).toContain('1');

		await mei.getByLabel('Message').fill('Good morning from Singapore');
		await mei.getByRole('button', { name: 'Send' }).click();
		await expect.poll(() => amara.getByTestId('chat').textContent(), POLL).toContain('Good morning from Singapore');

		await amara.getByRole('button', { name: 'Start the agenda' }).click();
		await expect.poll(() => mei.getByTestId('agenda-left').textContent(), POLL).toMatch(/\d+:\d\d left/);

		await amara.getByRole('button', { name: 'Lower' }).click();
		await expect.poll(() => mei.getByTestId('hand').count(), POLL).toBe(0);
		await mei.screenshot({ path: artifactPath('live-member.png'), fullPage: true });
		await amara.screenshot({ path: artifactPath('live-facilitator.png'), fullPage: true });
		await mei.context().close();
		await amara.context().close();
	});
});
