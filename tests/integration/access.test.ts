/**
 * Role checks on every route: anonymous, a member of another cohort, observer, member and
 * facilitator, from one table. A route added without a row here is a route nobody checked: the
 * table is compared with the routes on disk (web/routes: pages, form actions, endpoints) [HTTP3].
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startTestServer, type TestServer } from '../helpers/server.ts';
import { location, Visitor } from '../helpers/http.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';

type Who = 'anonymous' | 'other' | 'observer' | 'member' | 'facilitator';
/**
 * allow: 2xx/303 success; hidden: 404 (they learn nothing); deny: 403; login: sent to sign in;
 * unauthenticated: 401 (JSON endpoints); public: no role is asked for (the route checks a secret, a
 * token or credentials of its own, tested where it lives), so anything but a refusal by role or a
 * server error.
 */
type Outcome = 'allow' | 'hidden' | 'deny' | 'login' | 'unauthenticated' | 'public';

/** Boards made before the matrix runs, one per row that changes a board, so no row depends on another. */
interface AccessBoards {
	/** Only read: the board page and the token endpoint. */
	view: string;
	rename: string;
	policy: string;
	archive: string;
	/** Archived before the matrix runs. */
	unarchive: string;
}
type W = World & { inviteId: string; feed: string; boards: AccessBoards };

interface Route {
	name: string;
	method: 'GET' | 'POST';
	path: (w: W) => string;
	form?: (w: W) => Record<string, string | string[]>;
	expect: Record<Exclude<Who, 'anonymous'>, Outcome>;
	/** What a visitor who is not signed in gets, when it is not a redirect to sign in. */
	anonymous?: Outcome;
	/** Sent from a visitor signed in for this row alone (the request ends its session). */
	fresh?: boolean;
}

const view = { other: 'hidden', observer: 'allow', member: 'allow', facilitator: 'allow' } as const;
const manage = { other: 'hidden', observer: 'deny', member: 'deny', facilitator: 'allow' } as const;
const signedIn = { other: 'allow', observer: 'allow', member: 'allow', facilitator: 'allow' } as const;
/** Members make boards too; observers only look. */
const createBoard = { other: 'hidden', observer: 'deny', member: 'allow', facilitator: 'allow' } as const;
const open = { other: 'public', observer: 'public', member: 'public', facilitator: 'public' } as const;

const EMAILS = {
	other: 'oda@example.org',
	observer: 'olu@example.org',
	member: 'mel@example.org',
	facilitator: 'fran@example.org'
} as const;

