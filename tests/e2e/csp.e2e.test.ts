/**
 * [SEC1] The app works under its own Content-Security-Policy in Chromium: the main pages load,
 * hydrate and connect (socket.io, the board websocket, LiveKit when configured; a PNG export draws a
 * blob: image) without a single CSP violation, counted both from `securitypolicyviolation` events
 * and from console messages naming the Content Security Policy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seedDemo, DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, signInThroughForm, skipDeviceCheck } from '../helpers/browser.ts';

const POLL = { timeout: 30_000, interval: 250 };

/** The little of a page's globals these tests touch. */
interface PageGlobals {
	document: {
		addEventListener(
			type: 'securitypolicyviolation',
			listener: (e: { violatedDirective: string; blockedURI: string; sourceFile: string; lineNumber: number }) => void
		): void;
		createElement(tag: 'script'): { textContent: string };
		body: { append(node: unknown): void };
	};
	__hearthViolation?: (v: string) => Promise<unknown>;
	injected?: boolean;
}

/** Violations seen in a browser context: every page's events and console lines. */
async function watchViolations(context: BrowserContext): Promise<string[]> {
	const seen: string[] = [];
	context.on('page', (page: Page) =>
		page.on('console', (msg) => {
			if (/Content Security Policy|Content-Security-Policy/i.test(msg.text())) seen.push(`console: ${msg.text()}`);
		})
	);
	// Reported by the page itself, so a violation the console would not show is still counted.
	await context.exposeFunction('__hearthViolation', (v: string) => seen.push(`event: ${v}`));
	await context.addInitScript(() => {
		// Runs in the page (DOM types are not in this project's server-side lib).
		const page = globalThis as unknown as PageGlobals;
		page.document.addEventListener('securitypolicyviolation', (e) => {
			void page.__hearthViolation?.(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
		});
	});
	return seen;
}

/** A page in a fresh context with a camera and microphone allowed, its violations watched. */
async function watchedPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	await skipDeviceCheck(context);
	await context.grantPermissions(['camera', 'microphone']);
	const violations = await watchViolations(context);
	return { context, page: await context.newPage(), violations };
}

