import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { LOGIN_LIMITS } from '../../server/auth/auth.service.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { location, Visitor } from '../helpers/http.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';

const setupForm = {
	name: 'Ada Facilitator',
	email: 'ada@example.org',
	password: 'a long enough password',
	timeZone: 'Europe/Berlin',
	cohortName: 'Class of 2026-2027',
	cohortDescription: '',
	startsOn: '2026-06-22',
	endsOn: '2027-07-12',
	cohortTimeZone: 'UTC'
};

describe('first run', () => {
	let s: TestServer;
	beforeEach(async () => (s = await startTestServer()));
	afterEach(() => s.stop());

	it('leads every page to /setup until the first facilitator exists, then closes setup', async () => {
		const v = new Visitor(s.url);
		for (const path of ['/', '/login', '/cohorts/x']) {
			const res = await v.get(path);
			expect(res.status).toBe(303);
			expect(location(res)).toBe('/setup');
		}
		expect((await v.get('/setup')).status).toBe(200);

		const created = await v.post('/setup', setupForm);
		expect(created.status).toBe(303);
		expect(location(created)).toMatch(/^\/cohorts\/[0-9a-f-]{36}$/);
		expect(v.cookies.has(SESSION_COOKIE)).toBe(true);
		const home = await v.get(location(created)!);
		expect(home.status).toBe(200);
		expect(await home.text()).toContain('Class of 2026-2027');

		// Setup is done for good: the page redirects and a second attempt is refused.
		const again = new Visitor(s.url);
		expect(location(await again.get('/setup'))).toBe('/');
		const refused = await again.post('/setup', { ...setupForm, email: 'eve@example.org' });
		expect(refused.status).toBe(303);
		expect(await s.hearth.auth.setupNeeded()).toBe(false);
		expect((await s.hearth.cohorts.listForUser({ id: 'nobody' } as never)).length).toBe(0);
	});

	it('shows a message per field for bad setup input and keeps what was typed', async () => {
		const v = new Visitor(s.url);
		const res = await v.post('/setup', { ...setupForm, email: 'not-an-email', password: 'short', endsOn: '2026-01-01' });
		expect(res.status).toBe(400);
		const html = await res.text();
		expect(html).toContain('Enter a valid email address');
		expect(html).toContain('at least 10 characters');
		expect(html).toContain('The end date must be on or after the start date');
		expect(html).toContain('value="Ada Facilitator"');
		expect(await s.hearth.auth.setupNeeded()).toBe(true);
	});
});