const ROUTES: Route[] = [
	{ name: 'cohort list', method: 'GET', path: () => '/', expect: signedIn },
	{ name: 'own settings', method: 'GET', path: () => '/settings', expect: signedIn },
	{
		name: 'save own settings',
		method: 'POST',
		path: () => '/settings',
		form: () => ({ name: 'Renamed', timeZone: 'UTC' }),
		expect: signedIn
	},
	{ name: 'cohort home', method: 'GET', path: (w) => `/cohorts/${w.cohortA}`, expect: view },
	{ name: 'people', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/people`, expect: view },
	{ name: 'my year', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/year`, expect: view },
	{ name: 'my year as CSV', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/year.csv`, expect: view },
	{ name: 'convening page', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/convenings/${w.conveningA}`, expect: view },
	{ name: 'cohort settings page', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/settings`, expect: manage },
	{
		name: 'save cohort settings',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/settings`,
		form: () => ({ name: 'Cohort A', description: 'edited', startsOn: '2026-06-22', endsOn: '2027-07-12', timeZone: 'UTC' }),
		expect: manage
	},
	{ name: 'new convening page', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/convenings/new`, expect: manage },
	{
		name: 'create convening',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/convenings/new`,
		form: () => ({
			title: 'Extra',
			kind: 'convening',
			startsLocal: '2027-01-10T10:00',
			zone: 'UTC',
			durationMinutes: '60',
			description: ''
		}),
		expect: manage
	},
	{ name: 'edit convening page', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/convenings/${w.conveningA}/edit`, expect: manage },
	{
		name: 'save convening',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/convenings/${w.conveningA}/edit`,
		form: () => ({ title: 'December convening', kind: 'convening', startsLocal: '2026-12-14T14:00', zone: 'UTC', durationMinutes: '120' }),
		expect: manage
	},
	{
		name: 'cancel convening',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/convenings/${w.conveningA}?/cancel`,
		form: () => ({}),
		expect: manage
	},
	{
		name: 'restore convening',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/convenings/${w.conveningA}?/restore`,
		form: () => ({}),
		expect: manage
	},
	{ name: 'turn on calendar feed', method: 'POST', path: (w) => `/cohorts/${w.cohortA}?/rotateFeed`, form: () => ({}), expect: manage },
	{ name: 'turn off calendar feed', method: 'POST', path: (w) => `/cohorts/${w.cohortA}?/revokeFeed`, form: () => ({}), expect: manage },
	{
		name: 'create invite',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/people?/invite`,
		form: () => ({ role: 'member', expiresInDays: '7' }),
		expect: manage
	},
	{
		name: 'revoke invite',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/people?/revokeInvite`,
		form: () => ({ inviteId: 'x' }),
		expect: manage
	},
	{
		name: 'create team',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/people?/createTeam`,
		form: () => ({ name: 'New team' }),
		expect: manage
	},
	{
		name: 'rename team',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/people?/renameTeam`,
		form: (w) => ({ teamId: w.teamA, name: 'Harbour' }),
		expect: manage
	},
	{
		name: 'update member',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/people?/updateMember`,
		form: (w) => ({ userId: w.users.member.id, role: 'member', teamId: w.teamA }),
		expect: manage
	},
	{
		name: 'delete team',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/people?/deleteTeam`,
		form: (w) => ({ teamId: w.teamA }),
		expect: manage
	},
	{ name: 'board list', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/boards`, expect: view },
	{
		name: 'board list, filtered',
		method: 'GET',
		path: (w) => `/cohorts/${w.cohortA}/boards?convening=${w.conveningA}&archived=1`,
		expect: view
	},
	{
		name: 'create board',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/boards?/create`,
		form: () => ({ title: 'Access board' }),
		expect: createBoard
	},
	// The rename target was made by the facilitator: a member may rename only their own boards.
	{
		name: 'rename board (list)',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/boards?/rename`,
		form: (w) => ({ boardId: w.boards.rename, title: 'Renamed board' }),
		expect: manage
	},
	{
		name: 'change board policy (list)',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/boards?/policy`,
		form: (w) => ({ boardId: w.boards.policy, writePolicy: 'facilitators' }),
		expect: manage
	},
	{
		name: 'archive board (list)',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/boards?/archive`,
		form: (w) => ({ boardId: w.boards.archive }),
		expect: manage
	},
	{
		name: 'unarchive board (list)',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/boards?/unarchive`,
		form: (w) => ({ boardId: w.boards.unarchive }),
		expect: manage
	},
	{ name: 'board page', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/boards/${w.boards.view}`, expect: view },
	{
		name: 'rename board (page)',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/boards/${w.boards.rename}?/rename`,
		form: () => ({ title: 'Renamed board' }),
		expect: manage
	},
	{
		name: 'change board policy (page)',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/boards/${w.boards.policy}?/policy`,
		form: () => ({ writePolicy: 'facilitators' }),
		expect: manage
	},
	{
		name: 'archive board (page)',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/boards/${w.boards.archive}?/archive`,
		form: () => ({}),
		expect: manage
	},
	{
		name: 'unarchive board (page)',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/boards/${w.boards.unarchive}?/unarchive`,
		form: () => ({}),
		expect: manage
	},
	{
		name: 'board token',
		method: 'POST',
		path: (w) => `/api/boards/${w.boards.view}/token`,
		form: () => ({}),
		expect: view,
		anonymous: 'unauthenticated'
	},
	{
		name: 'new cohort page',
		method: 'GET',
		path: () => '/cohorts/new',
		expect: { other: 'deny', observer: 'deny', member: 'deny', facilitator: 'allow' }
	},
	{
		name: 'create cohort',
		method: 'POST',
		path: () => '/cohorts/new',
		form: () => ({ name: 'Cohort C', startsOn: '2027-01-01', endsOn: '2027-12-31', timeZone: 'UTC', description: '' }),
		expect: { other: 'deny', observer: 'deny', member: 'deny', facilitator: 'allow' }
	},
	{ name: 'board map', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/boards/${w.boards.view}/map`, expect: view },
	{ name: 'board history', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/boards/${w.boards.view}/history`, expect: view },
	{ name: 'board export', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/boards/${w.boards.view}/export/json`, expect: view },
	{ name: 'live convening page', method: 'GET', path: (w) => `/cohorts/${w.cohortA}/convenings/${w.conveningA}/live`, expect: view },
	{
		name: 'attendance CSV',
		method: 'GET',
		path: (w) => `/cohorts/${w.cohortA}/convenings/${w.conveningA}/attendance.csv`,
		expect: manage
	},
	// Open to anyone: each checks credentials, a secret or a token of its own.
	{ name: 'sign-in page', method: 'GET', path: () => '/login', expect: open, anonymous: 'public' },
	{
		name: 'sign in (wrong password)',
		method: 'POST',
		path: () => '/login',
		form: () => ({ email: 'nobody@example.org', password: 'wrong password' }),
		expect: open,
		anonymous: 'public'
	},
	{ name: 'sign-out page', method: 'GET', path: () => '/logout', expect: open, anonymous: 'public' },
	// Signs out whoever posts it: each role posts from a session of its own.
	{ name: 'sign out', method: 'POST', path: () => '/logout', form: () => ({}), expect: open, anonymous: 'public', fresh: true },
	{ name: 'setup page (done)', method: 'GET', path: () => '/setup', expect: open, anonymous: 'public' },
	{
		name: 'set up again',
		method: 'POST',
		path: () => '/setup',
		form: () => ({ name: 'X', email: 'x@example.org', password: PASSWORD }),
		expect: open,
		anonymous: 'public'
	},
	{ name: 'invite page (unknown token)', method: 'GET', path: () => `/invite/${'x'.repeat(43)}`, expect: open, anonymous: 'public' },
	{
		name: 'accept invite (unknown token)',
		method: 'POST',
		path: () => `/invite/${'x'.repeat(43)}?/register`,
		form: () => ({ name: 'X', email: 'x2@example.org', password: PASSWORD, timeZone: 'UTC' }),
		expect: open,
		anonymous: 'public'
	},
	{
		name: 'join by invite (unknown token)',
		method: 'POST',
		path: () => `/invite/${'x'.repeat(43)}?/join`,
		form: () => ({}),
		expect: open,
		anonymous: 'login'
	},
	{ name: 'calendar feed', method: 'GET', path: (w) => `/feeds/${w.feed}.ics`, expect: open, anonymous: 'public' },
	{
		name: 'LiveKit webhook (unsigned)',
		method: 'POST',
		path: () => '/api/livekit/webhook',
		form: () => ({}),
		expect: open,
		anonymous: 'public'
	},
	{ name: 'language page', method: 'GET', path: () => '/language', expect: open, anonymous: 'public' },
	{
		name: 'choose language',
		method: 'POST',
		path: () => '/language',
		form: () => ({ language: 'en', next: '/' }),
		expect: open,
		anonymous: 'public'
	},
	// Last: it removes the observer from the cohort.
	{
		name: 'remove member',
		method: 'POST',
		path: (w) => `/cohorts/${w.cohortA}/people?/removeMember`,
		form: (w) => ({ userId: w.users.observer.id }),
		expect: manage
	}
];

