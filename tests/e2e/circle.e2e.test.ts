/**
 * A check-in circle in real browsers: a facilitator and three members in separate contexts. The
 * facilitator opens a circle round, members see their group and the talking piece move as each
 * hands it on, the round closes and everyone is back in the main room.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo, DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, signInThroughForm, skipDeviceCheck } from '../helpers/browser.ts';

const POLL = { timeout: 20_000 };
const MEMBERS = [
	['mei.tanaka@hearth.example', 'Asia/Singapore'],
	['arjun.nair@hearth.example', 'Asia/Singapore'],
	['grace.whitfield@hearth.example', 'America/New_York']
] as const;

describe('check-in circle in the browser', () => {
	let s: TestServer;
	let browser: Browser;
	let livePath: string;

	beforeAll(async () => {
		s = await startTestServer({ clock: systemClock });
		const { cohortId } = await seedDemo(s.db, s.clock);
		const row = await s.db.kysely
			.selectFrom('convenings')
			.select('id')
			.where('cohort_id', '=', cohortId)
			.where('starts_at', '=', '2026-12-14T14:00:00.000Z')
			.executeTakeFirstOrThrow();
		livePath = `/cohorts/${cohortId}/convenings/${row.id}/live`;
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await s?.stop();
	});

	async function enter(email: string, timezoneId: string): Promise<Page> {
		const context = await browser.newContext({ timezoneId, viewport: { width: 1280, height: 900 } });
		await skipDeviceCheck(context);
		const page = await context.newPage();
		await signInThroughForm(page, s.url, email, DEMO_PASSWORD, livePath);
		await page.waitForURL(/\/live$/);
		await expect.poll(() => page.getByTestId('connection').textContent(), POLL).toBe('Connected');
		return page;
	}

	it('the talking piece goes around the circle and everyone returns at the end', async () => {
		const fac = await enter('amara.okafor@hearth.example', 'Africa/Lagos');
		await fac.getByRole('button', { name: 'Go live' }).click();
		await expect.poll(() => fac.getByTestId('phase').textContent(), POLL).toBe('Live');
		const members: Page[] = [];
		for (const [email, zone] of MEMBERS) members.push(await enter(email, zone));
		await expect.poll(() => fac.getByTestId('roster').locator('li').count(), POLL).toBe(4);

		await fac.locator('summary', { hasText: 'Open a breakout round' }).click();
		await fac.getByLabel('Grouping').selectOption('random-count');
		await fac.getByLabel('Number of groups').fill('1');
		await fac.getByLabel('Prompt').fill('How are you arriving today?');
		await fac.getByLabel('Speaking order').selectOption('join');
		await fac.getByRole('button', { name: 'Open the round' }).click();

		for (const m of members) await expect.poll(() => m.getByTestId('my-group').textContent(), POLL).toBe('Group 1');
		await expect.poll(() => fac.getByTestId('groups').textContent(), POLL).toContain('Not started');

		// Before it starts, the facilitator moves Grace one place earlier: Mei, Grace, then Arjun.
		await fac.getByRole('button', { name: 'Move Grace Whitfield earlier' }).click();
		await expect
			.poll(() => fac.getByRole('list', { name: 'Speaking order in Group 1' }).textContent(), POLL)
			.toMatch(/Mei Tanaka.*Grace Whitfield.*Arjun Nair/s);
		const [mei, arjun, grace] = members as [Page, Page, Page];
		const order: [Page, string][] = [
			[mei, 'Mei Tanaka'],
			[grace, 'Grace Whitfield'],
			[arjun, 'Arjun Nair']
		];
		await mei.getByRole('button', { name: 'Begin the circle' }).click();
		for (const [i, [speaker, name]] of order.entries()) {
			await expect.poll(() => speaker.getByText('You hold the talking piece.').count(), POLL).toBe(1);
			for (const other of members)
				if (other !== speaker) await expect.poll(() => other.locator('.seat.speaking').textContent(), POLL).toContain(name);
			if (i === 1) {
				await mei.screenshot({ path: artifactPath('circle-member-listening.png'), fullPage: true });
				await fac.screenshot({ path: artifactPath('circle-facilitator-overview.png'), fullPage: true });
			}
			await speaker.getByRole('button', { name: 'Done, pass it on' }).click();
		}
		for (const m of members) await expect.poll(() => m.getByText('Everyone has spoken.').count(), POLL).toBeGreaterThan(0);
		await expect.poll(() => fac.getByTestId('circle-progress').textContent(), POLL).toContain('spoken 3 of 3');

		// Closing now asks first (a dialog), then everyone returns.
		await fac.getByRole('button', { name: 'Close now' }).click();
		await fac.getByRole('alertdialog').getByRole('button', { name: 'Close now' }).click();
		for (const m of members) await expect.poll(() => m.getByTestId('roster').locator('li').count(), POLL).toBe(4);
		await members[2]!.screenshot({ path: artifactPath('circle-back-in-main-room.png'), fullPage: true });
		for (const p of [fac, ...members]) await p.context().close();
	});
});
