/**
 * Plain forms work in a real browser: a form that is not enhanced (Sign out) and every form with
 * JavaScript off post with the page's own Origin and are accepted. Under `Referrer-Policy:
 * no-referrer` Chromium sends `Origin: null` on such posts and the origin checks refused them all
 * (this test caught it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { seedDemo, DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { launchBrowser, signInThroughForm } from '../helpers/browser.ts';

describe('plain form posts in the browser', () => {
	let s: TestServer;
	let browser: Browser;
	let cohortId: string;

	beforeAll(async () => {
		s = await startTestServer();
		cohortId = (await seedDemo(s.db, s.clock)).cohortId;
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await s?.stop();
	});

	it('"Sign out" (a plain form post) signs out', async () => {
		const context = await browser.newContext({ locale: 'en-GB' });
		const page = await context.newPage();
		await signInThroughForm(page, s.url, 'mei.tanaka@hearth.example', DEMO_PASSWORD);
		await page.waitForURL(`${s.url}/cohorts/${cohortId}`);
		await page.waitForSelector('html[data-ready]');
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL((url) => url.pathname === '/login' || url.pathname === '/');
		// Signed out for real: the cohort sends us to sign in again.
		await page.goto(`${s.url}/cohorts/${cohortId}`);
		expect(new URL(page.url()).pathname).toBe('/login');
		await context.close();
	});

	it('with JavaScript off, signing in still works', async () => {
		const context = await browser.newContext({ locale: 'en-GB', javaScriptEnabled: false });
		const page = await context.newPage();
		await page.goto(`${s.url}/login`);
		await page.getByLabel('Email').fill('mei.tanaka@hearth.example');
		await page.getByLabel('Password').fill(DEMO_PASSWORD);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL(`${s.url}/cohorts/${cohortId}`);
		expect(await page.getByTestId('next-convening').textContent()).toContain('Convening 7');
		await context.close();
	});
});