describe('access on every route, by role', () => {
	let s: TestServer;
	let w: W;
	const visitors = {} as Record<Who, Visitor>;

	beforeAll(async () => {
		s = await startTestServer();
		const world = await makeWorld(s.hearth);
		const { invite } = await s.hearth.invites.create(world.users.facilitator, world.cohortA, { role: 'member' });
		const feed = await s.hearth.cohorts.rotateFeed(world.users.facilitator, world.cohortA);
		const board = async (title: string) => (await s.hearth.boards.create(world.users.facilitator, world.cohortA, { title })).id;
		const boards: AccessBoards = {
			view: await board('Viewed'),
			rename: await board('To rename'),
			policy: await board('To change policy'),
			archive: await board('To archive'),
			unarchive: await board('To unarchive')
		};
		await s.hearth.boards.setArchived(world.users.facilitator, boards.unarchive, true);
		w = { ...world, inviteId: invite.id, feed, boards };
		visitors.anonymous = new Visitor(s.url);
		for (const [who, email] of Object.entries(EMAILS) as [Exclude<Who, 'anonymous'>, string][]) {
			visitors[who] = new Visitor(s.url);
			expect((await visitors[who].signIn(email, PASSWORD)).status).toBe(303);
		}
	});
	afterAll(() => s.stop());

	const cases = ROUTES.flatMap((route) =>
		(['anonymous', 'other', 'observer', 'member', 'facilitator'] as const).map((who) => ({
			route,
			who,
			outcome: who === 'anonymous' ? (route.anonymous ?? ('login' as const)) : route.expect[who]
		}))
	);

	it.each(cases)('$route.method $route.name as $who: $outcome', async ({ route, who, outcome }) => {
		let v = visitors[who];
		if (route.fresh) {
			v = new Visitor(s.url);
			if (who !== 'anonymous') expect((await v.signIn(EMAILS[who], PASSWORD)).status).toBe(303);
		}
		const path = route.path(w);
		const res = route.method === 'GET' ? await v.get(path) : await v.post(path, route.form?.(w) ?? {});
		const body = await res.text();
		if (outcome === 'login') {
			expect(res.status).toBe(303);
			expect(location(res)).toMatch(/^\/login\?next=/);
		} else if (outcome === 'hidden') {
			expect(res.status).toBe(404);
			// Nothing of the cohort leaks: not even its name.
			expect(body).not.toContain('Cohort A');
		} else if (outcome === 'deny') {
			expect(res.status).toBe(403);
		} else if (outcome === 'unauthenticated') {
			expect(res.status).toBe(401);
		} else if (outcome === 'public') {
			expect(res.status).toBeLessThan(500);
			expect([401, 403]).not.toContain(res.status);
			// Not sent to sign in first (signing out does end at the sign-in page).
			if (res.status === 303) expect(location(res)).not.toMatch(/^\/login\?next=/);
		} else {
			expect([200, 303]).toContain(res.status);
			if (res.status === 303) expect(location(res)).not.toMatch(/^\/login/);
		}
	});

	it('[HTTP3] every route on disk (page, form action, endpoint) has a row in the table', () => {
		const paths = ROUTES.map((r) => ({ method: r.method, path: r.path(w) }));
		const missing = routesOnDisk().filter((d) => !paths.some((p) => p.method === d.method && d.matches.test(p.path)));
		expect(missing.map((d) => `${d.method} ${d.name}`)).toEqual([]);
	});

	it('refused changes changed nothing', async () => {
		const view = await s.hearth.cohorts.view(w.users.facilitator, w.cohortA);
		// Only the facilitator's own edit landed ("edited"), and only the facilitator's convening was added.
		expect(view.cohort.description).toBe('edited');
		expect(view.convenings.filter((c) => c.title === 'Extra')).toHaveLength(1);
		expect(view.members.map((m) => m.email)).not.toContain('olu@example.org');
	});

	it('the calendar feed answers by its secret only, and not after it is turned off', async () => {
		const anon = new Visitor(s.url);
		// The matrix turned the feed on and off again; turn it on once more.
		const token = await s.hearth.cohorts.rotateFeed(w.users.facilitator, w.cohortA);
		expect((await anon.get(`/feeds/${token}.ics`)).status).toBe(200);
		expect((await anon.get(`/feeds/${w.feed}.ics`)).status).toBe(404);
		expect((await anon.get(`/feeds/${'x'.repeat(43)}.ics`)).status).toBe(404);
		await s.hearth.cohorts.revokeFeed(w.users.facilitator, w.cohortA);
		expect((await anon.get(`/feeds/${token}.ics`)).status).toBe(404);
	});

	it('members see the feed link only if their role allows it: observers do not', async () => {
		const token = await s.hearth.cohorts.rotateFeed(w.users.facilitator, w.cohortA);
		expect(await (await visitors.member.get(`/cohorts/${w.cohortA}`)).text()).toContain(token);
		const obs = await s.hearth.cohorts.summary(w.users.facilitator, w.cohortA);
		expect(obs.cohort.feedToken).toBe(token);
		// The observer was removed by the matrix; add one back to check what they see.
		const { token: inv } = await s.hearth.invites.create(w.users.facilitator, w.cohortA, { role: 'observer' });
		await s.hearth.invites.acceptAsUser(inv, w.users.observer);
		expect(await (await visitors.observer.get(`/cohorts/${w.cohortA}`)).text()).not.toContain(token);
	});
});

