/**
 * [BD1] Nothing any client has seen is lost when the server process is killed (SIGKILL, a real
 * child process), and clients reconnecting to the restarted server converge with nothing missing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import * as Y from 'yjs';
import { createHearth } from '../../server/app.ts';
import { systemClock } from '../../server/clock.ts';
import { loadConfig } from '../../server/config.ts';
import { freshDb } from '../helpers/server.ts';
import { freePort, runHearth, type HearthProcess } from '../helpers/process.ts';
import { makeWorld } from '../helpers/world.ts';
import { connectBoard, synced, until, type Client } from '../helpers/yjs.ts';

const keys = (c: Client) => new Set(c.doc.getMap<number>('m').keys());
const isSubset = (a: Set<string>, b: Set<string>) => [...a].every((k) => b.has(k));

describe.each(['sqlite', 'postgres'] as const)('board durability across a crash on %s', (engine) => {
	let fresh: Awaited<ReturnType<typeof freshDb>>;
	let env: Record<string, string>;
	let boardId: string;
	let tokens: string[];
	let proc: HearthProcess | undefined;
	const clients: Client[] = [];

	beforeEach(async () => {
		fresh = await freshDb(engine);
		const port = await freePort();
		env = {
			PORT: String(port),
			DATA_DIR: fresh.dataDir,
			BOARD_COMPACT_EVERY: '40',
			...(fresh.databaseUrl ? { DATABASE_URL: fresh.databaseUrl } : {})
		};
		// Seed through the real services, then hand the storage to the server process.
		const hearth = createHearth({ config: loadConfig(env), db: fresh.db, clock: systemClock, logger: pino({ level: 'silent' }) });
		const w = await makeWorld(hearth);
		const board = await hearth.boards.create(w.users.facilitator, w.cohortA, { title: 'Crash test' });
		boardId = board.id;
		tokens = [];
		for (const u of [w.users.facilitator, w.users.member, w.users.facilitator, w.users.member])
			tokens.push((await hearth.boards.mintToken(u, boardId)).token);
		await hearth.close();
		await fresh.db.close();
	});
	afterEach(async () => {
		for (const c of clients.splice(0)) c.destroy();
		proc?.child.kill('SIGKILL');
		await proc?.exited;
		await fresh.cleanup();
	});

	it('[BD1] SIGKILL mid-edit: a restarted server has everything a client saw; reconnecting clients converge', async () => {
		proc = runHearth(env);
		const url = await proc.url;
		const editors = tokens.slice(0, 3).map((token, i) => {
			const c = connectBoard(url, boardId, { token });
			clients.push(c);
			return { c, i };
		});
		const listenerToken = tokens[3]!;
		const listener = connectBoard(url, boardId, { token: listenerToken });
		clients.push(listener);
		await Promise.all([...editors.map((e) => synced(e.c)), synced(listener)]);

		// Phase 1: 3 editors x 30 edits, until everyone has everything.
		for (let n = 0; n < 30; n++) for (const { c, i } of editors) c.doc.getMap('m').set(`e${i}-${n}`, n);
		await until([listener.doc], () => keys(listener).size === 90, 30_000, 'phase 1 at the listener');

		// Phase 2: keep editing and kill the server while updates are in flight.
		let n = 30;
		const more = setInterval(() => {
			for (const { c, i } of editors) c.doc.getMap('m').set(`e${i}-${n}`, n);
			n++;
		}, 5);
		await until([listener.doc], () => keys(listener).size >= 150, 30_000, 'phase 2 to be under way');
		proc.child.kill('SIGKILL');
		clearInterval(more);
		await proc.exited;
		const seen = keys(listener);
		expect(seen.size).toBeGreaterThanOrEqual(150);

		// Restart on the same storage; a brand-new client (no local state) must find all it saw.
		proc = runHearth(env);
		await proc.url;
		const newcomer = connectBoard(url, boardId, { token: listenerToken, doc: new Y.Doc() });
		clients.push(newcomer);
		await synced(newcomer);
		expect(isSubset(seen, keys(newcomer))).toBe(true);

		// The old clients reconnect by themselves and resend what the server never stored.
		const all = new Set(editors.flatMap(({ c }) => [...keys(c)]));
		expect(all.size).toBe(3 * n);
		await until(
			[newcomer.doc, listener.doc],
			() => keys(newcomer).size === all.size && keys(listener).size === all.size,
			30_000,
			'convergence after restart'
		);
		expect(isSubset(all, keys(newcomer))).toBe(true);
	});
});
