/**
 * Security rules [SEC1]-[SEC6] (docs/PROTOCOL.md, "Security"): headers, cookies, cross-origin
 * requests on every channel, invitation throttling and production advisories. A real server on
 * port 0; the form actions and endpoints checked are read from the route files on disk, so a new
 * form or endpoint is checked without anyone adding it here.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import ts from 'typescript';
import { io as connect } from 'socket.io-client';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { INVITE_LIMITS } from '../../server/auth/throttle.ts';
import { BASE_HEADERS, FILE_CSP } from '../../server/http/security.ts';
import { CloseCode } from '../../shared/events.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { location, Visitor } from '../helpers/http.ts';
import { freePort, runHearth } from '../helpers/process.ts';
import { ROOT, startTestServer, type TestServer } from '../helpers/server.ts';
import { connectBoard, eventually, synced } from '../helpers/yjs.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';

const EVIL = 'https://evil.example';
const LIVEKIT_URL = 'wss://media.hearth.test';
const ROUTES = path.join(ROOT, 'web', 'routes');

function walk(dir: string): string[] {
	return fs
		.readdirSync(dir, { withFileTypes: true })
		.flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** A route file's URL path with its parameters filled in (`[cohortId]` → the world's cohort). */
function urlPath(file: string, params: Record<string, string>): string {
	const dir = path.relative(ROUTES, path.dirname(file)).split(path.sep).filter(Boolean);
	return (
		'/' +
		dir
			.filter((seg) => !/^\(.*\)$/.test(seg))
			.map((seg) =>
				seg.replace(/\[([^\]]+)\]/g, (_, name: string) => {
					const value = params[name];
					if (value === undefined) throw new Error(`${file}: give the test a value for the route parameter [${name}]`);
					return value;
				})
			)
			.join('/')
	);
}

/** The names of a page's form actions, read from `export const actions = { ... }` in its source. */
function actionNames(file: string): string[] {
	const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
	for (const stmt of source.statements) {
		if (!ts.isVariableStatement(stmt) || !stmt.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
		for (const decl of stmt.declarationList.declarations) {
			if (!ts.isIdentifier(decl.name) || decl.name.text !== 'actions') continue;
			let init = decl.initializer;
			while (init && (ts.isSatisfiesExpression(init) || ts.isAsExpression(init))) init = init.expression;
			if (!init || !ts.isObjectLiteralExpression(init))
				throw new Error(`${file}: actions is not an object literal; list them here by hand`);
			return init.properties.map((p) => {
				if (!p.name || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) throw new Error(`${file}: cannot read an action's name`);
				return p.name.text;
			});
		}
	}
	return [];
}

/** Every state-changing endpoint (`+server.ts` exporting POST, PUT, PATCH or DELETE) with its methods. */
function mutatingEndpoints(): { file: string; methods: string[] }[] {
	return walk(ROUTES)
		.filter((f) => path.basename(f) === '+server.ts')
		.map((file) => {
			const text = fs.readFileSync(file, 'utf8');
			const methods = ['POST', 'PUT', 'PATCH', 'DELETE'].filter((m) =>
				new RegExp(`export (const|async function|function) ${m}\\b`).test(text)
			);
			return { file, methods };
		})
		.filter((e) => e.methods.length > 0);
}

/** Every row of every table, to show that refused requests changed nothing. */
async function everything(s: TestServer): Promise<Record<string, unknown[]>> {
	const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(s.db.kysely);
	const out: Record<string, unknown[]> = {};
	for (const { name } of tables.rows) out[name] = (await sql`select * from ${sql.table(name)}`.execute(s.db.kysely)).rows;
	return out;
}

/** The directives of a Content-Security-Policy header, by name. */
function directives(policy: string): Map<string, string[]> {
	return new Map(
		policy
			.split(';')
			.map((d) => d.trim().split(/\s+/))
			.filter((d) => d[0])
			.map(([name, ...values]) => [name!, values])
	);
}

/** Resolves true when the socket.io handshake connects, false on connect_error. */
function socketConnects(url: string, headers: Record<string, string>): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
		socket.once('connect', () => {
			socket.close();
			resolve(true);
		});
		socket.once('connect_error', () => {
			socket.close();
			resolve(false);
		});
	});
}

