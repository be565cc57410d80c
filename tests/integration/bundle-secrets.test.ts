/**
 * [SEC5] No server code and no secret reaches a browser. Two looks: the built client on disk
 * (`build/client`, as `npm test` builds it) holds nothing of the server's modules, and everything
 * a running server hands out (pages, their data, every client file), with a LiveKit secret set and
 * people signed in, holds none of its secrets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { DUMMY_HASH } from '../../server/auth/passwords.ts';
import { Visitor } from '../helpers/http.ts';
import { ROOT, startTestServer, type TestServer } from '../helpers/server.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';

const CLIENT = path.join(ROOT, 'build', 'client');
const LIVEKIT_SECRET = 'lk-secret-9f3c1e7a-do-not-ship-to-browsers';

function walk(dir: string): string[] {
	return fs
		.readdirSync(dir, { withFileTypes: true })
		.flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const isText = (file: string) => /\.(js|mjs|css|html|json|map|svg|txt|webmanifest)$/.test(file);

/**
 * Strings only the server's modules contain: every log message written under server/ (each module
 * that does anything logs), so a server module bundled into the client brings its own fingerprint.
 */
function serverFingerprints(): string[] {
	const found = new Set<string>();
	for (const file of walk(path.join(ROOT, 'server')).filter((f) => f.endsWith('.ts'))) {
		const text = fs.readFileSync(file, 'utf8');
		for (const m of text.matchAll(/logger\.(?:fatal|error|warn|info|debug|trace)\((?:[^'"`()]*?,\s*)?(['"`])([^'"`$]{12,})\1/g))
			found.add(m[2]!);
	}
	return [...found];
}

/**
 * What only server code names: the secret-bearing variables (server/config.ts), the password hash
 * column, an argon2 hash, the server-only packages and Node's built-in modules.
 */
const SERVER_ONLY = [
	'LIVEKIT_API_SECRET',
	'LIVEKIT_API_KEY',
	'DATABASE_URL',
	'REDIS_URL',
	'password_hash',
	'server_secrets',
	'$argon2id$',
	DUMMY_HASH,
	'better-sqlite3',
	'better_sqlite3',
	'@node-rs/argon2',
	'livekit-server-sdk',
	'ical-generator',
	'redis-streams-adapter',
	'node:crypto',
	'node:fs',
	'node:http',
	'node:async_hooks',
	// Source paths of server modules (a source map or a module id would carry them).
	'server/auth/',
	'server/db/',
	'server/http/',
	'lib/server/'
];

describe('[SEC5] the built client', () => {
	const files = fs.existsSync(CLIENT) ? walk(CLIENT).filter(isText) : [];

	it('exists (npm test builds it first)', () => {
		expect(files.length).toBeGreaterThan(10);
		expect(files.some((f) => f.endsWith('.js'))).toBe(true);
	});

	it('contains no server module: none of their log lines, names, packages or paths', () => {
		const fingerprints = serverFingerprints();
		// Enough to recognise any server module; a check with nothing to look for would pass forever.
		expect(fingerprints.length).toBeGreaterThan(30);
		expect(fingerprints).toContain('socket.io handshake failed');
		const hits: string[] = [];
		for (const file of files) {
			const text = fs.readFileSync(file, 'utf8');
			for (const marker of [...SERVER_ONLY, ...fingerprints])
				if (text.includes(marker)) hits.push(`${path.relative(CLIENT, file)}: ${marker}`);
		}
		expect(hits).toEqual([]);
	});
});

describe('[SEC5] what a running server hands to browsers', () => {
	let s: TestServer;
	let world: World;
	let boardId: string;
	beforeAll(async () => {
		s = await startTestServer({
			env: { LIVEKIT_URL: 'wss://media.hearth.test', LIVEKIT_API_KEY: 'APIbundletest', LIVEKIT_API_SECRET: LIVEKIT_SECRET }
		});
		world = await makeWorld(s.hearth);
		boardId = (await s.hearth.boards.create(world.users.facilitator, world.cohortA, { title: 'Water cycle' })).id;
		// Mint a board token, so that the token secret exists in storage.
		await s.hearth.boards.mintToken(world.users.facilitator, boardId);
	});
	afterAll(() => s.stop());

	it('holds no secret: not the LiveKit secret, the storage secrets, a session token or a password hash', async () => {
		const fac = new Visitor(s.url);
		await fac.signIn('fran@example.org', PASSWORD);
		const mel = new Visitor(s.url);
		await mel.signIn('mel@example.org', PASSWORD);
		const stored = await sql<{ value: string }>`select * from server_secrets`.execute(s.db.kysely);
		const storedSecrets = stored.rows.flatMap((r) => Object.values(r).filter((v): v is string => typeof v === 'string' && v.length >= 16));
		expect(storedSecrets.length).toBeGreaterThan(0);
		const served: { what: string; text: string }[] = [];
		const secrets = [LIVEKIT_SECRET, ...storedSecrets, fac.cookies.get(SESSION_COOKIE)!, mel.cookies.get(SESSION_COOKIE)!, '$argon2id$'];

		const anonymous = await new Visitor(s.url).get('/login');
		expect(anonymous.status).toBe(200);
		served.push({ what: '/login', text: await anonymous.text() });
		const pages = [
			`/cohorts/${world.cohortA}`,
			`/cohorts/${world.cohortA}/people`,
			`/cohorts/${world.cohortA}/settings`,
			`/cohorts/${world.cohortA}/boards`,
			`/cohorts/${world.cohortA}/boards/${boardId}/map`,
			`/cohorts/${world.cohortA}/convenings/${world.conveningA}`,
			`/cohorts/${world.cohortA}/convenings/${world.conveningA}/live`,
			'/settings'
		];
		for (const who of [fac, mel]) {
			for (const p of pages) {
				const page = await who.get(p);
				// The facilitator sees every page (others may get 403): the check reads real pages.
				if (who === fac) expect(page.status, p).toBe(200);
				served.push({ what: p, text: await page.text() });
				// The page's data as client-side navigation loads it.
				const data = await who.get(`${p}/__data.json`);
				if (who === fac) expect(data.status, `${p}/__data.json`).toBe(200);
				served.push({ what: `${p}/__data.json`, text: await data.text() });
			}
		}
		// Every client file, fetched from the server as a browser would.
		const clientFiles = walk(CLIENT).filter(isText);
		for (const file of clientFiles) {
			const url = '/' + path.relative(CLIENT, file).split(path.sep).join('/');
			const res = await fetch(s.url + url);
			expect(res.status, url).toBe(200);
			served.push({ what: url, text: await res.text() });
		}
		expect(served.length).toBeGreaterThan(clientFiles.length);
		const leaks = served.flatMap(({ what, text }) => secrets.filter((secret) => text.includes(secret)).map(() => what));
		expect(leaks).toEqual([]);
	});
});
