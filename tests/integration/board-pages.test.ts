/**
 * The board record pages, driven like a browser without JavaScript: the cohort's board list
 * (`/cohorts/<id>/boards`, with its create, rename, policy and archive forms) and a board's page.
 * The service enforces permissions; these check what the pages show, what they refuse and that a
 * refused or invalid form changed nothing.
 */
import * as Y from 'yjs';
import { BoardDoc } from '../../shared/board-doc.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITE_POLICIES, WRITE_POLICY_LABELS } from '../../shared/board.ts';
import { formatDateTime } from '../../shared/time.ts';
import { ManualClock } from '../../server/clock.ts';
import type { User } from '../../server/auth/users.store.ts';
import type { Board } from '../../server/boards/boards.store.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { Visitor } from '../helpers/http.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';

type Who = 'facilitator' | 'member' | 'member2' | 'observer' | 'other';

/** The list's cards by board title: each card's HTML, in page order. */
function cards(html: string): { title: string; html: string }[] {
	return html
		.split('data-testid="board"')
		.slice(1)
		.map((chunk) => {
			const card = chunk.split('</li>')[0]!;
			// The title is a heading (its level depends on the view) holding a link; Svelte may put comments around it.
			const title = /<(h[34])[^>]*>(?:<!--[^>]*-->)*<a href="[^"]+"[^>]*>([^<]*)<\/a>(?:<!--[^>]*-->)*<\/\1>/.exec(card)?.[2];
			if (title === undefined) throw new Error('a board card without a title link');
			return { title, html: card };
		});
}
const titles = (html: string) => cards(html).map((c) => c.title);

/** The text of the element with this data-testid, without tags or Svelte's hydration comments. */
function testText(html: string, id: string): string {
	const m = new RegExp(`data-testid="${id}"[^>]*>([\\s\\S]*?)</(dd|p|div)>`).exec(html);
	if (!m) throw new Error(`no element with data-testid="${id}"`);
	return m[1]!
		.replace(/<[^>]*>/g, '')
		.replace(/\s+/g, ' ')
		.trim();
}