/** What a raw upgrade to the board path gets: an HTTP status before any websocket, or a close code. */
function boardUpgrade(url: string, headers: Record<string, string>): Promise<{ status?: number; close?: number }> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { headers });
		ws.on('unexpected-response', (_req, res) => {
			resolve({ status: res.statusCode });
			res.resume();
			ws.terminate();
		});
		ws.on('close', (code) => resolve({ close: code }));
		ws.on('error', (err) => {
			if (!/Unexpected server response/.test(err.message)) reject(err);
		});
	});
}

describe('headers, cookies and cross-origin requests', () => {
	let s: TestServer;
	let world: World;
	let fac: Visitor;
	let boardId: string;
	let feed: string;
	let inviteToken: string;
	let cookie: string;

	beforeAll(async () => {
		s = await startTestServer({
			env: { LIVEKIT_URL, LIVEKIT_API_KEY: 'APIsecuritytest', LIVEKIT_API_SECRET: 'security-test-secret-that-must-not-leak' }
		});
		world = await makeWorld(s.hearth);
		boardId = (await s.hearth.boards.create(world.users.facilitator, world.cohortA, { title: 'Water cycle' })).id;
		feed = await s.hearth.cohorts.rotateFeed(world.users.facilitator, world.cohortA);
		inviteToken = (await s.hearth.invites.create(world.users.facilitator, world.cohortA, { role: 'member' })).token;
		fac = new Visitor(s.url);
		expect((await fac.signIn('fran@example.org', PASSWORD)).status).toBe(303);
		cookie = `${SESSION_COOKIE}=${fac.cookies.get(SESSION_COOKIE)}`;
	});
	afterAll(() => s.stop());

	const pages = () => ({
		'sign-in': { who: new Visitor(s.url), path: '/login' },
		'cohort home': { who: fac, path: `/cohorts/${world.cohortA}` },
		'board map': { who: fac, path: `/cohorts/${world.cohortA}/boards/${boardId}/map` },
		'live convening': { who: fac, path: `/cohorts/${world.cohortA}/convenings/${world.conveningA}/live` },
		invitation: { who: new Visitor(s.url), path: `/invite/${inviteToken}` },
		'not found': { who: fac, path: '/cohorts/no-such-cohort' }
	});

	it('[SEC1] every page carries a CSP allowing only what the app needs, with a nonce on each inline script', async () => {
		const port = new URL(s.url).port;
		for (const [name, { who, path: p }] of Object.entries(pages())) {
			const res = await who.get(p);
			expect(res.headers.get('content-type'), name).toMatch(/^text\/html/);
			const html = await res.text();
			const policy = res.headers.get('content-security-policy');
			expect(policy, name).toBeTruthy();
			const d = directives(policy!);
			expect(d.get('default-src'), name).toEqual(["'self'"]);
			expect(d.get('object-src'), name).toEqual(["'none'"]);
			expect(d.get('base-uri'), name).toEqual(["'self'"]);
			expect(d.get('form-action'), name).toEqual(["'self'"]);
			expect(d.get('frame-ancestors'), name).toEqual(["'none'"]);
			expect(d.get('worker-src'), name).toEqual(["'self'"]);
			expect(d.get('img-src'), name).toEqual(["'self'", 'data:', 'blob:']);
			expect(d.get('style-src-elem')?.[0], name).toBe("'self'");
			expect(d.get('style-src-attr'), name).toEqual(["'unsafe-inline'"]);
			// This origin's websockets and the configured LiveKit server, nothing else.
			expect(d.get('connect-src'), name).toEqual([
				"'self'",
				`ws://127.0.0.1:${port}`,
				'wss://media.hearth.test',
				'https://media.hearth.test'
			]);
			// Scripts: this origin, plus a nonce SvelteKit puts on its own inline scripts; never inline or eval.
			const scriptSrc = d.get('script-src')!;
			expect(scriptSrc, name).not.toContain("'unsafe-inline'");
			expect(scriptSrc, name).not.toContain("'unsafe-eval'");
			const nonce = scriptSrc.find((v) => v.startsWith("'nonce-"))?.slice(7, -1);
			expect(nonce, name).toBeTruthy();
			const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")([^>]*)>/g)].map((m) => m[1]!);
			expect(inline.length, name).toBeGreaterThan(0);
			for (const attrs of inline) expect(attrs, name).toContain(`nonce="${nonce}"`);
			for (const [header, value] of Object.entries(BASE_HEADERS)) expect(res.headers.get(header), `${name}: ${header}`).toBe(value);
			expect(res.headers.get('referrer-policy')).toBe('same-origin');
			expect(res.headers.get('permissions-policy')).toMatch(/camera=\(self\).*microphone=\(self\)/);
		}
		// A new nonce for every response.
		const anonymous = new Visitor(s.url);
		const a = (await anonymous.get('/login')).headers.get('content-security-policy');
		const b = (await anonymous.get('/login')).headers.get('content-security-policy');
		expect(a).not.toBe(b);
	});

	it('[SEC1] files, feeds, JSON, static assets and /healthz carry the same headers; what is not a page runs nothing', async () => {
		const login = await (await new Visitor(s.url).get('/login')).text();
		const asset = /\/_app\/immutable\/[^"]+\.js/.exec(login)?.[0];
		expect(asset).toBeTruthy();
		const targets: { path: string; who: Visitor; csp: string | null; status: number }[] = [
			{ path: '/healthz', who: fac, csp: FILE_CSP, status: 200 },
			{ path: `/feeds/${feed}.ics`, who: new Visitor(s.url), csp: FILE_CSP, status: 200 },
			{ path: `/cohorts/${world.cohortA}/year.csv`, who: fac, csp: FILE_CSP, status: 200 },
			{ path: `/cohorts/${world.cohortA}/boards/${boardId}/export/svg`, who: fac, csp: FILE_CSP, status: 200 },
			{ path: `/cohorts/${world.cohortA}/convenings/${world.conveningA}/attendance.csv`, who: fac, csp: FILE_CSP, status: 200 },
			// Scripts keep no policy of their own: a module worker started from one runs under it.
			{ path: asset!, who: new Visitor(s.url), csp: null, status: 200 }
		];
		for (const t of targets) {
			const res = await t.who.get(t.path);
			expect(res.status, t.path).toBe(t.status);
			for (const [header, value] of Object.entries(BASE_HEADERS)) expect(res.headers.get(header), `${t.path}: ${header}`).toBe(value);
			expect(res.headers.get('content-security-policy'), t.path).toBe(t.csp);
		}
		const token = await fetch(`${s.url}/api/boards/${boardId}/token`, { method: 'POST', headers: { cookie } });
		expect(token.status).toBe(200);
		expect(token.headers.get('content-security-policy')).toBe(FILE_CSP);
		expect(token.headers.get('x-content-type-options')).toBe('nosniff');
		// Plain http here: no HSTS (it would pin a browser to https on a host that has none).
		expect(token.headers.get('strict-transport-security')).toBeNull();
	});

	it('[SEC2] the session cookie is HttpOnly, SameSite=Lax, Path=/, and not Secure over plain http, whatever X-Forwarded-Proto says', async () => {
		const v = new Visitor(s.url);
		expect((await v.post('/login', { email: 'mel@example.org', password: PASSWORD }, { 'x-forwarded-proto': 'https' })).status).toBe(303);
		const line = v.setCookieLines.get(SESSION_COOKIE)!;
		expect(line).toMatch(/HttpOnly/i);
		expect(line).toMatch(/SameSite=Lax/i);
		expect(line).toMatch(/Path=\/(;|$)/i);
		expect(line).not.toMatch(/Secure/i);
		// Nor does a client's own copy of the internal scheme header count.
		const w = new Visitor(s.url);
		await w.post('/login', { email: 'mel@example.org', password: PASSWORD }, { 'x-hearth-protocol': 'https' });
		expect(w.setCookieLines.get(SESSION_COOKIE)).not.toMatch(/Secure/i);
	});

	it('[SEC2] signing out ends the session on the server: the old cookie opens no page, socket or board', async () => {
		const v = new Visitor(s.url);
		await v.signIn('mel@example.org', PASSWORD);
		const token = v.cookies.get(SESSION_COOKIE)!;
		const old = `${SESSION_COOKIE}=${token}`;
		expect(await socketConnects(s.url, { cookie: old })).toBe(true);
		expect((await v.post('/logout', {})).status).toBe(303);
		const replay = new Visitor(s.url);
		replay.cookies.set(SESSION_COOKIE, token);
		expect(location(await replay.get(`/cohorts/${world.cohortA}`))).toMatch(/^\/login/);
		expect(await socketConnects(s.url, { cookie: old })).toBe(false);
		expect(await boardUpgrade(`${s.url.replace('http', 'ws')}/yjs/${boardId}`, { cookie: old })).toEqual({ close: CloseCode.Unauthorized });
	});

	it('[SEC3] a cross-origin post to every form action is refused with 403 and changes nothing', async () => {
		const params = { cohortId: world.cohortA, conveningId: world.conveningA, boardId, token: inviteToken };
		const forms = walk(ROUTES)
			.filter((f) => path.basename(f) === '+page.server.ts')
			.flatMap((file) =>
				actionNames(file).map((name) => ({ file, name, url: urlPath(file, params) + (name === 'default' ? '' : `?/${name}`) }))
			);
		// The forms known when this was written; the list read from disk may grow, never shrink.
		expect(forms.length).toBeGreaterThanOrEqual(25);
		expect(forms.map((f) => f.url)).toEqual(expect.arrayContaining(['/login', '/logout', '/setup', `/invite/${inviteToken}?/register`]));
		const before = await everything(s);
		for (const form of forms) {
			const res = await fac.post(form.url, { name: 'Changed', title: 'Changed', email: 'x@example.org' }, { origin: EVIL });
			expect(res.status, form.url).toBe(403);
			expect(await res.text(), form.url).toMatch(/Cross-site POST form submissions are forbidden/);
		}
		// Also when the form is sent as multipart or plain text.
		for (const type of ['multipart/form-data; boundary=x', 'text/plain']) {
			const res = await fetch(`${s.url}/logout`, { method: 'POST', headers: { cookie, origin: EVIL, 'content-type': type }, body: '' });
			expect(res.status, type).toBe(403);
		}
		expect(await everything(s)).toEqual(before);
		expect((await fac.get(`/cohorts/${world.cohortA}`)).status).toBe(200);
	});

	it('[SEC3] a cross-origin request to every state-changing endpoint is refused with 403, whatever its body', async () => {
		const params = { cohortId: world.cohortA, conveningId: world.conveningA, boardId, format: 'svg', token: feed };
		const endpoints = mutatingEndpoints();
		expect(endpoints.map((e) => path.relative(ROUTES, e.file))).toEqual(
			expect.arrayContaining([path.join('api', 'boards', '[boardId]', 'token', '+server.ts')])
		);
		const before = await everything(s);
		for (const { file, methods } of endpoints) {
			const url = s.url + urlPath(file, params);
			for (const method of methods) {
				for (const body of [undefined, '{}']) {
					const headers: Record<string, string> = { cookie, origin: EVIL, accept: 'application/json' };
					if (body) headers['content-type'] = 'application/json';
					const res = await fetch(url, { method, headers, body });
					expect(res.status, `${method} ${url}`).toBe(403);
					expect(await res.json(), `${method} ${url}`).toMatchObject({ ok: false, error: { code: 'forbidden' } });
				}
			}
		}
		expect(await everything(s)).toEqual(before);
		// The same request from the app's own pages, or from a client that is not a browser, works.
		for (const headers of [{ cookie, origin: s.url }, { cookie }] as Record<string, string>[]) {
			const res = await fetch(`${s.url}/api/boards/${boardId}/token`, { method: 'POST', headers });
			expect(res.status).toBe(200);
			expect(await res.json()).toMatchObject({ ok: true, data: { token: expect.any(String) } });
		}
	});

	it('[SEC3] socket.io refuses a handshake from another origin (cross-site websocket hijacking) and takes its own', async () => {
		expect(await socketConnects(s.url, { cookie, origin: EVIL })).toBe(false);
		// Another port of the same host is another origin.
		expect(await socketConnects(s.url, { cookie, origin: 'http://127.0.0.1:1' })).toBe(false);
		expect(await socketConnects(s.url, { cookie, origin: s.url })).toBe(true);
		expect(await socketConnects(s.url, { cookie })).toBe(true);
		const polling = await fetch(`${s.url}/socket.io/?EIO=4&transport=polling`, { headers: { cookie, origin: EVIL } });
		expect(polling.status).toBe(403);
	});

	it('[SEC3] the board path answers a foreign Origin with 403 before upgrading, and serves its own', async () => {
		const url = `${s.url.replace('http', 'ws')}/yjs/${boardId}`;
		expect(await boardUpgrade(url, { cookie, origin: EVIL })).toEqual({ status: 403 });
		// A board token does not make a foreign page's connection acceptable either.
		const { token } = await s.hearth.boards.mintToken(world.users.facilitator, boardId);
		expect(await boardUpgrade(`${url}?token=${token}`, { origin: EVIL })).toEqual({ status: 403 });
		// Same origin (a browser on Hearth's page): upgraded and sent the board's first sync message.
		const ws = new WebSocket(url, { headers: { cookie, origin: s.url } });
		const first = await new Promise<'message' | number>((resolve, reject) => {
			ws.once('message', () => resolve('message'));
			ws.once('close', (code) => resolve(code));
			ws.once('error', reject);
		});
		expect(first).toBe('message');
		ws.close();
		// No Origin (the stock provider from Node): syncs.
		const client = connectBoard(s.url, boardId, { cookie });
		await synced(client);
		client.destroy();
	});
});

describe('[SEC2] [SEC3] behind a TLS proxy (ORIGIN=https://…)', () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-sec-'));
	afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

	it('sets the cookie Secure, sends HSTS, and takes requests from ORIGIN only', async () => {
		const origin = 'https://hearth.test';
		const port = await freePort();
		const local = `http://127.0.0.1:${port}`;
		const p = runHearth({ DATA_DIR: dataDir, PORT: String(port), ORIGIN: origin });
		try {
			// The proxy's side: requests reach the local port; the browser's side is ORIGIN.
			await eventually(async () => (await fetch(`${local}/healthz`).catch(() => undefined))?.ok === true, 60_000, 'the server to start');
			const v = new Visitor(local);
			const setup = {
				name: 'Ada Facilitator',
				email: 'ada@example.org',
				password: 'a long enough password',
				timeZone: 'UTC',
				cohortName: 'Proxy cohort',
				cohortDescription: '',
				startsOn: '2026-06-22',
				endsOn: '2027-07-12',
				cohortTimeZone: 'UTC'
			};
			// The browser is on https://hearth.test: a form from the proxy's inner address is foreign.
			expect((await v.post('/setup', setup, { origin: local })).status).toBe(403);
			const res = await v.post('/setup', setup, { origin });
			expect(res.status).toBe(303);
			const line = v.setCookieLines.get(SESSION_COOKIE)!;
			expect(line).toMatch(/;\s*Secure/i);
			expect(line).toMatch(/HttpOnly/i);
			expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
			const cookie = `${SESSION_COOKIE}=${v.cookies.get(SESSION_COOKIE)}`;
			expect(await socketConnects(local, { cookie, origin })).toBe(true);
			expect(await socketConnects(local, { cookie, origin: local })).toBe(false);
			const page = await v.get(location(res)!);
			expect(page.status).toBe(200);
			expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' wss://hearth.test`);
		} finally {
			p.child.kill('SIGTERM');
			await p.exited;
		}
	});
});

