/**
 * Automated accessibility checks (axe-core) on every main page, in light and dark themes: no
 * serious or critical violations. Screenshots of each page at desktop and phone widths are saved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, signInThroughForm, skipDeviceCheck } from '../helpers/browser.ts';
import { seedDemoPages } from '../helpers/demo-pages.ts';

describe('accessibility of the main pages', () => {
	let s: TestServer;
	let browser: Browser;
	const pages: [string, string][] = [];

	beforeAll(async () => {
		s = await startTestServer({ clock: systemClock });
		const demo = await seedDemoPages(s);
		const board = { id: demo.boardId };
		const convening = { id: demo.conveningId };
		const c = `/cohorts/${demo.cohortId}`;
		pages.push(
			['cohort-home', c],
			['people', `${c}/people`],
			['boards', `${c}/boards`],
			['board', `${c}/boards/${board.id}`],
			['map', `${c}/boards/${board.id}/map`],
			['history', `${c}/boards/${board.id}/history`],
			['convening', `${c}/convenings/${convening.id}`],
			['live-room', `${c}/convenings/${convening.id}/live`],
			['new-convening', `${c}/convenings/new`],
			['settings', '/settings']
		);
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await s?.stop();
	});

	async function signedIn(colorScheme: 'light' | 'dark'): Promise<BrowserContext> {
		const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 900 } });
		await skipDeviceCheck(context);
		const page = await context.newPage();
		await signInThroughForm(page, s.url, 'amara.okafor@hearth.example', DEMO_PASSWORD);
		await page.waitForURL(/\/cohorts\//);
		await page.close();
		return context;
	}

	for (const scheme of ['light', 'dark'] as const) {
		it(`has no serious or critical violations (${scheme})`, async () => {
			const context = await signedIn(scheme);
			const problems: string[] = [];
			const check = async (name: string, path: string) => {
				const page = await context.newPage();
				await page.goto(`${s.url}${path}`);
				await page.waitForLoadState('networkidle');
				const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
				for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
					problems.push(
						`${name}: ${v.id} (${v.impact}) ${v.nodes
							.map((n) => n.target.join(' '))
							.slice(0, 3)
							.join(' | ')}`
					);
				}
				await page.screenshot({ path: artifactPath(`page-${name}-${scheme}.png`), fullPage: true });
				if (scheme === 'light') {
					await page.setViewportSize({ width: 390, height: 844 });
					await page.screenshot({ path: artifactPath(`page-${name}-phone.png`), fullPage: true });
				}
				await page.close();
			};
			for (const [name, path] of pages) await check(name, path);
			await context.close();
			// Signed-out pages.
			const anon = await browser.newContext({ colorScheme: scheme });
			const page = await anon.newPage();
			await page.goto(`${s.url}/login`);
			const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
			for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'))
				problems.push(`login: ${v.id} (${v.impact})`);
			await anon.close();
			expect(problems).toEqual([]);
		});
	}
});
