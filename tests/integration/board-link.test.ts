/**
 * [SC2] Board rooms of two "instances" in one process, linked through the in-process bus
 * (server/scale/bus.ts `localHub`), on one SQLite store: what a room commits reaches the other
 * room's connections; awareness too; a room that missed a message catches up from storage.
 * Connections are stand-ins that record what they are sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { boardLinks, type BoardLinks } from '../../server/boards/board-link.ts';
import { BoardRoom, MessageType, SyncType, type Connection } from '../../server/boards/board-room.ts';
import { boardsStore, type BoardsStore } from '../../server/boards/boards.store.ts';
import { systemClock } from '../../server/clock.ts';
import { localHub } from '../../server/scale/bus.ts';
import { localLeases } from '../../server/scale/lease.ts';
import { createHearth } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { freshDb } from '../helpers/server.ts';
import { makeWorld } from '../helpers/world.ts';
import { eventually } from '../helpers/yjs.ts';

const logger = pino({ level: 'silent' });

/** A connection that applies what the room sends it to its own doc and awareness. */
function fakeConnection(userId: string) {
	const doc = new Y.Doc();
	const awareness = new Awareness(new Y.Doc());
	const ws = {
		readyState: 1,
		OPEN: 1,
		send(message: Uint8Array, cb?: (err?: Error) => void) {
			const d = decoding.createDecoder(message);
			const type = decoding.readVarUint(d);
			if (type === MessageType.Sync) {
				const sub = decoding.readVarUint(d);
				if (sub !== SyncType.Step1) Y.applyUpdate(doc, decoding.readVarUint8Array(d));
			} else if (type === MessageType.Awareness) {
				applyAwarenessUpdate(awareness, decoding.readVarUint8Array(d), 'server');
			}
			cb?.();
		},
		close() {},
		terminate() {}
	} as unknown as WebSocket;
	const conn: Connection = { ws, userId, access: 'write', awarenessIds: new Set() };
	return { conn, doc, awareness };
}

const frame = (type: number, write: (e: encoding.Encoder) => void) => {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, type);
	write(e);
	return encoding.toUint8Array(e);
};
const updateFrame = (update: Uint8Array) =>
	frame(MessageType.Sync, (e) => {
		encoding.writeVarUint(e, SyncType.Update);
		encoding.writeVarUint8Array(e, update);
	});

describe('board rooms linked through the in-process bus', () => {
	let fresh: Awaited<ReturnType<typeof freshDb>>;
	let store: BoardsStore;
	let boardId: string;
	let cohortId: string;
	let userId: string;
	const links: BoardLinks[] = [];
	const rooms: BoardRoom[] = [];

	beforeEach(async () => {
		fresh = await freshDb('sqlite');
		const hearth = createHearth({ config: loadConfig({ DATA_DIR: fresh.dataDir }), db: fresh.db, clock: systemClock, logger });
		const w = await makeWorld(hearth);
		const board = await hearth.boards.create(w.users.facilitator, w.cohortA, { title: 'Linked' });
		[boardId, cohortId, userId] = [board.id, w.cohortA, w.users.facilitator.id];
		store = boardsStore(fresh.db);
	});
	afterEach(async () => {
		for (const r of rooms.splice(0)) r.destroy();
		for (const l of links.splice(0)) await l.close();
		await fresh.cleanup();
	});

	async function instances() {
		const hub = localHub();
		const load = async (id: string) => {
			const l = boardLinks({ bus: hub.bus(id), leases: localLeases(id), logger, tickMs: 60_000, onAccessChanged: () => {} });
			links.push(l);
			const room = await BoardRoom.load(boardId, cohortId, store, systemClock, logger, { compactEvery: 500, link: l.link(boardId) });
			rooms.push(room);
			return room;
		};
		return [await load('a'), await load('b')] as const;
	}

	it('[SC2][BD1] an update committed on one instance reaches the other instance’s connections, after it is stored', async () => {
		const [a, b] = await instances();
		const writer = fakeConnection(userId);
		const reader = fakeConnection(userId);
		a.add(writer.conn);
		b.add(reader.conn);
		const local = new Y.Doc();
		local.getMap('m').set('k', 'v');
		a.handle(writer.conn, updateFrame(Y.encodeStateAsUpdate(local)));
		await eventually(() => reader.doc.getMap('m').get('k') === 'v', 5_000, 'the update on B');
		expect(b.doc.getMap('m').get('k')).toBe('v');
		// Stored once, by the instance that accepted it.
		expect(await store.countUpdates(boardId)).toBe(1);
	});

	it('[SC2][BD6] awareness crosses, and its removal too when the connection closes', async () => {
		const [a, b] = await instances();
		const writer = fakeConnection(userId);
		const reader = fakeConnection(userId);
		a.add(writer.conn);
		b.add(reader.conn);
		const mine = new Awareness(new Y.Doc());
		mine.setLocalState({ user: { name: 'Fran' } });
		a.handle(
			writer.conn,
			frame(MessageType.Awareness, (e) => encoding.writeVarUint8Array(e, encodeAwarenessUpdate(mine, [mine.clientID])))
		);
		await eventually(() => reader.awareness.getStates().has(mine.clientID), 5_000, 'the cursor on B');
		a.remove(writer.conn.ws);
		await eventually(() => !reader.awareness.getStates().has(mine.clientID), 5_000, 'the cursor gone on B');
	});

	it('[SC2][SC6] a room that missed updates catches up from storage when a later one builds on them', async () => {
		const [a, b] = await instances();
		const reader = fakeConnection(userId);
		b.add(reader.conn);
		// Committed behind B's back (as if its message had been lost), then an update building on it arrives.
		const local = new Y.Doc();
		local.getText('t').insert(0, 'hello');
		const first = Y.encodeStateAsUpdate(local);
		await store.append(boardId, [{ data: first, userId, createdAt: new Date().toISOString() }]);
		const before = Y.encodeStateVector(local);
		local.getText('t').insert(5, ' world');
		b.applyRemote(Y.encodeStateAsUpdate(local, before));
		await eventually(() => reader.doc.getText('t').toString() === 'hello world', 5_000, 'B to catch up');
		expect(a.closed).toBe(false);
	});
});