describe('[SEC4] guessing invitation links', () => {
	let s: TestServer;
	let world: World;
	let link: string;
	beforeAll(async () => {
		s = await startTestServer();
		world = await makeWorld(s.hearth);
		link = `/invite/${(await s.hearth.invites.create(world.users.facilitator, world.cohortA, { role: 'member' })).token}`;
	});
	afterAll(() => s.stop());

	const guess = (i: number) => `/invite/${'G'.repeat(40)}${String(i).padStart(3, '0')}`;
	const register = (v: Visitor, email: string) =>
		v.post(`${link}?/register`, { name: 'Nia New', email, password: 'another long password', timeZone: 'UTC' });

	it('is throttled per address: past the limit even a valid link answers 429 with a clear message, until the window passes', async () => {
		const v = new Visitor(s.url);
		for (let i = 0; i < INVITE_LIMITS.perAddress; i++) {
			const res = await v.get(guess(i));
			expect(res.status).toBe(200);
			expect(await res.text()).toContain('Invitation not found');
		}
		const page = await v.get(link);
		expect(page.status).toBe(429);
		expect(await page.text()).toContain('Too many invitation links were tried from your network');
		const post = await register(v, 'nia@example.org');
		expect(post.status).toBe(429);
		expect(v.cookies.has(SESSION_COOKIE)).toBe(false);
		expect((await s.hearth.cohorts.view(world.users.facilitator, world.cohortA)).members.some((m) => m.email === 'nia@example.org')).toBe(
			false
		);

		(s.clock as ManualClock).advance(INVITE_LIMITS.windowMs + 1000);
		const open = await v.get(link);
		expect(open.status).toBe(200);
		expect(await open.text()).toContain('Join Cohort A');
	});

	it('counts guesses posted to the accept forms too, and a valid link opened many times is no guess', async () => {
		(s.clock as ManualClock).advance(INVITE_LIMITS.windowMs + 1000);
		const v = new Visitor(s.url);
		for (let i = 0; i < INVITE_LIMITS.perAddress * 2; i++) expect((await v.get(link)).status).toBe(200);
		const oda = new Visitor(s.url);
		await oda.signIn('oda@example.org', PASSWORD);
		for (let i = 0; i < INVITE_LIMITS.perAddress; i++) expect((await oda.post(`${guess(i)}?/join`, {})).status).toBe(404);
		expect((await oda.post(`${link}?/join`, {})).status).toBe(429);
		expect((await s.hearth.cohorts.listForUser(world.users.otherMember)).map((c) => c.name)).toEqual(['Cohort B']);
		(s.clock as ManualClock).advance(INVITE_LIMITS.windowMs + 1000);
		expect(location(await register(new Visitor(s.url), 'nia@example.org'))).toBe(`/cohorts/${world.cohortA}`);
	});
});

