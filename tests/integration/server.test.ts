import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { CloseCode, PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents } from '../../shared/events.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { Visitor } from '../helpers/http.ts';
import { runHearth } from '../helpers/process.ts';
import { makeWorld, PASSWORD } from '../helpers/world.ts';

/** The close code the board path answers a websocket with. */
function closeCode(url: string, cookie?: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { headers: cookie ? { cookie } : {} });
		ws.on('close', (code) => resolve(code));
		ws.on('error', (err) => reject(err));
	});
}

describe('one server: health, socket.io and the board path', () => {
	let s: TestServer;
	let cookie: string;
	beforeAll(async () => {
		s = await startTestServer();
		await makeWorld(s.hearth);
		const v = new Visitor(s.url);
		await v.signIn('mel@example.org', PASSWORD);
		cookie = `${SESSION_COOKIE}=${v.cookies.get(SESSION_COOKIE)}`;
	});
	afterAll(() => s.stop());

	it('GET /healthz reports the storage in use and which optional services are configured', async () => {
		const res = await fetch(`${s.url}/healthz`);
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			ok: true,
			storage: { engine: 'sqlite', ok: true },
			services: { redis: false, livekit: false }
		});
	});

	it('socket.io refuses a connection without a session, with a coded error', async () => {
		const socket: Socket = connect(s.url, { transports: ['websocket'], reconnection: false });
		const err = await new Promise<Error & { data?: { code?: string } }>((resolve) => socket.on('connect_error', resolve));
		expect(err.data?.code).toBe('unauthenticated');
		socket.close();
	});

	it('socket.io accepts the session cookie and knows who is connected', async () => {
		const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(s.url, {
			transports: ['websocket'],
			reconnection: false,
			extraHeaders: { cookie }
		});
		await new Promise<void>((resolve, reject) => {
			socket.on('connect', resolve);
			socket.on('connect_error', reject);
		});
		const result = await socket.emitWithAck('session:whoami');
		expect(result).toMatchObject({ ok: true, data: { name: 'Mel Member', protocolVersion: PROTOCOL_VERSION } });
		socket.close();
	});

	it('the board path shares the port and answers with close codes', async () => {
		const base = s.url.replace('http', 'ws');
		expect(await closeCode(`${base}/yjs/some-board`)).toBe(CloseCode.Unauthorized);
		expect(await closeCode(`${base}/yjs/some-board`, `${SESSION_COOKIE}=forged`)).toBe(CloseCode.Unauthorized);
		// Signed in, but no such board exists.
		expect(await closeCode(`${base}/yjs/some-board`, cookie)).toBe(CloseCode.NotFound);
		expect(await closeCode(`${base}/yjs/bad%20id!`, cookie)).toBe(CloseCode.NotFound);
	});

	it('GET /healthz answers 503 when storage is gone', async () => {
		const t = await startTestServer();
		await t.db.close();
		const res = await fetch(`${t.url}/healthz`);
		expect(res.status).toBe(503);
		expect(await res.json()).toMatchObject({ ok: false, storage: { ok: false } });
		await t.close().catch(() => {});
	});
});

describe('the npm start process', () => {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-proc-'));
	afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

	const run = (env: Record<string, string>, args: string[] = []) => runHearth({ DATA_DIR: dataDir, ...env }, args);

	it('refuses a bad variable with a message naming it, and exits 1', async () => {
		const p = run({ PORT: 'not-a-port' });
		expect(await p.exited).toBe(1);
		expect(p.output()).toContain('PORT: must be a number');
	});

	it('starts on an empty data directory, seeds the demo with --demo, and shuts down cleanly on SIGTERM', async () => {
		const p = run({ PORT: '0' }, ['--demo']);
		const url = await p.url;
		expect(p.output()).toContain('Demo cohort ready');
		const health = (await (await fetch(`${url}/healthz`)).json()) as { storage: { engine: string } };
		expect(health.storage.engine).toBe('sqlite');
		expect(fs.existsSync(path.join(dataDir, 'hearth.sqlite'))).toBe(true);
		const v = new Visitor(url);
		expect((await v.signIn('mei.tanaka@hearth.example', 'hearth-demo-2026')).status).toBe(303);
		p.child.kill('SIGTERM');
		expect(await p.exited).toBe(0);
		expect(p.output()).toContain('shutting down');
	});
});
