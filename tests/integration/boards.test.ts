/**
 * The board endpoint with stock y-websocket providers, on SQLite and PostgreSQL.
 * Test names carry the rule ids of docs/PROTOCOL.md.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { CloseCode } from '../../shared/events.ts';
import { BOARD_LIMITS } from '../../shared/board.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { ManualClock } from '../../server/clock.ts';
import type { Board } from '../../server/boards/boards.store.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { Visitor } from '../helpers/http.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';
import { connectBoard, eventually, synced, until, type Client } from '../helpers/yjs.ts';

const text = (c: Client | Y.Doc) => ('doc' in c ? c.doc : c).getText('t').toString();

describe.each(['sqlite', 'postgres'] as const)('board server on %s', (engine) => {
	let s: TestServer;
	let w: World;
	let board: Board;
	const cookies: Record<string, string> = {};
	const clients: Client[] = [];
	const sockets: WebSocket[] = [];

	const open = (who: keyof World['users'], boardId = board.id) => {
		const c = connectBoard(s.url, boardId, { cookie: cookies[who] });
		clients.push(c);
		return c;
	};

	beforeEach(async () => {
		s = await startTestServer({ engine });
		w = await makeWorld(s.hearth);
		board = await s.hearth.boards.create(w.users.facilitator, w.cohortA, { title: 'Systems map' });
		for (const [who, email] of [
			['facilitator', 'fran@example.org'],
			['member', 'mel@example.org'],
			['observer', 'olu@example.org'],
			['otherMember', 'oda@example.org']
		] as const) {
			const v = new Visitor(s.url);
			await v.signIn(email, PASSWORD);
			cookies[who] = `${SESSION_COOKIE}=${v.cookies.get(SESSION_COOKIE)}`;
		}
	});
	afterEach(async () => {
		for (const c of clients.splice(0)) c.destroy();
		for (const ws of sockets.splice(0)) ws.terminate();
		await s.stop();
	});

	/** A raw websocket on the board path, for frames the stock provider would never send. */
	function raw(who: keyof World['users'] = 'member'): Promise<{ ws: WebSocket; messages: Uint8Array[]; closed: Promise<number> }> {
		const ws = new WebSocket(`${s.url.replace('http', 'ws')}/yjs/${board.id}`, { headers: { cookie: cookies[who]! } });
		sockets.push(ws);
		const messages: Uint8Array[] = [];
		ws.on('message', (d: Buffer) => messages.push(new Uint8Array(d)));
		const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
		return new Promise((resolve, reject) => {
			ws.on('open', () => resolve({ ws, messages, closed }));
			ws.on('error', reject);
		});
	}

	it('[BD] edits from two providers converge, and a late joiner gets the full state', async () => {
		const a = open('facilitator');
		const b = open('member');
		await Promise.all([synced(a), synced(b)]);
		a.doc.getText('t').insert(0, 'Workload ');
		b.doc.getText('t').insert(0, 'Stress ');
		await until([a.doc, b.doc], () => text(a).length === 16 && text(a) === text(b), 15_000, 'convergence');
		const late = open('member');
		await synced(late);
		await until([late.doc], () => text(late) === text(a), 15_000, 'late joiner');
		expect(text(late)).toBe(text(a));
	});

	it('[BD1] every update a client received is in storage already', async () => {
		const a = open('facilitator');
		const b = open('member');
		await Promise.all([synced(a), synced(b)]);
		for (let i = 0; i < 20; i++) a.doc.getText('t').insert(0, `${i},`);
		await until([b.doc], () => text(b) === text(a), 15_000, 'b to receive');
		// Rebuild the document from the log alone: it holds everything b has seen.
		const fromLog = new Y.Doc();
		for (const u of await s.hearth.boards.store.updatesAfter(board.id, 0)) Y.applyUpdate(fromLog, u.data);
		expect(text(fromLog)).toBe(text(b));
		const rows = await s.hearth.boards.store.updatesAfter(board.id, 0);
		expect(rows.every((r) => r.userId === w.users.facilitator.id)).toBe(true);
		expect(rows[0]!.createdAt).toBe(new Date(s.clock.now()).toISOString());
	});

	it('[BD1] an update reaches nobody until its append has committed', async () => {
		const a = open('facilitator');
		const b = open('member');
		await Promise.all([synced(a), synced(b)]);
		// Hold the storage write: the real store, made to wait at a gate.
		const store = s.hearth.boards.store;
		const append = store.append;
		let open_gate!: () => void;
		const gate = new Promise<void>((resolve) => (open_gate = resolve));
		let appended = false;
		store.append = async (...args) => {
			await gate;
			const ids = await append(...args);
			appended = true;
			return ids;
		};
		try {
			a.doc.getText('t').insert(0, 'held');
			// b's later awareness change round-trips through the server while the write is held.
			b.provider.awareness.setLocalStateField('mark', 1);
			await eventually(() => a.provider.awareness.getStates().get(b.doc.clientID)?.mark === 1, 15_000, 'round trip');
			a.provider.awareness.setLocalStateField('mark', 2);
			await eventually(() => b.provider.awareness.getStates().get(a.doc.clientID)?.mark === 2, 15_000, 'a frame after the edit');
			expect(text(b)).toBe('');
			open_gate();
			await until([b.doc], () => text(b) === 'held', 15_000, 'release');
			expect(appended).toBe(true);
		} finally {
			store.append = append;
			open_gate();
		}
	});

	it('[BD7] a failed storage write closes connections with 4503; clients reconnect and resend, nothing is lost', async () => {
		const a = open('facilitator');
		const b = open('member');
		await Promise.all([synced(a), synced(b)]);
		const store = s.hearth.boards.store;
		const append = store.append;
		let failures = 0;
		store.append = async () => {
			failures++;
			store.append = append; // storage comes back after one failure
			throw new Error('disk full');
		};
		const closes: number[] = [];
		a.provider.on('connection-close', (event) => event && closes.push(event.code));
		a.doc.getText('t').insert(0, 'survives');
		await until([b.doc], () => text(b) === 'survives', 20_000, 'the resent update');
		expect(failures).toBe(1);
		expect(closes).toContain(CloseCode.StorageUnavailable);
		const fromLog = new Y.Doc();
		for (const u of await store.updatesAfter(board.id, 0)) Y.applyUpdate(fromLog, u.data);
		expect(text(fromLog)).toBe('survives');
	});

	it('[BD6] awareness appears for others and disappears when its connection closes', async () => {
		const a = open('facilitator');
		const b = open('member');
		await Promise.all([synced(a), synced(b)]);
		a.provider.awareness.setLocalStateField('user', { name: 'Fran', color: '#c8643c' });
		await eventually(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Fran', 15_000, 'awareness to arrive');
		a.provider.disconnect();
		await eventually(() => !b.provider.awareness.getStates().has(a.doc.clientID), 15_000, 'awareness to leave');
	});

	it('[BD5] a read-only client: its edits reach neither others nor storage; its cursor does', async () => {
		const writer = open('member');
		const observer = open('observer');
		await Promise.all([synced(writer), synced(observer)]);
		observer.doc.getText('t').insert(0, 'sneaky ');
		observer.provider.awareness.setLocalStateField('user', { name: 'Olu' });
		writer.doc.getText('t').insert(0, 'honest ');
		// The writer's edit reaching the observer shows the observer's edit had time to arrive too.
		await until([observer.doc], () => text(observer).includes('honest'), 15_000, 'observer to receive');
		await eventually(
			() => writer.provider.awareness.getStates().get(observer.doc.clientID)?.user?.name === 'Olu',
			15_000,
			'observer cursor'
		);
		await (await s.hearth.boardServer.loaded(board.id))!.settled();
		expect(text(writer)).toBe('honest ');
		const fromLog = new Y.Doc();
		for (const u of await s.hearth.boards.store.updatesAfter(board.id, 0)) Y.applyUpdate(fromLog, u.data);
		expect(text(fromLog)).toBe('honest ');
		// A late joiner sees only the writer's text.
		const late = open('facilitator');
		await synced(late);
		expect(text(late)).toBe('honest ');
	});

	it('[BA1] refuses anonymous (4401), another cohort (4404), a wrong board id (4404) and an expired token (4401)', async () => {
		const anonymous = connectBoard(s.url, board.id);
		clients.push(anonymous);
		expect((await anonymous.closed).code).toBe(CloseCode.Unauthorized);
		const other = open('otherMember');
		expect((await other.closed).code).toBe(CloseCode.NotFound);
		const wrong = open('member', 'no-such-board');
		expect((await wrong.closed).code).toBe(CloseCode.NotFound);

		const { token } = await s.hearth.boards.mintToken(w.users.member, board.id);
		(s.clock as ManualClock).advance(BOARD_LIMITS.tokenTtlMs + 1);
		const expired = connectBoard(s.url, board.id, { token });
		clients.push(expired);
		expect((await expired.closed).code).toBe(CloseCode.Unauthorized);
		// Nothing of the board was sent to any of them.
		for (const c of [anonymous, other, wrong, expired]) expect(c.provider.synced).toBe(false);
	});

	it('[BA1] a board token from the HTTP endpoint opens the board without a cookie, for that board only', async () => {
		const v = new Visitor(s.url);
		await v.signIn('mel@example.org', PASSWORD);
		const res = await v.post(`/api/boards/${board.id}/token`, {}, { accept: 'application/json' });
		expect(res.status).toBe(200);
		const { data } = (await res.json()) as { data: { token: string; expiresAt: string } };
		const c = connectBoard(s.url, board.id, { token: data.token });
		clients.push(c);
		await synced(c);
		const second = await s.hearth.boards.create(w.users.facilitator, w.cohortA, { title: 'Another' });
		const elsewhere = connectBoard(s.url, second.id, { token: data.token });
		clients.push(elsewhere);
		expect((await elsewhere.closed).code).toBe(CloseCode.Unauthorized);
		const forged = connectBoard(s.url, board.id, { token: data.token.slice(0, -2) + 'xx' });
		clients.push(forged);
		expect((await forged.closed).code).toBe(CloseCode.Unauthorized);
		// Not signed in: no token.
		expect((await new Visitor(s.url).post(`/api/boards/${board.id}/token`, {}, { accept: 'application/json' })).status).toBe(401);
		const outsider = new Visitor(s.url);
		await outsider.signIn('oda@example.org', PASSWORD);
		expect((await outsider.post(`/api/boards/${board.id}/token`, {}, { accept: 'application/json' })).status).toBe(404);
	});

	it('[BA2] removing a member closes their open connection with 4403; locking the board turns writers read-only', async () => {
		const member = open('member');
		const fac = open('facilitator');
		await Promise.all([synced(member), synced(fac)]);
		await s.hearth.boards.setWritePolicy(w.users.facilitator, board.id, 'locked');
		await eventually(async () => {
			const room = await s.hearth.boardServer.loaded(board.id);
			return [...room!.conns.values()].every((c) => c.access === 'read');
		});
		member.doc.getText('t').insert(0, 'after lock ');
		fac.doc.getText('t').insert(0, 'also locked ');
		// A connection's frames are handled in order: once each one's later awareness change is
		// relayed, the server has handled (and dropped) its edit.
		member.provider.awareness.setLocalStateField('mark', 1);
		fac.provider.awareness.setLocalStateField('mark', 1);
		await eventually(() => fac.provider.awareness.getStates().get(member.doc.clientID)?.mark === 1, 15_000, 'member mark');
		await eventually(() => member.provider.awareness.getStates().get(fac.doc.clientID)?.mark === 1, 15_000, 'facilitator mark');
		await s.hearth.boards.setWritePolicy(w.users.facilitator, board.id, 'cohort');
		await eventually(async () => [...(await s.hearth.boardServer.loaded(board.id))!.conns.values()].every((c) => c.access === 'write'));
		expect(await s.hearth.boards.store.countUpdates(board.id)).toBe(0);

		await s.hearth.cohorts.removeMember(w.users.facilitator, w.cohortA, w.users.member.id);
		expect((await member.closed).code).toBe(CloseCode.Forbidden);
	});

	it('[BL1] a malformed frame closes only that connection (4400); the document and others are unaffected', async () => {
		const a = open('facilitator');
		await synced(a);
		a.doc.getText('t').insert(0, 'before');
		await (await s.hearth.boardServer.loaded(board.id))!.settled();
		await eventually(async () => (await s.hearth.boards.store.countUpdates(board.id)) === 1);

		const bad = [
			Uint8Array.from([0, 2, 200, 1, 2, 3]), // an update whose length runs past the frame
			Uint8Array.from([0, 2, 5, 255, 255, 255, 255, 255]), // not a Yjs update
			Uint8Array.from([9, 1, 2]), // unknown message type
			Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) // a varint that never ends
		];
		for (const frame of bad) {
			const r = await raw();
			r.ws.send(frame);
			expect(await r.closed).toBe(CloseCode.BadFrame);
		}
		const textFrame = await raw();
		textFrame.ws.send('hello');
		expect(await textFrame.closed).toBe(CloseCode.BadFrame);

		a.doc.getText('t').insert(6, ' after');
		const b = open('member');
		await synced(b);
		await until([b.doc], () => text(b) === 'before after', 15_000, 'still working');
	});

	it('[BL1] an oversized frame is closed with 4413 and a flood with 4429', async () => {
		const big = await raw();
		big.ws.send(new Uint8Array(BOARD_LIMITS.maxFrameBytes + 1));
		expect(await big.closed).toBe(CloseCode.MessageTooLarge);
		const flood = await raw();
		const awarenessQuery = Uint8Array.from([3]);
		for (let i = 0; i < BOARD_LIMITS.messageBurst + 50; i++) flood.ws.send(awarenessQuery);
		expect(await flood.closed).toBe(CloseCode.RateLimited);
		expect(await s.hearth.boards.store.countUpdates(board.id)).toBe(0);
	});

	it('[BL2] a connection that stops answering pings is dropped and its cursor removed for everyone', async () => {
		const watcher = open('facilitator');
		await synced(watcher);
		const dead = await raw('member');
		// Introduce an awareness state from the raw connection, as a provider would.
		const presence = new Y.Doc();
		const aw = new Awareness(presence);
		aw.setLocalStateField('user', { name: 'Gone soon' });
		const e = encoding.createEncoder();
		encoding.writeVarUint(e, 1);
		encoding.writeVarUint8Array(e, encodeAwarenessUpdate(aw, [presence.clientID]));
		dead.ws.send(encoding.toUint8Array(e));
		await eventually(() => watcher.provider.awareness.getStates().has(presence.clientID), 15_000, 'presence');
		// Stop reading: pings go unanswered, as with a vanished laptop.
		(dead.ws as unknown as { _socket: { pause(): void } })._socket.pause();
		await eventually(() => !watcher.provider.awareness.getStates().has(presence.clientID), 15_000, 'the dead connection to be dropped');
		aw.destroy();
	});

	it('[BD4] the server never echoes an update to its sender', async () => {
		const r = await raw('member');
		const other = open('facilitator');
		await synced(other);
		const doc = new Y.Doc();
		doc.getText('t').insert(0, 'from raw');
		const e = encoding.createEncoder();
		encoding.writeVarUint(e, 0);
		encoding.writeVarUint(e, 2);
		encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc));
		r.ws.send(encoding.toUint8Array(e));
		await until([other.doc], () => text(other) === 'from raw', 15_000, 'relay');
		await (await s.hearth.boardServer.loaded(board.id))!.settled();
		// What the raw client got back: sync step 1 only, no update message (type 0, sub 2).
		const updatesBack = r.messages.filter((m) => {
			const d = decoding.createDecoder(m);
			return decoding.readVarUint(d) === 0 && decoding.readVarUint(d) === 2;
		});
		expect(updatesBack).toHaveLength(0);
	});

	it('[BL3] compaction keeps content byte-for-byte; loading is snapshot + tail', async () => {
		const a = open('facilitator');
		const b = open('member');
		await Promise.all([synced(a), synced(b)]);
		for (let i = 0; i < 30; i++) {
			(i % 2 ? a : b).doc.getText('t').insert(0, `${i};`);
			if (i % 5 === 0) a.doc.getMap('m').set(`k${i}`, i);
		}
		await until([a.doc, b.doc], () => text(a) === text(b) && text(a).split(';').length === 31, 15_000, 'convergence');
		const room = (await s.hearth.boardServer.loaded(board.id))!;
		await room.settled();
		const allLog = new Y.Doc();
		for (const u of await s.hearth.boards.store.updatesAfter(board.id, 0)) Y.applyUpdate(allLog, u.data);
		await room.compact();
		const snap = await s.hearth.boards.store.snapshot(board.id);
		expect(snap?.uptoId).toBe(room.lastId);
		const fromSnapshot = new Y.Doc();
		Y.applyUpdate(fromSnapshot, snap!.data);
		for (const u of await s.hearth.boards.store.updatesAfter(board.id, snap!.uptoId)) Y.applyUpdate(fromSnapshot, u.data);
		const clientDoc = new Y.Doc();
		Y.applyUpdate(clientDoc, Y.encodeStateAsUpdate(a.doc));
		expect(Buffer.from(Y.encodeStateAsUpdate(fromSnapshot)).equals(Buffer.from(Y.encodeStateAsUpdate(allLog)))).toBe(true);
		expect(Buffer.from(Y.encodeStateAsUpdate(fromSnapshot)).equals(Buffer.from(Y.encodeStateAsUpdate(clientDoc)))).toBe(true);
		// The log keeps every row for history.
		expect(await s.hearth.boards.store.countUpdates(board.id)).toBeGreaterThanOrEqual(30);
	});

	it('[BL3] the last connection leaving compacts the board, and it is unloaded after the idle time', async () => {
		const a = open('facilitator');
		await synced(a);
		a.doc.getText('t').insert(0, 'keep me');
		await eventually(async () => (await s.hearth.boards.store.countUpdates(board.id)) === 1);
		a.provider.disconnect();
		await eventually(async () => (await s.hearth.boards.store.snapshot(board.id)) !== undefined, 15_000, 'snapshot');
		// The test server unloads idle boards after BOARD_IDLE_SECONDS=0.
		await eventually(() => s.hearth.boardServer.loaded(board.id) === undefined, 15_000, 'unload');
		const again = open('member');
		await synced(again);
		await until([again.doc], () => text(again) === 'keep me');
	});
});
