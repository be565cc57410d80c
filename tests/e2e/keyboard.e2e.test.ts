/**
 * The keyboard-only path, in a real browser: nothing is clicked or filled, every action is Tab,
 * Enter, Space or typed keys. A member passes the device check, joins the live room, raises a hand,
 * sends a chat message, takes the talking piece when it comes, passes it, takes it again when it
 * is offered back and says done; then edits a systems map through its list view (adds two
 * variables, links them, sets the link's polarity). Every control the keyboard lands on shows
 * its focus (an outline or a shadow). Along the way the page's one live region announces others'
 * chat and the circle's events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import type { JoinResult } from '../../shared/live.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser } from '../helpers/browser.ts';
import { openSocket, request, type ClientSocket } from '../helpers/sockets.ts';

const POLL = { timeout: 20_000 };

interface Focused {
	name: string;
	tag: string;
	visible: boolean;
}

describe('keyboard only: live room, circle turn and map list view', () => {
	let s: TestServer;
	let browser: Browser;
	let fac: ClientSocket;
	let arjun: ClientSocket;
	let conveningId: string;
	let livePath: string;
	let mapPath: string;
	const ids: Record<string, string> = {};
	const cookie = async (email: string) => (await s.hearth.auth.createSession(ids[email]!)).token;

	beforeAll(async () => {
		// A short wind-down, so "the round's last minute" and "everyone is back" both happen here.
		s = await startTestServer({ clock: systemClock, env: { WIND_DOWN_SECONDS: '2' } });
		const seeded = await seedDemo(s.db, s.clock);
		for (const u of await s.db.kysely.selectFrom('users').select(['id', 'email']).execute()) ids[u.email] = u.id;
		const row = await s.db.kysely
			.selectFrom('convenings')
			.select('id')
			.where('cohort_id', '=', seeded.cohortId)
			.where('starts_at', '=', '2026-12-14T14:00:00.000Z')
			.executeTakeFirstOrThrow();
		conveningId = row.id;
		livePath = `/cohorts/${seeded.cohortId}/convenings/${conveningId}/live`;
		const facUser = (await s.hearth.auth.userForSession(await cookie(seeded.facilitatorEmail)))!;
		mapPath = `/cohorts/${seeded.cohortId}/boards/${(await s.hearth.boards.create(facUser, seeded.cohortId, { title: 'Trust' })).id}/map`;
		// The facilitator and Arjun act through sockets; Mei is the keyboard user in the browser.
		fac = await openSocket(s.url, `${SESSION_COOKIE}=${await cookie(seeded.facilitatorEmail)}`);
		expect((await request<JoinResult>(fac, 'convening:join', { conveningId })).ok).toBe(true);
		expect((await request(fac, 'convening:phase', { phase: 'live' })).ok).toBe(true);
		arjun = await openSocket(s.url, `${SESSION_COOKIE}=${await cookie('arjun.nair@hearth.example')}`);
		expect((await request<JoinResult>(arjun, 'convening:join', { conveningId })).ok).toBe(true);
		browser = await launchBrowser({ media: true });
	});
	afterAll(async () => {
		fac?.disconnect();
		arjun?.disconnect();
		await browser?.close();
		await s?.stop();
	});

	/** What has focus: its accessible name as the keyboard user would hear it, and whether its focus can be seen. */
	const focused = (page: Page) =>
		page.evaluate((): Focused => {
			const el = document.activeElement as HTMLElement | null;
			if (!el || el === document.body) return { name: '', tag: 'BODY', visible: false };
			const labelled = el.getAttribute('aria-labelledby');
			const name = (
				el.getAttribute('aria-label') ??
				(labelled ? document.getElementById(labelled)?.textContent : null) ??
				(el as HTMLInputElement).labels?.[0]?.textContent ??
				el.textContent ??
				''
			)
				.replace(/\s+/g, ' ')
				.trim();
			const style = getComputedStyle(el);
			const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
			return { name, tag: el.tagName, visible: outline || style.boxShadow !== 'none' };
		});

	/**
	 * Presses Tab (Shift+Tab with `back`) until the focused control's name matches, checking on the
	 * way that every control reached shows its focus. Fails if it is not reached in `max` presses.
	 */
	async function tabTo(page: Page, name: RegExp, opts: { back?: boolean; max?: number } = {}): Promise<void> {
		const unseen: string[] = [];
		for (let i = 0; i < (opts.max ?? 80); i++) {
			await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
			const f = await focused(page);
			if (f.tag !== 'BODY' && !f.visible) unseen.push(`${f.tag} "${f.name}"`);
			if (name.test(f.name)) {
				expect(unseen, 'controls whose keyboard focus cannot be seen').toEqual([]);
				return;
			}
		}
		throw new Error(`${name} was not reached with the keyboard`);
	}

	/** Everything the announcer said since the page loaded (recorded as it changes). */
	const announced = (page: Page) => page.evaluate(() => (window as unknown as { said: string[] }).said.join('\n'));

	it('joins, raises a hand, chats and takes and passes the talking piece', async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		await context.grantPermissions(['camera', 'microphone']);
		await context.addCookies([{ name: SESSION_COOKIE, value: await cookie('mei.tanaka@hearth.example'), url: s.url }]);
		const page = await context.newPage();
		await page.goto(`${s.url}${livePath}`);
		await page.waitForSelector('html[data-ready]');
		await page.evaluate(() => {
			const w = window as unknown as { said: string[] };
			w.said = [];
			const region = document.querySelector('[data-testid=announcer]')!;
			new MutationObserver(() => w.said.push(region.textContent ?? '')).observe(region, {
				childList: true,
				characterData: true,
				subtree: true
			});
		});

		// The device check, by keyboard: its heading has focus; Tab on to the join button.
		await page.getByTestId('device-check').waitFor(POLL);
		await tabTo(page, /^Join (?!with my)/);
		await page.keyboard.press('Enter');
		await expect.poll(() => page.getByTestId('roster').textContent(), POLL).toContain('Arjun Nair');

		await tabTo(page, /Raise hand/);
		await page.keyboard.press('Enter');
		await expect.poll(() => page.getByTestId('hand').count(), POLL).toBe(1);

		await tabTo(page, /^Message$/);
		await page.keyboard.type('Hello from the keyboard');
		await page.keyboard.press('Enter');
		await expect.poll(() => page.getByTestId('chat').textContent(), POLL).toContain('Hello from the keyboard');
		// Someone else's message is announced; one's own is not.
		expect((await request(arjun, 'chat:send', { body: 'Welcome, Mei' })).ok).toBe(true);
		await expect.poll(() => announced(page), POLL).toContain('Arjun Nair says: Welcome, Mei');
		expect(await announced(page)).not.toContain('Hello from the keyboard');

		// A circle of two, in the order they joined the convening: Arjun, then Mei.
		expect(
			(
				await request(fac, 'round:open', {
					kind: 'circle',
					grouping: { kind: 'manual', groups: [{ memberIds: [ids['mei.tanaka@hearth.example']!, ids['arjun.nair@hearth.example']!] }] },
					durationMinutes: 10,
					circle: { order: 'join', listenOnly: false }
				})
			).ok
		).toBe(true);
		await expect.poll(() => announced(page), POLL).toContain('You are now in Group 1.');
		await tabTo(page, /^Begin the circle$/);
		await page.keyboard.press('Enter');
		await expect.poll(() => announced(page), POLL).toContain('Arjun Nair holds the talking piece.');
		await page.screenshot({ path: artifactPath('keyboard-circle-listening.png'), fullPage: true });

		// Arjun passes: the piece comes to Mei, who takes it and passes for now (Space, this time).
		expect((await request(arjun, 'circle:pass')).ok).toBe(true);
		await expect.poll(() => announced(page), POLL).toContain('Arjun Nair passed.');
		await expect.poll(() => announced(page), POLL).toContain('The talking piece is with you.');
		await tabTo(page, /^Pass for now$/);
		await page.keyboard.press('Space');
		// Offered again at the end: Arjun first, who speaks; then Mei, who takes it and says done.
		await expect.poll(async () => (await announced(page)).split('Arjun Nair holds the talking piece.').length - 1, POLL).toBe(2);
		expect((await request(arjun, 'circle:done')).ok).toBe(true);
		await expect.poll(async () => (await announced(page)).split('The talking piece is with you.').length - 1, POLL).toBe(2);
		await tabTo(page, /^Done, pass it on$/);
		await page.keyboard.press('Enter');
		await expect.poll(() => announced(page), POLL).toContain('Everyone has spoken.');

		// The round winds down (its last minute, announced once) and everyone comes back.
		expect((await request(fac, 'round:close', { mode: 'wind-down' })).ok).toBe(true);
		await expect.poll(() => announced(page), POLL).toContain('About a minute left.');
		await expect.poll(() => announced(page), POLL).toContain('Everyone is back in the main room.');
		const said = await announced(page);
		expect(said.split('About a minute left.').length - 1).toBe(1);
		console.log(`announced:\n${said}`);
		await page.screenshot({ path: artifactPath('keyboard-live-room.png'), fullPage: true });
		await context.close();
	});

	it('edits a map through its list view: a variable, a link between two, its polarity', async () => {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		await context.addCookies([{ name: SESSION_COOKIE, value: await cookie('mei.tanaka@hearth.example'), url: s.url }]);
		const page = await context.newPage();
		await page.goto(`${s.url}${mapPath}`);
		await page.waitForSelector('html[data-ready]');
		await expect.poll(() => page.getByTestId('board-status').textContent(), POLL).toBe('Saved and live');

		await tabTo(page, /^List view$/);
		await page.keyboard.press('Enter');
		const list = page.getByTestId('text-view');
		await list.waitFor(POLL);
		await tabTo(page, /^New variable$/);
		await page.keyboard.type('Trust');
		await page.keyboard.press('Enter');
		await expect.poll(() => list.getByRole('status').textContent(), POLL).toBe('Added Trust.');
		await page.keyboard.type('Collaboration');
		await page.keyboard.press('Enter');
		await expect.poll(() => list.getByRole('status').textContent(), POLL).toBe('Added Collaboration.');

		// A select is chosen by typing the start of an option, as on any form.
		await tabTo(page, /^From$/);
		await page.keyboard.type('Trust');
		await tabTo(page, /^To$/, { max: 3 });
		await page.keyboard.type('Collab');
		await tabTo(page, /^Direction$/, { max: 3 });
		await page.keyboard.type('same');
		await tabTo(page, /^Link them$/, { max: 3 });
		await page.keyboard.press('Enter');
		await expect.poll(() => list.getByRole('status').textContent(), POLL).toBe('Linked Trust to Collaboration, same direction (+).');

		// The link's polarity, changed in the list: same direction becomes opposite.
		await tabTo(page, /^Direction of the link from Trust to Collaboration$/, { back: true });
		await page.keyboard.type('opp');
		const polarity = list.getByLabel('Direction of the link from Trust to Collaboration');
		await expect.poll(() => polarity.inputValue(), POLL).toBe('-');
		await page.screenshot({ path: artifactPath('keyboard-map-list-view.png'), fullPage: true });
		// It is on the board, not only in the form: a fresh load shows the opposite link.
		await page.reload();
		await page.waitForSelector('html[data-ready]');
		await tabTo(page, /^List view$/);
		await page.keyboard.press('Enter');
		await expect.poll(() => polarity.inputValue(), POLL).toBe('-');
		await context.close();
	});
});
