/**
 * Two people on one systems map in real browsers: one draws three variables and links closing a
 * loop; the other sees it live, named B1 (balancing) in the loop list; per-user undo takes back
 * only the undoer's own change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { BoardDoc } from '../../shared/board-doc.ts';
import type { Browser, Page } from 'playwright-core';
import { seedDemo, DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, signInThroughForm } from '../helpers/browser.ts';

const POLL = { timeout: 20_000 };

describe('systems map editor in the browser', () => {
	let s: TestServer;
	let browser: Browser;
	let mapPath: string;
	let makeBoard: (title: string) => Promise<string>;

	beforeAll(async () => {
		s = await startTestServer({ clock: systemClock });
		const seeded = await seedDemo(s.db, s.clock);
		const fac = await s.db.kysely.selectFrom('users').select('id').where('email', '=', seeded.facilitatorEmail).executeTakeFirstOrThrow();
		const user = (await s.hearth.auth.userForSession((await s.hearth.auth.createSession(fac.id)).token))!;
		// Each test gets its own empty board, so what one draws does not sit under another's clicks.
		makeBoard = async (title) =>
			`/cohorts/${seeded.cohortId}/boards/${(await s.hearth.boards.create(user, seeded.cohortId, { title })).id}/map`;
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await s?.stop();
	});

	async function open(email: string): Promise<Page> {
		const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
		const page = await context.newPage();
		await signInThroughForm(page, s.url, email, DEMO_PASSWORD, mapPath);
		await page.waitForURL(new RegExp(`${mapPath}$`));
		await expect.poll(() => page.getByTestId('board-status').textContent(), POLL).toBe('Saved and live');
		return page;
	}

	async function addVariable(page: Page, label: string, x: number, y: number) {
		const box = (await page.getByTestId('map-canvas').boundingBox())!;
		await page.mouse.dblclick(box.x + x, box.y + y);
		const input = page.getByLabel('Variable name');
		await input.fill(label);
		await input.press('Enter');
		await expect.poll(() => page.locator(`[data-testid=variable][data-label="${label}"]`).count(), POLL).toBe(1);
	}

	async function link(page: Page, from: string, to: string) {
		const handle = page.locator(`[data-testid=variable][data-label="${from}"] [data-testid=link-handle]`);
		const h = (await handle.boundingBox())!;
		const t = (await page.locator(`[data-testid=variable][data-label="${to}"] rect`).boundingBox())!;
		await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
		await page.mouse.down();
		await page.mouse.move(t.x + t.width / 2, t.y + t.height / 2, { steps: 8 });
		await page.mouse.up();
	}

	it('one draws a balancing loop; the other sees B1 live; undo takes back only your own change', async () => {
		mapPath = await makeBoard('Why teachers leave');
		const mei = await open('mei.tanaka@hearth.example');
		const arjun = await open('arjun.nair@hearth.example');

		await addVariable(mei, 'Workload', 300, 150);
		await addVariable(mei, 'Stress', 560, 330);
		await addVariable(mei, 'Productivity', 200, 420);
		await link(mei, 'Workload', 'Stress');
		await link(mei, 'Stress', 'Productivity');
		await link(mei, 'Productivity', 'Workload');
		await expect.poll(() => mei.getByTestId('link').count(), POLL).toBe(3);
		// The last link is selected: make it an opposite-direction link (more productivity, less workload).
		await mei.getByRole('button', { name: '− opposite' }).click();

		await expect.poll(() => arjun.getByTestId('loop-label').allTextContents(), POLL).toEqual(['B1']);
		const reading = await arjun.getByTestId('loops').textContent();
		// The reading starts at whichever variable sorts first; the opposite link reads either way.
		expect(reading).toMatch(/lowers Workload|Productivity rises, Workload falls/);
		expect(reading).toContain('balancing');
		expect(await arjun.locator('[data-testid=link][data-polarity="-"]').count()).toBe(1);
		await mei.screenshot({ path: artifactPath('map-balancing-loop.png') });

		// Exports from the page and from the HTTP endpoint agree. The page hands its file to the browser as a
		// blob URL; the test keeps the blobs to read them.
		await arjun.evaluate(() => {
			const g = globalThis as unknown as { hearthBlobs: Blob[] };
			g.hearthBlobs = [];
			const make = URL.createObjectURL.bind(URL);
			URL.createObjectURL = ((b: Blob) => {
				g.hearthBlobs.push(b);
				return make(b);
			}) as typeof URL.createObjectURL;
		});
		for (const format of ['svg', 'json', 'dot'] as const) {
			await arjun.getByRole('button', { name: 'Export' }).click();
			await arjun
				.getByRole('menuitem')
				.and(arjun.locator(`[data-format="${format}"]`))
				.click();
			const fromPage = await arjun.evaluate(() => (globalThis as unknown as { hearthBlobs: Blob[] }).hearthBlobs.at(-1)!.text());
			const fromHttp = await (await arjun.request.get(`${s.url}${mapPath.replace(/\/map$/, '')}/export/${format}`)).text();
			expect(fromPage, format).toBe(fromHttp);
			expect(fromPage.length).toBeGreaterThan(100);
		}

		// Arjun adds his own variable; Mei's undo takes back only her last change (the polarity).
		await addVariable(arjun, 'Rest', 750, 150);
		await expect.poll(() => mei.locator('[data-testid=variable][data-label="Rest"]').count(), POLL).toBe(1);
		await mei.getByRole('button', { name: 'Undo' }).click();
		await expect.poll(() => arjun.getByTestId('loop-label').allTextContents(), POLL).toEqual(['R1']);
		expect(await arjun.locator('[data-testid=variable][data-label="Rest"]').count()).toBe(1);
		expect(await mei.locator('[data-testid=variable][data-label="Rest"]').count()).toBe(1);
		expect(await arjun.getByTestId('variable').count()).toBe(4);
		await arjun.screenshot({ path: artifactPath('map-after-undo.png') });
		await mei.context().close();
		await arjun.context().close();
	});

	it('box selection: Shift+drag takes three variables, they move together, the other sees the move and the selection; Delete and undo are per user', async () => {
		mapPath = await makeBoard('Box selection');
		const mei = await open('mei.tanaka@hearth.example');
		const arjun = await open('arjun.nair@hearth.example');
		await mei.getByTestId('map-canvas').evaluate((el) => el.scrollIntoView({ block: 'end' }));
		await addVariable(mei, 'Alpha', 260, 160);
		await addVariable(mei, 'Beta', 480, 170);
		await addVariable(mei, 'Gamma', 360, 290);
		await addVariable(mei, 'Outside', 760, 460);
		await link(mei, 'Alpha', 'Outside');
		await expect.poll(() => arjun.getByTestId('link').count(), POLL).toBe(1);
		const three = ['Alpha', 'Beta', 'Gamma'];
		const all = [...three, 'Outside'];
		const at = (page: Page, labels: string[]) =>
			page.evaluate(
				(ls) => ls.map((l) => document.querySelector(`[data-testid=variable][data-label="${l}"]`)?.getAttribute('transform') ?? null),
				labels
			);
		const start = await at(mei, all);
		await expect.poll(() => at(arjun, all), POLL).toEqual(start);

		// Shift+drag a box around the three (their boxes on screen, plus a margin), from its lower left corner (the tool bar
		// may cover the upper one); Outside and the link stay out.
		const boxes = await Promise.all(
			three.map(async (l) => (await mei.locator(`[data-testid=variable][data-label="${l}"] rect`).boundingBox())!)
		);
		const left = Math.min(...boxes.map((b) => b.x)) - 20;
		const top = Math.min(...boxes.map((b) => b.y)) - 20;
		const right = Math.max(...boxes.map((b) => b.x + b.width)) + 20;
		const bottom = Math.max(...boxes.map((b) => b.y + b.height)) + 20;
		await mei.keyboard.down('Shift');
		await mei.mouse.move(left, bottom);
		await mei.mouse.down();
		await mei.mouse.move(right, top, { steps: 8 });
		await mei.mouse.up();
		await mei.keyboard.up('Shift');
		await expect
			.poll(() => mei.locator('[data-testid=variable].selected').evaluateAll((els) => els.map((e) => e.getAttribute('data-label'))), POLL)
			.toEqual(three);
		expect(await mei.locator('[data-testid=link].selected').count()).toBe(0);

		// Arjun sees Mei's selection on exactly those three, with her name.
		const marks = arjun.locator('[data-testid=remote-selection][data-name="Mei Tanaka"]');
		await expect.poll(() => marks.count(), POLL).toBe(3);
		const ids = await mei.locator('[data-testid=variable].selected').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
		expect((await marks.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).sort()).toEqual(ids.sort());
		expect(await marks.first().textContent()).toContain('Mei Tanaka');

		// Mei drags Beta; all three move by the same offset, in two halves with a pause between (still one undo step).
		const beta = (await mei.locator('[data-testid=variable][data-label="Beta"] rect').boundingBox())!;
		await mei.mouse.move(beta.x + beta.width / 3, beta.y + beta.height / 2);
		await mei.mouse.down();
		await mei.mouse.move(beta.x + beta.width / 3 + 60, beta.y + beta.height / 2 + 40, { steps: 5 });
		await expect.poll(async () => (await at(arjun, ['Beta']))[0], POLL).not.toBe(start[1]);
		await mei.mouse.move(beta.x + beta.width / 3 + 120, beta.y + beta.height / 2 + 80, { steps: 5 });
		await mei.mouse.up();
		const parse = (t: string | null) => t!.match(/-?[\d.]+/g)!.map(Number);
		const moved = await at(mei, all);
		const offsets = three.map((_, i) => [parse(moved[i]!)[0]! - parse(start[i]!)[0]!, parse(moved[i]!)[1]! - parse(start[i]!)[1]!]);
		expect(offsets[0]![0]).toBeGreaterThan(20);
		expect(offsets[0]![1]).toBeGreaterThan(10);
		expect(offsets[1]).toEqual(offsets[0]);
		expect(offsets[2]).toEqual(offsets[0]);
		expect(moved[3]).toBe(start[3]);
		await expect.poll(() => at(arjun, all), POLL).toEqual(moved);
		await expect.poll(() => marks.count(), POLL).toBe(3);
		await arjun.screenshot({ path: artifactPath('map-box-selection-remote.png') });
		await mei.screenshot({ path: artifactPath('map-box-selection.png') });

		// Delete takes the three and the link from Alpha, on both screens.
		await mei.getByTestId('map-canvas').press('Delete');
		for (const page of [mei, arjun]) {
			await expect
				.poll(() => page.getByTestId('variable').evaluateAll((els) => els.map((e) => e.getAttribute('data-label'))), POLL)
				.toEqual(['Outside']);
			await expect.poll(() => page.getByTestId('link').count(), POLL).toBe(0);
		}
		await expect.poll(() => marks.count(), POLL).toBe(0);

		// Arjun adds his own variable; his undo cannot bring back what Mei deleted, and hers brings back all of it in one step.
		await addVariable(arjun, 'Rest', 600, 120);
		await expect.poll(() => mei.locator('[data-testid=variable][data-label="Rest"]').count(), POLL).toBe(1);
		await mei.getByRole('button', { name: 'Undo' }).click();
		for (const page of [mei, arjun]) {
			await expect.poll(() => at(page, all), POLL).toEqual(moved);
			await expect.poll(() => page.getByTestId('link').count(), POLL).toBe(1);
			expect(await page.locator('[data-testid=variable][data-label="Rest"]').count()).toBe(1);
		}
		await arjun.getByRole('button', { name: 'Undo' }).click();
		await expect.poll(() => mei.locator('[data-testid=variable][data-label="Rest"]').count(), POLL).toBe(0);
		expect(await at(mei, all)).toEqual(moved);
		// Mei's next undo takes back the whole move, however it was paced.
		await mei.getByRole('button', { name: 'Undo' }).click();
		await expect.poll(() => at(arjun, all), POLL).toEqual(start);

		// Ctrl+A selects everything, Escape lets go; Arjun sees both.
		await mei.getByTestId('map-canvas').press('ControlOrMeta+a');
		await expect.poll(() => marks.count(), POLL).toBe(5);
		await mei.getByTestId('map-canvas').press('Escape');
		await expect.poll(() => marks.count(), POLL).toBe(0);
		await mei.context().close();
		await arjun.context().close();
	});

	it('sticky notes, text, frames and pen strokes made by one appear for the other', async () => {
		mapPath = await makeBoard('Why teachers leave');
		const mei = await open('mei.tanaka@hearth.example');
		const arjun = await open('arjun.nair@hearth.example');
		// The whole canvas on screen, so every press lands on it.
		await mei.getByTestId('map-canvas').evaluate((el) => el.scrollIntoView({ block: 'end' }));
		const box = (await mei.getByTestId('map-canvas').boundingBox())!;
		expect(box.y + box.height).toBeLessThanOrEqual(900);

		await mei.getByRole('button', { name: 'Frame' }).click();
		await mei.mouse.move(box.x + 60, box.y + 470);
		await mei.mouse.down();
		await mei.mouse.move(box.x + 520, box.y + 610, { steps: 6 });
		await mei.mouse.up();
		await mei.getByLabel('Frame name').fill('Mental models');
		await mei.getByLabel('Frame name').press('Enter');

		await mei.getByRole('button', { name: 'Sticky note' }).click();
		await mei.mouse.click(box.x + 560, box.y + 300);
		await mei.getByLabel('Note').fill('Teachers feel they must say yes to everything');
		await mei.mouse.click(box.x + 740, box.y + 20);

		await mei.getByRole('button', { name: 'Text' }).click();
		await mei.mouse.click(box.x + 450, box.y + 80);
		await mei.getByLabel('Text').fill('Why teachers leave');
		await mei.mouse.click(box.x + 740, box.y + 20);

		await mei.getByRole('button', { name: 'Pen' }).click();
		await mei.mouse.move(box.x + 600, box.y + 560);
		await mei.mouse.down();
		for (let i = 1; i <= 12; i++) await mei.mouse.move(box.x + 600 + i * 12, box.y + 560 + Math.sin(i / 2) * 25);
		await mei.mouse.up();

		await expect.poll(() => arjun.locator('[data-testid=frame]').textContent(), POLL).toContain('Mental models');
		await expect
			.poll(() => arjun.locator('[data-testid=note]').textContent(), POLL)
			.toContain('Teachers feel they must say yes to everything');
		await expect.poll(() => arjun.locator('[data-testid=text]').textContent(), POLL).toBe('Why teachers leave');
		await expect.poll(() => arjun.locator('[data-testid=ink]').count(), POLL).toBe(1);
		await arjun.screenshot({ path: artifactPath('map-notes-frames-ink.png') });
		await mei.context().close();
		await arjun.context().close();
	});

	it('the list view edits the same map with the keyboard alone, and the canvas user sees the loop', async () => {
		mapPath = await makeBoard('Trust');
		const mei = await open('mei.tanaka@hearth.example');
		const arjun = await open('arjun.nair@hearth.example');
		await mei.getByRole('button', { name: 'List view' }).click();
		const list = mei.getByTestId('text-view');
		for (const label of ['Trust', 'Collaboration']) {
			await list.getByLabel('New variable').fill(label);
			await list.getByLabel('New variable').press('Enter');
		}
		await list.getByLabel('From', { exact: true }).selectOption({ label: 'Trust' });
		await list.getByLabel('To', { exact: true }).selectOption({ label: 'Collaboration' });
		await list.getByRole('button', { name: 'Link them' }).press('Enter');
		await list.getByLabel('From', { exact: true }).selectOption({ label: 'Collaboration' });
		await list.getByLabel('To', { exact: true }).selectOption({ label: 'Trust' });
		await list.getByLabel('Direction', { exact: true }).selectOption('-');
		await list.getByRole('button', { name: 'Link them' }).press('Enter');
		await expect.poll(() => list.getByRole('status').textContent(), POLL).toContain('Linked Collaboration to Trust, opposite direction');
		// The canvas user sees the two variables and a new balancing loop among the loops.
		await expect.poll(() => arjun.locator('[data-testid=variable][data-label="Collaboration"]').count(), POLL).toBe(1);
		await expect
			.poll(async () => (await arjun.getByTestId('loops').textContent()) ?? '', POLL)
			.toMatch(/Trust rises, Collaboration rises, which lowers Trust|Collaboration rises, Trust falls/);
		// Changing a link's direction from the list flips the loop's type.
		await list.getByLabel('Direction of the link from Collaboration to Trust').selectOption('+');
		await expect
			.poll(async () => (await arjun.getByTestId('loops').textContent()) ?? '', POLL)
			.toMatch(/(Trust|Collaboration)[^:]*: reinforcing/);
		await mei.screenshot({ path: artifactPath('map-list-view.png'), fullPage: true });
		await mei.context().close();
		await arjun.context().close();
	});

	it('a dense map lists 60 loops "and N more", found in the loop worker the CSP allows', async () => {
		mapPath = await makeBoard('Everything affects everything');
		const boardId = mapPath.split('/').at(-2)!;
		const doc = new Y.Doc();
		const board = new BoardDoc(doc);
		board.init();
		// Six variables, each linked to every other: C(6,k)·(k-1)! loops of k variables, 15 + 40 + 90 + 144 + 120 = 409.
		const ids = ['A', 'B', 'C', 'D', 'E', 'F'].map((label, i) => board.addVariable({ label, x: 300 * Math.cos(i), y: 300 * Math.sin(i) }));
		for (const from of ids) for (const to of ids) if (from !== to) board.addLink({ from, to, polarity: '+' });
		const mei = await s.db.kysely
			.selectFrom('users')
			.select('id')
			.where('email', '=', 'mei.tanaka@hearth.example')
			.executeTakeFirstOrThrow();
		await s.hearth.boards.store.append(boardId, [
			{ data: Y.encodeStateAsUpdate(doc), userId: mei.id, createdAt: new Date().toISOString() }
		]);
		const page = await open('arjun.nair@hearth.example');
		await expect.poll(() => page.getByTestId('loop-label').count(), POLL).toBe(60);
		expect(await page.getByTestId('more-loops').textContent()).toContain('349 more');
		expect(await page.getByTestId('map-canvas').getAttribute('data-loop-search')).toBe('worker');
		// Two-variable loops come first, all reinforcing.
		expect((await page.getByTestId('loop-label').allTextContents()).slice(0, 3)).toEqual(['R1', 'R2', 'R3']);
		await page.context().close();
	});

	it('the history slider replays how the map grew, with times and authors', async () => {
		mapPath = await makeBoard('Growing');
		const boardId = mapPath.split('/').at(-2)!;
		const doc = new Y.Doc();
		const board = new BoardDoc(doc);
		let before = Y.encodeStateVector(doc);
		board.init(); // the first logged update carries the schema version, as the editor's would
		const mei = await s.db.kysely
			.selectFrom('users')
			.select('id')
			.where('email', '=', 'mei.tanaka@hearth.example')
			.executeTakeFirstOrThrow();
		for (const [i, label] of ['Seed', 'Sprout', 'Bloom'].entries()) {
			board.addVariable({ label, x: 100 + i * 220, y: 100 });
			const at = new Date(Date.parse('2026-12-14T14:00:00Z') + i * 60_000).toISOString();
			await s.hearth.boards.store.append(boardId, [{ data: Y.encodeStateAsUpdate(doc, before), userId: mei.id, createdAt: at }]);
			before = Y.encodeStateVector(doc);
		}
		const page = await open('arjun.nair@hearth.example');
		await page.goto(`${s.url}${mapPath.replace(/\/map$/, '')}/history`);
		await page.waitForSelector('html[data-ready]');
		const picture = page.getByTestId('history-picture');
		await expect.poll(() => picture.textContent(), POLL).toContain('Bloom');
		expect(await picture.textContent()).toContain('Seed');
		await page.getByTestId('history-slider').fill('1');
		await expect.poll(() => picture.textContent(), POLL).not.toContain('Sprout');
		expect(await picture.textContent()).toContain('Seed');
		expect(await page.getByTestId('history-when').textContent()).toContain('Mei Tanaka');
		await page.screenshot({ path: artifactPath('map-history.png'), fullPage: true });
		await page.context().close();
	});
});