/** Stands in for a LiveKit server: records each websocket the browser opens to it, then drops it; answers nothing else. */
async function livekitStandIn(): Promise<{ url: string; attempts: string[]; close(): Promise<void> }> {
	const attempts: string[] = [];
	// Hearth's own room service calls fail here; they are only logged [LK7].
	const server = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(503).end()));
	server.on('upgrade', (req, socket) => {
		attempts.push(req.url ?? '');
		socket.destroy();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		attempts,
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

async function seeded(s: TestServer): Promise<{ cohortId: string; livePath: string; mapPath: string }> {
	const demo = await seedDemo(s.db, s.clock);
	const convening = await s.db.kysely
		.selectFrom('convenings')
		.select('id')
		.where('cohort_id', '=', demo.cohortId)
		.where('starts_at', '=', '2026-12-14T14:00:00.000Z')
		.executeTakeFirstOrThrow();
	const fac = await s.db.kysely.selectFrom('users').select('id').where('email', '=', demo.facilitatorEmail).executeTakeFirstOrThrow();
	const user = (await s.hearth.auth.userForSession((await s.hearth.auth.createSession(fac.id)).token))!;
	const board = await s.hearth.boards.create(user, demo.cohortId, { title: 'Under the policy', template: 'reinforcing-loop' });
	return {
		cohortId: demo.cohortId,
		livePath: `/cohorts/${demo.cohortId}/convenings/${convening.id}/live`,
		mapPath: `/cohorts/${demo.cohortId}/boards/${board.id}/map`
	};
}

describe('the app under its Content-Security-Policy, in Chromium', () => {
	let s: TestServer;
	let browser: Browser;
	let paths: Awaited<ReturnType<typeof seeded>>;

	beforeAll(async () => {
		s = await startTestServer({ clock: systemClock });
		paths = await seeded(s);
		browser = await launchBrowser({ media: true });
	});
	afterAll(async () => {
		await browser?.close();
		await s?.stop();
	});

	it('sign-in, cohort home, a board map (with a PNG export) and the live room run with no violation', async () => {
		const { context, page, violations } = await watchedPage(browser);

		// Sign-in: the page hydrates (the layout marks it) and its form signs in.
		await signInThroughForm(page, s.url, 'amara.okafor@hearth.example', DEMO_PASSWORD);
		await page.waitForURL(new RegExp(`/cohorts/${paths.cohortId}$`));
		await page.waitForSelector('html[data-ready]');
		// The cohort home's live countdown runs in the page.
		await expect.poll(() => page.getByRole('heading', { level: 1 }).count(), POLL).toBeGreaterThan(0);

		// A board map: the board websocket syncs, and the template's loop is found (loop finding may run
		// in a same-origin worker: worker-src).
		await page.goto(s.url + paths.mapPath);
		await page.waitForSelector('html[data-ready]');
		await expect.poll(() => page.getByTestId('board-status').textContent(), POLL).toBe('Saved and live');
		await expect.poll(() => page.getByTestId('loop-label').allTextContents(), POLL).toContain('R1');
		// PNG export: the map's SVG drawn from a blob: image onto a canvas, handed over as a download.
		await page.getByRole('button', { name: 'Export' }).click();
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: 'Picture (PNG)' }).click()]);
		expect(download.suggestedFilename()).toMatch(/\.png$/);

		// The live room: socket.io connects and the facilitator joins.
		await page.goto(s.url + paths.livePath);
		await page.waitForSelector('html[data-ready]');
		await expect.poll(() => page.getByTestId('connection').textContent(), POLL).toBe('Connected');
		await expect.poll(() => page.getByTestId('roster').textContent(), POLL).toContain('Amara Okafor');
		// Camera and microphone: allowed to this origin by Permissions-Policy; the own tile plays them.
		await page.getByRole('button', { name: 'Turn on camera and microphone' }).click();
		await expect
			.poll(
				() =>
					page
						.getByTestId('video-self')
						.locator('video')
						.evaluate((video: unknown) => (video as { srcObject: { getTracks(): unknown[] } | null }).srcObject?.getTracks().length ?? 0),
				POLL
			)
			.toBe(2);
		await page.screenshot({ path: artifactPath('csp-live.png') });

		expect(violations).toEqual([]);
		await context.close();
	});

	it('reports a violation when something breaks the policy (the watch itself works)', async () => {
		const context = await browser.newContext();
		const violations = await watchViolations(context);
		const page = await context.newPage();
		await page.goto(`${s.url}/login`);
		await page.waitForSelector('html[data-ready]');
		// What an injected inline script would be: refused, and both the event and the console see it.
		await page.evaluate(() => {
			const { document } = globalThis as unknown as PageGlobals;
			const el = document.createElement('script');
			el.textContent = 'window.injected = true';
			document.body.append(el);
		});
		await expect.poll(() => violations.length, POLL).toBeGreaterThanOrEqual(2);
		expect(violations.some((v) => v.startsWith('event: script-src'))).toBe(true);
		expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).injected)).toBeUndefined();
		await context.close();
	});
});

describe('the live room with LiveKit configured, under the policy', () => {
	let s: TestServer;
	let standIn: Awaited<ReturnType<typeof livekitStandIn>>;
	let browser: Browser;
	let paths: Awaited<ReturnType<typeof seeded>>;

	beforeAll(async () => {
		standIn = await livekitStandIn();
		s = await startTestServer({
			clock: systemClock,
			env: { LIVEKIT_URL: standIn.url, LIVEKIT_API_KEY: 'csp-e2e-key', LIVEKIT_API_SECRET: 'a-csp-e2e-secret-long-enough-for-hs256' }
		});
		paths = await seeded(s);
		browser = await launchBrowser({ media: true });
	});
	afterAll(async () => {
		await browser?.close();
		await s?.hearth.media.idle();
		await s?.stop();
		await standIn?.close();
	});

	it('connects to the LiveKit server the policy names, with no violation', async () => {
		const { context, page, violations } = await watchedPage(browser);
		await signInThroughForm(page, s.url, 'amara.okafor@hearth.example', DEMO_PASSWORD, paths.livePath);
		await page.waitForURL(/\/live$/);
		await expect.poll(() => page.getByTestId('connection').textContent(), POLL).toBe('Connected');
		// livekit-client reached the stand-in: the policy let the connection through.
		await expect.poll(() => standIn.attempts.some((a) => a.startsWith('/rtc')), POLL).toBe(true);
		expect(violations).toEqual([]);
		await context.close();
	});
});