/** The app's routes as files declare them: a page (GET), each form action (POST), each endpoint method. */
function routesOnDisk(): { method: 'GET' | 'POST'; name: string; matches: RegExp }[] {
	const base = path.join(ROOT, 'web/routes');
	const out: { method: 'GET' | 'POST'; name: string; matches: RegExp }[] = [];
	const walk = (dir: string) => {
		const files = fs.readdirSync(dir, { withFileTypes: true });
		const rel = path
			.relative(base, dir)
			.split(path.sep)
			.filter((seg) => seg && !/^\(.*\)$/.test(seg));
		const route = `/${rel.join('/')}`;
		const pattern = rel.map((seg) => seg.replace(/[.]/g, '\\.').replace(/\[[^\]]+\]/g, '[^/]+')).join('/');
		const names = new Set(files.map((f) => f.name));
		if (names.has('+page.svelte') || names.has('+page.server.ts'))
			out.push({ method: 'GET', name: route, matches: new RegExp(`^/${pattern}(\\?(?!/).*)?$`) });
		if (names.has('+page.server.ts')) {
			const source = fs.readFileSync(path.join(dir, '+page.server.ts'), 'utf8');
			const actions = /export const actions[^{]*\{([\s\S]*)\};?\s*$/.exec(source)?.[1] ?? '';
			for (const [, action] of actions.matchAll(/^\t(\w+):/gm)) {
				const query = action === 'default' ? '' : `\\?/${action}`;
				out.push({ method: 'POST', name: `${route} ${action}`, matches: new RegExp(`^/${pattern}${query}$`) });
			}
		}
		if (names.has('+server.ts')) {
			const source = fs.readFileSync(path.join(dir, '+server.ts'), 'utf8');
			for (const [, method] of source.matchAll(/export (?:const|async function) (GET|POST)\b/g))
				out.push({ method: method as 'GET' | 'POST', name: route, matches: new RegExp(`^/${pattern}$`) });
		}
		for (const f of files) if (f.isDirectory()) walk(path.join(dir, f.name));
	};
	walk(base);
	return out;
}
