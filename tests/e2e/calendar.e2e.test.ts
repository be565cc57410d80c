/**
 * A demo member sees the next convening in their own time zone; a facilitator schedules a
 * convening with an agenda and members see it at the right local time. Real Chromium, real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo, DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, signInThroughForm } from '../helpers/browser.ts';

/** Waits for what a person would wait for; generous, because the machine may be slow. */
const POLL = { timeout: 15_000 };

describe('cohort calendar in the browser', () => {
	let s: TestServer;
	let browser: Browser;
	let cohortId: string;

	beforeAll(async () => {
		// The server's clock says 23 Nov 2026, so the next demo convening is 14 Dec 2026 14:00 UTC.
		s = await startTestServer();
		cohortId = (await seedDemo(s.db, s.clock)).cohortId;
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await s?.stop();
	});

	async function signIn(email: string, timezoneId: string): Promise<Page> {
		const context = await browser.newContext({ timezoneId, locale: 'en-GB', viewport: { width: 1280, height: 900 } });
		const page = await context.newPage();
		await signInThroughForm(page, s.url, email, DEMO_PASSWORD);
		await page.waitForURL(`${s.url}/cohorts/${cohortId}`);
		return page;
	}

	it('a member in Singapore sees the next convening at 22:00 Singapore time, with the zone named', async () => {
		const page = await signIn('mei.tanaka@hearth.example', 'Asia/Singapore');
		const next = page.getByTestId('next-convening');
		await expect.poll(() => next.textContent(), POLL).toContain('Convening 7');
		const text = (await next.textContent())!;
		expect(text).toContain('Mon, 14 Dec 2026, 22:00');
		expect(text).toContain('Asia/Singapore (GMT+8)');
		// The countdown ticks in the browser.
		const countdown = page.getByTestId('countdown');
		await expect.poll(() => countdown.textContent(), POLL).toMatch(/^(in |now)/);
		// The calendar lists the whole program, in the member's zone.
		const calendar = page.getByRole('region', { name: 'Program calendar' });
		await expect.poll(() => calendar.textContent(), POLL).toContain('June 2026');
		expect(await calendar.textContent()).toContain('July 2027');
		// 14:00 UTC for two hours is 22:00 to midnight in Singapore.
		expect(await calendar.locator('li').first().textContent()).toMatch(/Mon,? 22 Jun\s*22:00–00:00 \(\+1 day\)\s*Convening 1: Opening/);
		expect(await page.getByRole('region', { name: 'People' }).textContent()).toContain('Singapore Educators');
		await page.screenshot({ path: artifactPath('member-cohort-home.png'), fullPage: true });
		await page.setViewportSize({ width: 390, height: 844 });
		await page.screenshot({ path: artifactPath('member-cohort-home-phone.png'), fullPage: true });
		await page.context().close();
	});

	it('a facilitator schedules a convening with an agenda; a member sees it in their own zone', async () => {
		// Amara's stored zone is Africa/Lagos (GMT+1).
		const page = await signIn('amara.okafor@hearth.example', 'Africa/Lagos');
		await page.getByRole('link', { name: 'Schedule a convening' }).click();
		await page.waitForURL(/\/convenings\/new$/);
		await page.getByLabel('Title', { exact: true }).fill('Extra session: archetypes');
		await page.getByLabel('Starts').fill('2027-01-25T15:00');
		await page.getByLabel('Duration (minutes)').fill('90');
		await page.getByLabel('Item 1 title').fill('Check-in circle');
		await page.getByLabel('Item 1 minutes').fill('20');
		await page.getByRole('button', { name: 'Add agenda item' }).click();
		await page.getByLabel('Item 2 title').fill('Mapping: fixes that fail');
		await page.getByLabel('Item 2 minutes').fill('70');
		await page.screenshot({ path: artifactPath('facilitator-new-convening.png') });
		await page.getByRole('button', { name: 'Schedule convening' }).click();
		await page.waitForURL(/\/convenings\/[0-9a-f-]{36}$/);
		const article = page.locator('article');
		expect(await article.textContent()).toContain('Mon, 25 Jan 2027, 15:00');
		expect(await article.textContent()).toContain('Mapping: fixes that fail');
		await page.screenshot({ path: artifactPath('facilitator-convening-created.png'), fullPage: true });

		const stored = (await s.hearth.cohorts.feed(await s.hearth.cohorts.rotateFeed(await facilitator(), cohortId))).convenings.find(
			(c) => c.title === 'Extra session: archetypes'
		)!;
		expect(stored.startsAt).toBe('2027-01-25T14:00:00.000Z');
		expect(stored.agenda.map((a) => [a.title, a.durationMinutes])).toEqual([
			['Check-in circle', 20],
			['Mapping: fixes that fail', 70]
		]);
		await page.context().close();

		const member = await signIn('mei.tanaka@hearth.example', 'Asia/Singapore');
		const calendar = member.getByRole('region', { name: 'Program calendar' });
		await expect.poll(() => calendar.textContent(), POLL).toContain('Extra session: archetypes');
		const row = calendar.locator('li', { hasText: 'Extra session: archetypes' });
		expect(await row.textContent()).toMatch(/Mon,? 25 Jan\s*22:00–23:30/);
		await member.context().close();
	});

	it('a form with bad input shows what to fix, in place', async () => {
		const page = await signIn('amara.okafor@hearth.example', 'Africa/Lagos');
		await page.goto(`${s.url}/cohorts/${cohortId}/convenings/new`);
		await page.waitForSelector('html[data-ready]');
		await page.getByLabel('Title', { exact: true }).fill('Too short');
		await page.getByLabel('Starts').fill('2027-02-01T10:00');
		await page.getByLabel('Duration (minutes)').fill('30000');
		await page.getByRole('button', { name: 'Schedule convening' }).click();
		await expect.poll(() => page.getByRole('alert').textContent(), POLL).toContain('Please correct the highlighted fields.');
		expect(await page.locator('.field .error').allTextContents()).toContain('A convening lasts at most 14 days.');
		expect(await page.getByLabel('Title', { exact: true }).inputValue()).toBe('Too short');
		await page.screenshot({ path: artifactPath('facilitator-form-error.png'), fullPage: true });
		await page.context().close();
	});

	async function facilitator() {
		const row = await s.db.kysely
			.selectFrom('users')
			.select('id')
			.where('email', '=', 'amara.okafor@hearth.example')
			.executeTakeFirstOrThrow();
		return (await s.hearth.auth.userForSession((await s.hearth.auth.createSession(row.id)).token))!;
	}
});
