/**
 * Screenshots of every main page at desktop (1280×800) and phone (390×844) widths, in the light
 * and the dark theme, saved under test-artifacts/ as screen-<page>-<width>-<theme>.png for people
 * to look at. What a test can tell without eyes is checked too: no page scrolls sideways on a
 * phone (the layout fits), and on a phone the live room shows one part at a time, chosen by tabs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, signInThroughForm, skipDeviceCheck } from '../helpers/browser.ts';
import { seedDemoPages } from '../helpers/demo-pages.ts';

const POLL = { timeout: 20_000 };
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SCHEMES = ['light', 'dark'] as const;
type Scheme = (typeof SCHEMES)[number];

describe('screenshots of the main pages', () => {
	let s: TestServer;
	let browser: Browser;
	let c: string;
	let boardPath: string;
	let conveningPath: string;
	/** Pages whose layout is wider than a phone, with how far they overflow. */
	const overflows: string[] = [];

	beforeAll(async () => {
		s = await startTestServer({ clock: systemClock });
		const demo = await seedDemoPages(s);
		c = `/cohorts/${demo.cohortId}`;
		boardPath = `${c}/boards/${demo.boardId}/map`;
		conveningPath = `${c}/convenings/${demo.conveningId}`;
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await s?.stop();
	});

	async function signedIn(email: string, scheme: Scheme, next?: string): Promise<{ context: BrowserContext; page: Page }> {
		const context = await browser.newContext({ colorScheme: scheme, viewport: DESKTOP, timezoneId: 'Europe/Madrid' });
		await skipDeviceCheck(context);
		const page = await context.newPage();
		await signInThroughForm(page, s.url, email, DEMO_PASSWORD, next);
		await page.waitForURL(next ? (u) => u.pathname === next : /\/cohorts\//);
		await page.waitForSelector('html[data-ready]');
		return { context, page };
	}

	/** Desktop then phone, in the page's current theme; records a phone layout wider than the phone. */
	async function shoot(page: Page, name: string, scheme: Scheme): Promise<void> {
		await page.setViewportSize(DESKTOP);
		await page.screenshot({ path: artifactPath(`screen-${name}-desktop-${scheme}.png`), fullPage: true });
		await page.setViewportSize(PHONE);
		// Let the layout settle at the new width (media queries, the live room's tabs).
		await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
		const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		if (wide > 1) overflows.push(`${name} (${scheme}): ${wide}px wider than the phone`);
		await page.screenshot({ path: artifactPath(`screen-${name}-phone-${scheme}.png`), fullPage: true });
		await page.setViewportSize(DESKTOP);
	}

	it('the live room during a circle round, as the member holding the piece and as the facilitator', async () => {
		const live = `${conveningPath}/live`;
		const fac = await signedIn('amara.okafor@hearth.example', 'light', live);
		await expect.poll(() => fac.page.getByTestId('connection').textContent(), POLL).toBe('Connected');
		await fac.page.getByRole('button', { name: 'Go live' }).click();
		const mei = await signedIn('mei.tanaka@hearth.example', 'light', live);
		const arjun = await signedIn('arjun.nair@hearth.example', 'light', live);
		await expect.poll(() => fac.page.getByTestId('roster').locator('li').count(), POLL).toBe(3);

		await fac.page.locator('summary', { hasText: 'Open a breakout round' }).click();
		await fac.page.getByLabel('Grouping').selectOption('random-count');
		await fac.page.getByLabel('Number of groups').fill('1');
		await fac.page.getByLabel('Prompt').fill('What are you bringing with you today?');
		await fac.page.getByLabel('Speaking order').selectOption('join');
		await fac.page.getByRole('button', { name: 'Open the round' }).click();
		await expect.poll(() => mei.page.getByTestId('my-group').textContent(), POLL).toBe('Group 1');
		await mei.page.getByRole('button', { name: 'Begin the circle' }).click();
		await expect.poll(() => mei.page.getByText('You hold the talking piece.').count(), POLL).toBe(1);
		await expect.poll(() => fac.page.getByTestId('circle-progress').textContent(), POLL).toContain('Mei Tanaka');
		// The group's board sits beside the circle.
		await expect.poll(() => mei.page.getByTestId('group-board-preview').count(), POLL).toBe(1);

		for (const scheme of SCHEMES) {
			for (const p of [mei.page, fac.page]) await p.emulateMedia({ colorScheme: scheme });
			await shoot(mei.page, 'live-circle-member', scheme);
			await shoot(fac.page, 'live-circle-facilitator', scheme);
		}

		// On a phone the room shows one part at a time; the tabs switch between them.
		await mei.page.setViewportSize(PHONE);
		const tabs = mei.page.getByRole('tablist', { name: 'Parts of the room' });
		await expect.poll(() => tabs.getByRole('tab').allTextContents(), POLL).toEqual(['Video', 'Circle', 'Board', 'Chat', 'Agenda']);
		await tabs.getByRole('tab', { name: 'Circle' }).click();
		await expect.poll(() => mei.page.getByRole('tabpanel').getByTestId('my-group').isVisible(), POLL).toBe(true);
		await mei.page.screenshot({ path: artifactPath('screen-live-circle-member-phone-circle-tab-dark.png'), fullPage: true });
		await tabs.getByRole('tab', { name: 'Chat' }).click();
		await expect.poll(() => mei.page.getByTestId('chat').isVisible(), POLL).toBe(true);
		expect(await mei.page.getByTestId('my-group').isVisible()).toBe(false);

		for (const x of [fac, mei, arjun]) await x.context.close();
	});

	for (const scheme of SCHEMES) {
		it(`every main page at desktop and phone widths (${scheme})`, async () => {
			const anon = await browser.newContext({ colorScheme: scheme, viewport: DESKTOP });
			const signIn = await anon.newPage();
			await signIn.goto(`${s.url}/login`);
			await signIn.waitForSelector('html[data-ready]');
			await shoot(signIn, 'sign-in', scheme);
			await anon.close();

			const { context, page } = await signedIn('amara.okafor@hearth.example', scheme);
			const pages: [string, string][] = [
				['cohort-home', c],
				['people', `${c}/people`],
				['year', `${c}/year`],
				['boards', `${c}/boards`],
				['map', boardPath],
				['convening', conveningPath],
				['settings', '/settings']
			];
			for (const [name, path] of pages) {
				await page.goto(`${s.url}${path}`);
				await page.waitForSelector('html[data-ready]');
				await page.waitForLoadState('networkidle');
				if (name === 'map') await expect.poll(() => page.getByTestId('board-status').textContent(), POLL).toBe('Saved and live');
				await shoot(page, name, scheme);
			}
			await context.close();
		});
	}

	it('no page scrolls sideways on a phone', () => {
		expect(overflows).toEqual([]);
	});
});