describe('board pages', () => {
	let s: TestServer;
	let w: World;
	const clock = new ManualClock(Date.parse('2026-11-23T12:00:00Z'));
	const v = {} as Record<Who, Visitor>;
	let list: string;
	const page = (id: string) => `${list}/${id}`;

	const boardsNamed = async (title: string, cohortId = w.cohortA): Promise<Board[]> =>
		(await s.hearth.boards.store.list(cohortId, { includeArchived: true })).filter((b) => b.title === title);
	const byId = async (id: string): Promise<Board> => (await s.hearth.boards.store.byId(id))!;
	/** A board made through the service, a minute after the last one so the list order is known. */
	const make = async (by: User, input: Record<string, string>, cohortId = w.cohortA): Promise<Board> => {
		clock.advance(60_000);
		return s.hearth.boards.create(by, cohortId, input);
	};

	beforeAll(async () => {
		s = await startTestServer({ clock });
		w = await makeWorld(s.hearth);
		list = `/cohorts/${w.cohortA}/boards`;
		const { token } = await s.hearth.invites.create(w.users.facilitator, w.cohortA, { role: 'member' });
		await s.hearth.invites.acceptAsNewUser(token, {
			name: 'Max Member',
			email: 'max@example.org',
			password: PASSWORD,
			timeZone: 'UTC'
		});
		const emails: Record<Who, string> = {
			facilitator: 'fran@example.org',
			member: 'mel@example.org',
			member2: 'max@example.org',
			observer: 'olu@example.org',
			other: 'oda@example.org'
		};
		for (const [who, email] of Object.entries(emails) as [Who, string][]) {
			v[who] = new Visitor(s.url);
			expect((await v[who].signIn(email, PASSWORD)).status).toBe(303);
		}
	});
	afterAll(() => s.stop());

	describe('creating', () => {
		it('a facilitator creates a board with each write policy', async () => {
			for (const policy of WRITE_POLICIES) {
				const title = `Facilitator board ${policy}`;
				const res = await v.facilitator.post(`${list}?/create`, { title, writePolicy: policy, conveningId: '' });
				expect(res.status).toBe(200);
				expect(await res.text()).toContain(`Board “${title}” created.`);
				const [board, ...more] = await boardsNamed(title);
				expect(more).toHaveLength(0);
				expect(board).toMatchObject({ writePolicy: policy, createdBy: w.users.facilitator.id, conveningId: null, archivedAt: null });
			}
		});

		it('a board can be tied to a convening, and the list names it', async () => {
			const res = await v.facilitator.post(`${list}?/create`, {
				title: 'Tied to December',
				writePolicy: 'cohort',
				conveningId: w.conveningA
			});
			expect(res.status).toBe(200);
			const [board] = await boardsNamed('Tied to December');
			expect(board?.conveningId).toBe(w.conveningA);
			const card = cards(await (await v.facilitator.get(list)).text()).find((c) => c.title === 'Tied to December');
			expect(card?.html).toContain('December convening');
		});

		it('only facilitators are offered the policy choice', async () => {
			const fac = await (await v.facilitator.get(list)).text();
			expect(fac).toContain('id="create-policy"');
			const mem = await (await v.member.get(list)).text();
			expect(mem).toContain('action="?/create"');
			expect(mem).not.toContain('id="create-policy"');
			expect(mem).toContain('Everyone in the cohort can edit the boards you make');
		});

		it("a member's boards are editable by the cohort; a member asking for another policy is refused and nothing is made", async () => {
			expect((await v.member.post(`${list}?/create`, { title: 'Member default', conveningId: '' })).status).toBe(200);
			expect((await v.member.post(`${list}?/create`, { title: 'Member cohort', writePolicy: 'cohort' })).status).toBe(200);
			for (const title of ['Member default', 'Member cohort']) {
				const found = await boardsNamed(title);
				expect(found).toHaveLength(1);
				expect(found[0]).toMatchObject({ writePolicy: 'cohort', createdBy: w.users.member.id });
			}
			for (const policy of ['facilitators', 'group', 'locked']) {
				const res = await v.member.post(`${list}?/create`, { title: `Member wants ${policy}`, writePolicy: policy });
				expect(res.status).toBe(403);
				expect(await boardsNamed(`Member wants ${policy}`)).toHaveLength(0);
			}
		});

		it('an observer sees the list but no create form, and cannot create', async () => {
			await make(w.users.facilitator, { title: 'Seen by the observer' });
			const res = await v.observer.get(list);
			expect(res.status).toBe(200);
			const html = await res.text();
			expect(titles(html)).toContain('Seen by the observer');
			expect(html).not.toContain('?/create');
			expect((await v.observer.post(`${list}?/create`, { title: 'Observer board' })).status).toBe(403);
			expect(await boardsNamed('Observer board')).toHaveLength(0);
		});

		it('someone from another cohort gets not found, and nothing is made', async () => {
			const res = await v.other.post(`${list}?/create`, { title: 'Outsider board' });
			expect(res.status).toBe(404);
			expect(await res.text()).not.toContain('Cohort A');
			expect(await boardsNamed('Outsider board')).toHaveLength(0);
			expect((await v.other.get(list)).status).toBe(404);
		});
	});

	describe('invalid input', () => {
		it('an empty title is answered with 400 and the field message, and nothing is made', async () => {
			const before = (await s.hearth.boards.store.list(w.cohortA, { includeArchived: true })).length;
			const res = await v.facilitator.post(`${list}?/create`, { title: '   ', writePolicy: 'locked', conveningId: w.conveningA });
			expect(res.status).toBe(400);
			const html = await res.text();
			expect(html).toContain('Please correct the highlighted fields.');
			expect(html).toMatch(/id="create-title-field-error"[^>]*>Give the board a title\.<\/div>/);
			expect(html).toMatch(/id="create-title-field"[^>]*aria-invalid="true"/);
			// What was chosen stays chosen.
			expect(html).toMatch(/<option value="locked" selected/);
			expect(html).toMatch(new RegExp(`<option value="${w.conveningA}" selected`));
			expect((await s.hearth.boards.store.list(w.cohortA, { includeArchived: true })).length).toBe(before);
		});

		it('a 500-character title is refused with 400, the message, and the title kept in the field', async () => {
			const title = 'x'.repeat(500);
			const res = await v.member.post(`${list}?/create`, { title });
			expect(res.status).toBe(400);
			const html = await res.text();
			expect(html).toMatch(/id="create-title-field-error">Use at most 120 characters\.</);
			expect(html).toContain(`value="${title}"`);
			expect(await boardsNamed(title)).toHaveLength(0);
		});

		it('an unknown policy is refused with 400 and its field message, the title kept', async () => {
			const res = await v.facilitator.post(`${list}?/create`, { title: 'Odd policy', writePolicy: 'everyone' });
			expect(res.status).toBe(400);
			const html = await res.text();
			expect(html).toMatch(/id="create-policy-error">Choose who may edit\.</);
			expect(html).toContain('value="Odd policy"');
			expect(await boardsNamed('Odd policy')).toHaveLength(0);
		});

		it('renaming to an empty or too long title, or an unknown policy, is refused in place and changes nothing', async () => {
			const board = await make(w.users.facilitator, { title: 'Stays as it is', writePolicy: 'facilitators' });
			const before = await byId(board.id);
			const empty = await v.facilitator.post(`${list}?/rename`, { boardId: board.id, title: '' });
			expect(empty.status).toBe(400);
			const emptyHtml = await empty.text();
			expect(emptyHtml).toMatch(new RegExp(`id="board-${board.id}-title-error"[^>]*>Give the board a title\\.</div>`));
			// The card with the error is open, so the message is seen without JavaScript.
			expect(cards(emptyHtml).find((c) => c.title === 'Stays as it is')?.html).toMatch(/<details[^>]* open/);

			const long = await v.facilitator.post(`${page(board.id)}?/rename`, { title: 'y'.repeat(500) });
			expect(long.status).toBe(400);
			const longHtml = await long.text();
			expect(longHtml).toContain(`id="board-${board.id}-title-error">Use at most 120 characters.<`);
			expect(longHtml).toContain(`value="${'y'.repeat(500)}"`);

			const policy = await v.facilitator.post(`${page(board.id)}?/policy`, { writePolicy: 'nobody' });
			expect(policy.status).toBe(400);
			expect(await policy.text()).toContain(`id="board-${board.id}-policy-error">Choose who may edit.<`);
			expect(await byId(board.id)).toEqual(before);
		});
	});

	describe('renaming, policy and archiving', () => {
		it("the creator and a facilitator may rename a member's board; another member and an observer may not", async () => {
			const board = await make(w.users.member, { title: 'Mel made this' });
			let res = await v.member.post(`${list}?/rename`, { boardId: board.id, title: 'Renamed by Mel' });
			expect(res.status).toBe(200);
			expect((await byId(board.id)).title).toBe('Renamed by Mel');
			expect(await res.text()).toContain('Renamed.');

			res = await v.facilitator.post(`${page(board.id)}?/rename`, { title: 'Renamed by Fran' });
			expect(res.status).toBe(200);
			expect((await byId(board.id)).title).toBe('Renamed by Fran');

			expect((await v.member2.post(`${list}?/rename`, { boardId: board.id, title: 'Renamed by Max' })).status).toBe(403);
			expect((await v.member2.post(`${page(board.id)}?/rename`, { title: 'Renamed by Max' })).status).toBe(403);
			expect((await v.observer.post(`${page(board.id)}?/rename`, { title: 'Renamed by Olu' })).status).toBe(403);
			expect((await byId(board.id)).title).toBe('Renamed by Fran');
		});

		it('a member may not rename a board a facilitator made', async () => {
			const board = await make(w.users.facilitator, { title: 'Fran made this' });
			expect((await v.member.post(`${page(board.id)}?/rename`, { title: 'Mine now' })).status).toBe(403);
			expect((await byId(board.id)).title).toBe('Fran made this');
		});

		it('the page offers each person only the forms they may use', async () => {
			const board = await make(w.users.member, { title: 'Forms offered' });
			const forms = async (who: Who) => {
				const html = await (await v[who].get(page(board.id))).text();
				return ['rename', 'policy', 'archive'].filter((f) => html.includes(`action="?/${f}"`));
			};
			expect(await forms('facilitator')).toEqual(['rename', 'policy', 'archive']);
			expect(await forms('member')).toEqual(['rename']);
			expect(await forms('member2')).toEqual([]);
			expect(await forms('observer')).toEqual([]);
		});

		it('only a facilitator changes who may edit, even against the creator', async () => {
			const board = await make(w.users.member, { title: 'Policy target' });
			expect((await v.member.post(`${page(board.id)}?/policy`, { writePolicy: 'locked' })).status).toBe(403);
			expect((await v.observer.post(`${list}?/policy`, { boardId: board.id, writePolicy: 'locked' })).status).toBe(403);
			expect((await byId(board.id)).writePolicy).toBe('cohort');
			const res = await v.facilitator.post(`${list}?/policy`, { boardId: board.id, writePolicy: 'facilitators' });
			expect(res.status).toBe(200);
			expect((await byId(board.id)).writePolicy).toBe('facilitators');
			// The member who made it now only views it.
			const card = cards(await (await v.member.get(list)).text()).find((c) => c.title === 'Policy target');
			expect(card?.html).toContain(WRITE_POLICY_LABELS.facilitators);
			expect(card?.html).toContain('View only');
		});

		it('only a facilitator archives and brings back; archived boards are hidden unless asked for', async () => {
			const board = await make(w.users.member, { title: 'Archive target' });
			expect((await v.member.post(`${page(board.id)}?/archive`, {})).status).toBe(403);
			expect((await v.observer.post(`${list}?/archive`, { boardId: board.id })).status).toBe(403);
			expect((await byId(board.id)).archivedAt).toBeNull();

			expect((await v.facilitator.post(`${list}?/archive`, { boardId: board.id })).status).toBe(200);
			expect((await byId(board.id)).archivedAt).not.toBeNull();
			for (const who of ['facilitator', 'member', 'observer'] as const) {
				expect(titles(await (await v[who].get(list)).text())).not.toContain('Archive target');
				const withArchived = cards(await (await v[who].get(`${list}?archived=1`)).text()).find((c) => c.title === 'Archive target');
				expect(withArchived?.html).toContain('Archived');
				expect(withArchived?.html).toContain('View only');
			}
			const shown = await (await v.member.get(page(board.id))).text();
			expect(testText(shown, 'board-state')).toBe(`Archived on ${formatDateTime((await byId(board.id)).archivedAt!, 'Asia/Singapore')}`);

			expect((await v.member.post(`${page(board.id)}?/unarchive`, {})).status).toBe(403);
			expect((await byId(board.id)).archivedAt).not.toBeNull();
			expect((await v.facilitator.post(`${page(board.id)}?/unarchive`, {})).status).toBe(200);
			expect((await byId(board.id)).archivedAt).toBeNull();
			expect(titles(await (await v.member.get(list)).text())).toContain('Archive target');
		});
	});

	describe('the list', () => {
		it('lists most recently updated first, with who may edit and the viewer’s access', async () => {
			const a = await make(w.users.facilitator, { title: 'Order one', writePolicy: 'facilitators' });
			await make(w.users.member, { title: 'Order two' });
			await make(w.users.facilitator, { title: 'Order three', writePolicy: 'locked' });
			// Renaming touches a board: it comes first.
			clock.advance(60_000);
			await s.hearth.boards.rename(w.users.facilitator, a.id, 'Order one again');
			const order = titles(await (await v.member.get(list)).text()).filter((t) => t.startsWith('Order'));
			expect(order).toEqual(['Order one again', 'Order three', 'Order two']);

			const memberCards = cards(await (await v.member.get(list)).text());
			const access = (title: string) => {
				const html = memberCards.find((c) => c.title === title)!.html;
				return html.includes('You can edit') ? 'edit' : html.includes('View only') ? 'view' : 'neither';
			};
			expect(access('Order one again')).toBe('view');
			expect(access('Order two')).toBe('edit');
			expect(access('Order three')).toBe('view');
			expect(memberCards.find((c) => c.title === 'Order three')!.html).toContain(WRITE_POLICY_LABELS.locked);
			// Observers never edit.
			const observerCard = cards(await (await v.observer.get(list)).text()).find((c) => c.title === 'Order two')!;
			expect(observerCard.html).toContain('View only');
		});

		it("shows update times in the viewer's zone, and names the zone", async () => {
			clock.set(Date.parse('2026-12-01T23:30:00Z'));
			await make(w.users.facilitator, { title: 'Zone check' }); // updated 23:31 UTC
			// Fran is in Europe/Lisbon (UTC in December), Mel in Asia/Singapore (UTC+8).
			const fran = cards(await (await v.facilitator.get(list)).text()).find((c) => c.title === 'Zone check')!;
			expect(fran.html).toContain('Tue, 1 Dec 2026, 23:31');
			const melHtml = await (await v.member.get(list)).text();
			expect(cards(melHtml).find((c) => c.title === 'Zone check')!.html).toContain('Wed, 2 Dec 2026, 07:31');
			expect(melHtml).toContain('times in Asia/Singapore (GMT+8)');
		});

		it('filters by convening and by breakout group', async () => {
			const january = await s.hearth.cohorts.saveConvening(w.users.facilitator, w.cohortA, undefined, {
				title: 'January convening',
				startsAt: '2027-01-11T14:00:00Z',
				durationMinutes: 90,
				agenda: []
			});
			await make(w.users.facilitator, { title: 'Filter december', conveningId: w.conveningA });
			await make(w.users.facilitator, { title: 'Filter january', conveningId: january.id });
			await make(w.users.facilitator, { title: 'Filter group', writePolicy: 'group', conveningId: january.id, groupId: 'g-7' });
			await make(w.users.facilitator, { title: 'Filter none' });

			const jan = await v.member.get(`${list}?convening=${january.id}`);
			expect(jan.status).toBe(200);
			const janHtml = await jan.text();
			expect(titles(janHtml).filter((t) => t.startsWith('Filter'))).toEqual(['Filter group', 'Filter january']);
			expect(titles(janHtml).every((t) => t === 'Filter group' || t === 'Filter january')).toBe(true);
			// The filter shows what it is set to.
			expect(janHtml).toMatch(new RegExp(`<option value="${january.id}" selected`));

			const dec = titles(await (await v.member.get(`${list}?convening=${w.conveningA}`)).text());
			expect(dec).toContain('Filter december');
			expect(dec).not.toContain('Filter january');
			expect(dec).not.toContain('Filter none');

			expect(titles(await (await v.member.get(`${list}?group=g-7`)).text())).toEqual(['Filter group']);
			expect(titles(await (await v.member.get(`${list}?convening=nothing-here`)).text())).toEqual([]);
		});

		it('a form posted from a filtered list keeps the filter', async () => {
			const board = await make(w.users.facilitator, { title: 'Keeps filter', conveningId: w.conveningA });
			const html = await (await v.facilitator.get(`${list}?convening=${w.conveningA}&archived=1`)).text();
			expect(html).toContain(`action="?/rename&amp;convening=${w.conveningA}&amp;archived=1"`);
			const res = await v.facilitator.post(`${list}?/archive&convening=${w.conveningA}&archived=1`, { boardId: board.id });
			expect(res.status).toBe(200);
			// Still filtered, archived included: the board is shown, archived.
			const card = cards(await res.text()).find((c) => c.title === 'Keeps filter');
			expect(card?.html).toContain('Archived');
		});

		it('says so when there are no boards', async () => {
			const empty = await s.hearth.cohorts.createCohort(w.users.facilitator, {
				name: 'Empty cohort',
				startsOn: '2027-01-01',
				endsOn: '2027-12-31',
				timeZone: 'UTC'
			});
			const html = await (await v.facilitator.get(`/cohorts/${empty}/boards`)).text();
			expect(titles(html)).toEqual([]);
			expect(html).toContain('No boards yet.');
			const filtered = await (await v.member.get(`${list}?convening=nothing-here`)).text();
			expect(filtered).toContain('No boards match what you chose.');
		});
	});

	it('a board can start from a template: its first logged update holds the template, authored by its creator', async () => {
		const res = await v.facilitator.post(`${list}?/create`, {
			title: 'From the iceberg',
			writePolicy: 'cohort',
			conveningId: '',
			template: 'iceberg'
		});
		expect(res.status).toBe(200);
		const board = (await s.hearth.boards.list(w.users.facilitator, w.cohortA)).find((b) => b.title === 'From the iceberg')!;
		const rows = await s.hearth.boards.store.updatesAfter(board.id, 0);
		expect(rows).toHaveLength(1);
		expect(rows[0]!.userId).toBe(w.users.facilitator.id);
		const doc = new Y.Doc();
		Y.applyUpdate(doc, rows[0]!.data);
		expect(new BoardDoc(doc).ofKind('frame').map((f) => f.name)).toEqual(
			expect.arrayContaining(['Events', 'Patterns', 'Structures', 'Mental models'])
		);
		const bad = await v.facilitator.post(`${list}?/create`, {
			title: 'Nope',
			writePolicy: 'cohort',
			conveningId: '',
			template: 'no-such-template'
		});
		expect(bad.status).toBe(400);
		expect(await bad.text()).toContain('Choose a template from the list.');
	});

	describe("a board's page", () => {
		it('shows the record, links to the map editor, and links back', async () => {
			clock.set(Date.parse('2026-12-05T10:00:00Z'));
			const board = await make(w.users.facilitator, { title: 'Record shown', writePolicy: 'facilitators', conveningId: w.conveningA });
			const res = await v.member.get(page(board.id));
			expect(res.status).toBe(200);
			const html = await res.text();
			expect(html).toMatch(/<h2 id="board-title"[^>]*>Record shown<\/h2>/);
			expect(html).toContain(WRITE_POLICY_LABELS.facilitators);
			expect(html).toContain(`href="/cohorts/${w.cohortA}/convenings/${w.conveningA}">December convening</a>`);
			expect(html).toContain('Fran Facilitator');
			expect(html).toContain('Sat, 5 Dec 2026, 18:01'); // created, in Singapore
			expect(testText(html, 'board-access')).toBe('View only, by who may edit this board.');
			expect(testText(html, 'board-state')).toBe('In use');
			expect(html).toContain(`href="/cohorts/${w.cohortA}/boards/${board.id}/map"`);
			expect(html).toContain('View the map');
			expect(html).toContain(`href="${list}"`);
			const fac = await (await v.facilitator.get(page(board.id))).text();
			expect(testText(fac, 'board-access')).toBe('You can edit this board.');
			const obs = await (await v.observer.get(page(board.id))).text();
			expect(testText(obs, 'board-access')).toBe('View only: observers look at boards without editing.');
		});

		it('is not found for someone from another cohort, or for an unknown id', async () => {
			const board = await make(w.users.facilitator, { title: 'Cohort A only' });
			const res = await v.other.get(page(board.id));
			expect(res.status).toBe(404);
			const html = await res.text();
			expect(html).not.toContain('Cohort A only');
			expect(html).not.toContain('Cohort A');
			expect((await v.member.get(page('no-such-board'))).status).toBe(404);
			expect((await v.member.get(page('bad%20id!'))).status).toBe(404);
		});

		it("is not found for another cohort's board through this cohort's address, even for a facilitator of both", async () => {
			// Fran facilitates cohorts A and B; the board is B's.
			const boardB = await make(w.users.facilitator, { title: 'Cohort B board' }, w.cohortB);
			expect((await v.facilitator.get(`/cohorts/${w.cohortB}/boards/${boardB.id}`)).status).toBe(200);
			for (const who of ['facilitator', 'member'] as const) {
				const res = await v[who].get(page(boardB.id));
				expect(res.status).toBe(404);
				expect(await res.text()).not.toContain('Cohort B board');
			}
			// Nor can it be changed through cohort A's pages.
			expect((await v.facilitator.post(`${list}?/rename`, { boardId: boardB.id, title: 'Through A' })).status).toBe(404);
			expect((await v.facilitator.post(`${page(boardB.id)}?/rename`, { title: 'Through A' })).status).toBe(404);
			expect((await v.facilitator.post(`${list}?/policy`, { boardId: boardB.id, writePolicy: 'locked' })).status).toBe(404);
			expect((await v.facilitator.post(`${page(boardB.id)}?/archive`, {})).status).toBe(404);
			expect(await byId(boardB.id)).toMatchObject({ title: 'Cohort B board', writePolicy: 'cohort', archivedAt: null });
			// And cohort A's list never shows it.
			expect(titles(await (await v.facilitator.get(`${list}?archived=1`)).text())).not.toContain('Cohort B board');
		});
	});
});