describe('sign-in and sessions', () => {
	let s: TestServer;
	let world: World;
	beforeEach(async () => {
		s = await startTestServer();
		world = await makeWorld(s.hearth);
	});
	afterEach(() => s.stop());

	it('signs in with the right password and sets an HttpOnly SameSite session cookie', async () => {
		const v = new Visitor(s.url);
		const res = await v.signIn('MEL@example.org ', PASSWORD);
		expect(res.status).toBe(303);
		const line = v.setCookieLines.get(SESSION_COOKIE)!;
		expect(line).toMatch(/HttpOnly/i);
		expect(line).toMatch(/SameSite=Lax/i);
		expect(line).toMatch(/Path=\//i);
		// Over plain http (tests), no Secure flag, or the browser would drop it.
		expect(line).not.toMatch(/Secure/i);
		const home = await v.get('/');
		expect(location(home)).toBe(`/cohorts/${world.cohortA}`);
	});

	it('refuses a wrong password with one clear message, not saying which part was wrong', async () => {
		const v = new Visitor(s.url);
		const res = await v.signIn('mel@example.org', 'wrong password!');
		expect(res.status).toBe(400);
		expect(await res.text()).toContain('That email and password do not match an account.');
		const unknown = await v.signIn('nobody@example.org', 'wrong password!');
		expect(await unknown.text()).toContain('That email and password do not match an account.');
		expect(v.cookies.has(SESSION_COOKIE)).toBe(false);
	});

	it('throttles repeated failures for one email, even with the right password, until the window passes', async () => {
		const v = new Visitor(s.url);
		for (let i = 0; i < LOGIN_LIMITS.perEmail; i++) expect((await v.signIn('mel@example.org', 'wrong password!')).status).toBe(400);
		const blocked = await v.signIn('mel@example.org', PASSWORD);
		expect(blocked.status).toBe(429);
		expect(await blocked.text()).toContain('Too many sign-in attempts');
		(s.clock as ManualClock).advance(LOGIN_LIMITS.windowMs + 1000);
		expect((await v.signIn('mel@example.org', PASSWORD)).status).toBe(303);
	});

	it('signs out: the session stops working on the server, not only in the browser', async () => {
		const v = new Visitor(s.url);
		await v.signIn('mel@example.org', PASSWORD);
		const token = v.cookies.get(SESSION_COOKIE)!;
		expect((await v.post('/logout', {})).status).toBe(303);
		expect(v.cookies.has(SESSION_COOKIE)).toBe(false);
		const replay = new Visitor(s.url);
		replay.cookies.set(SESSION_COOKIE, token);
		expect(location(await replay.get(`/cohorts/${world.cohortA}`))).toMatch(/^\/login/);
	});

	it('expires sessions after SESSION_DAYS', async () => {
		const v = new Visitor(s.url);
		await v.signIn('mel@example.org', PASSWORD);
		expect((await v.get(`/cohorts/${world.cohortA}`)).status).toBe(200);
		(s.clock as ManualClock).advance(31 * 86_400_000);
		expect(location(await v.get(`/cohorts/${world.cohortA}`))).toMatch(/^\/login\?next=/);
	});

	it('refuses a form posted from another origin (CSRF)', async () => {
		const v = new Visitor(s.url);
		const res = await v.post('/login', { email: 'mel@example.org', password: PASSWORD }, { origin: 'https://evil.example' });
		expect(res.status).toBe(403);
		expect(v.cookies.has(SESSION_COOKIE)).toBe(false);
	});
});

describe('invitations', () => {
	let s: TestServer;
	let world: World;
	let fac: Visitor;
	beforeEach(async () => {
		s = await startTestServer();
		world = await makeWorld(s.hearth);
		fac = new Visitor(s.url);
		await fac.signIn('fran@example.org', PASSWORD);
	});
	afterEach(() => s.stop());

	async function makeLink(role = 'member', days = '7'): Promise<string> {
		const res = await fac.post(`/cohorts/${world.cohortA}/people?/invite`, { role, email: '', expiresInDays: days });
		expect(res.status).toBe(200);
		const url = /\/invite\/([A-Za-z0-9_-]+)/.exec(await res.text())?.[0];
		expect(url).toBeTruthy();
		return url!;
	}

	it('a valid link creates the account with the invited role and signs the person in', async () => {
		const link = await makeLink('observer');
		const v = new Visitor(s.url);
		const page = await v.get(link);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('Join Cohort A');
		const res = await v.post(`${link}?/register`, {
			name: 'Nia New',
			email: 'nia@example.org',
			password: 'another long password',
			timeZone: 'America/Chicago'
		});
		expect(res.status).toBe(303);
		expect(location(res)).toBe(`/cohorts/${world.cohortA}`);
		const members = (await s.hearth.cohorts.view(world.users.facilitator, world.cohortA)).members;
		expect(members.find((m) => m.email === 'nia@example.org')).toMatchObject({ role: 'observer', timeZone: 'America/Chicago' });
		expect((await v.get(`/cohorts/${world.cohortA}`)).status).toBe(200);
	});

	it('a used link says so and lets nobody else in', async () => {
		const link = await makeLink();
		const first = new Visitor(s.url);
		await first.post(`${link}?/register`, {
			name: 'First',
			email: 'first@example.org',
			password: 'another long password',
			timeZone: 'UTC'
		});
		const second = new Visitor(s.url);
		const page = await second.get(link);
		expect(await page.text()).toContain('This invitation was already used');
		const res = await second.post(`${link}?/register`, {
			name: 'Second',
			email: 'second@example.org',
			password: 'another long password',
			timeZone: 'UTC'
		});
		expect(res.status).toBe(410);
		expect(await second.signIn('second@example.org', 'another long password')).toHaveProperty('status', 400);
	});

	it('an expired link says so', async () => {
		const link = await makeLink('member', '1');
		(s.clock as ManualClock).advance(86_400_000 + 1);
		const v = new Visitor(s.url);
		expect(await (await v.get(link)).text()).toContain('This invitation has expired');
		const res = await v.post(`${link}?/register`, {
			name: 'Late',
			email: 'late@example.org',
			password: 'another long password',
			timeZone: 'UTC'
		});
		expect(res.status).toBe(410);
	});

	it('a revoked link stops working at once', async () => {
		const link = await makeLink();
		const open = (await s.hearth.invites.list(world.users.facilitator, world.cohortA)).filter((i) => i.state === 'open');
		expect(open).toHaveLength(1);
		const id = open[0]!.id;
		await fac.post(`/cohorts/${world.cohortA}/people?/revokeInvite`, { inviteId: id });
		expect(await (await new Visitor(s.url).get(link)).text()).toContain('This invitation has expired');
	});

	it('an existing account joins with the link after signing in, keeping its other cohorts', async () => {
		const link = await makeLink('member');
		const oda = new Visitor(s.url);
		await oda.signIn('oda@example.org', PASSWORD);
		const res = await oda.post(`${link}?/join`, {});
		expect(location(res)).toBe(`/cohorts/${world.cohortA}`);
		const cohorts = await s.hearth.cohorts.listForUser(world.users.otherMember);
		expect(cohorts.map((c) => c.name).sort()).toEqual(['Cohort A', 'Cohort B']);
	});

	it('an unknown link says it was not found', async () => {
		const res = await new Visitor(s.url).get('/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
		expect(await res.text()).toContain('Invitation not found');
	});

	it('refuses account input problems with field messages and creates nothing', async () => {
		const link = await makeLink();
		const v = new Visitor(s.url);
		const res = await v.post(`${link}?/register`, { name: '', email: 'mel@example.org', password: 'short', timeZone: 'Mars/Olympus' });
		expect(res.status).toBe(400);
		const html = await res.text();
		expect(html).toContain('Enter a name.');
		expect(html).toContain('at least 10 characters');
		expect(html).toContain('Choose a valid time zone');
		// The link is still good after a failed attempt.
		expect(await (await v.get(link)).text()).toContain('Create your account');
	});
});