describe('[SEC6] production dependencies', () => {
	it('npm audit finds no high or critical advisory in production dependencies', { timeout: 180_000 }, async (ctx) => {
		// npm audit exits 1 when it finds anything at all; the JSON says what.
		const run = await promisify(execFile)('npm', ['audit', '--omit=dev', '--json'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).catch(
			(e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' })
		);
		// A registry without the audit service (some mirrors answer 405) cannot tell: say so, loudly,
		// rather than pass. HEARTH_REQUIRE_AUDIT=1 makes that a failure (CI with the public registry).
		const unavailable = /audit endpoint returned an error|ENOAUDIT|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.exec(run.stderr);
		if (unavailable && process.env.HEARTH_REQUIRE_AUDIT !== '1') {
			ctx.skip(
				`npm audit could not reach an audit service (${unavailable[0]}): ${run.stderr.split('\n').find((l) => /audit/.test(l)) ?? ''}`
			);
		}
		const report = JSON.parse(run.stdout) as {
			metadata?: { vulnerabilities: Record<string, number> };
			vulnerabilities?: Record<string, { severity: string }>;
			error?: unknown;
		};
		expect(report.error, run.stderr).toBeUndefined();
		const severe = Object.entries(report.vulnerabilities ?? {})
			.filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
			.map(([name, v]) => `${name} (${v.severity})`);
		expect(severe).toEqual([]);
		expect(report.metadata!.vulnerabilities.high! + report.metadata!.vulnerabilities.critical!).toBe(0);
	});
});
