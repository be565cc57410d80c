/**
 * The board endpoint `/yjs/<boardId>`: the y-websocket wire protocol over `ws`, so the stock
 * `WebsocketProvider` is the client.
 *
 * - [BA1] Access is decided before the upgrade: a session cookie, or a `token` query parameter
 *   (see board-tokens.ts). A refused client gets the upgrade only to receive a close code
 *   (4401 not signed in or bad/expired token, 4404 no such board or not in its cohort), so the
 *   stock provider stops reconnecting; no document data is ever sent to it.
 * - [BA2] Access is checked again whenever it may have changed (membership, role, board policy):
 *   a connection that lost access is closed with 4403, one that lost write access turns read-only.
 * - [BL1] A frame larger than BOARD_LIMITS.maxFrameBytes closes the connection with 4413; a
 *   connection sending faster than its token bucket allows is closed with 4429; a frame that does
 *   not decode is closed with 4400. Other connections and the document are unaffected.
 * - [BL2] Every 30 s (BOARD_PING_SECONDS) the server pings; a connection that did not answer the
 *   previous ping is dropped, and its awareness removed.
 * - [BL3] A board with no connections is compacted at once and unloaded after `idleMs`.
 * - [SC2] With scale-out, each loaded room is linked to the same board on the other instances
 *   (board-link.ts); without it, rooms have no link and nothing else changes.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { BOARD_LIMITS } from '../../shared/board.ts';
import { CloseCode } from '../../shared/events.ts';
import { readCookie, SESSION_COOKIE } from '../../shared/session.ts';
import type { Clock } from '../clock.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { Db } from '../db/open.ts';
import { isStorageUnavailable } from '../db/unavailable.ts';
import { cohortsStore } from '../cohorts/cohorts.store.ts';
import { boardAccess, type BoardAccess } from './board-access.ts';
import { BoardRoom, MalformedFrame, type Connection } from './board-room.ts';
import type { BoardLinks } from './board-link.ts';
import type { BoardTokens } from './board-tokens.ts';
import type { BoardsStore } from './boards.store.ts';

export const BOARD_PATH = /^\/yjs\/([A-Za-z0-9_-]{1,100})$/;

export interface BoardServerOptions {
	idleMs: number;
	compactEvery: number;
	pingIntervalMs: number;
}

type Decision =
	{ ok: true; userId: string; access: Exclude<BoardAccess, 'none'>; cohortId: string } | { ok: false; code: number; reason: string };

export function createBoardServer(deps: {
	db: Db;
	store: BoardsStore;
	auth: AuthService;
	tokens: () => Promise<BoardTokens>;
	clock: Clock;
	logger: Logger;
	options: BoardServerOptions;
	/** Scale-out: links to the same boards on other instances. */
	links?: BoardLinks | undefined;
}) {
	const { store, auth, clock, logger, options } = deps;
	const cohorts = cohortsStore(deps.db);
	const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * BOARD_LIMITS.maxFrameBytes });
	const rooms = new Map<string, Promise<BoardRoom>>();
	const idleTimers = new Map<string, NodeJS.Timeout>();
	const alive = new WeakSet<WebSocket>();
	let shuttingDown = false;
	/** [BD7] An append failed and storage has not been seen writable since. */
	let storageFailed = false;

	async function accessFor(boardId: string, userId: string): Promise<Decision> {
		const board = await store.byId(boardId);
		if (!board) return { ok: false, code: CloseCode.NotFound, reason: 'no such board' };
		const role = await cohorts.roleOf(board.cohortId, userId);
		// Outside the cohort: the board does not exist for them.
		if (!role) return { ok: false, code: CloseCode.NotFound, reason: 'no such board' };
		const inGroup = board.writePolicy === 'group' ? (await store.members(boardId)).includes(userId) : false;
		const access = boardAccess(board, role, inGroup);
		if (access === 'none') return { ok: false, code: CloseCode.Forbidden, reason: 'no access' };
		return { ok: true, userId, access, cohortId: board.cohortId };
	}

	async function decide(req: http.IncomingMessage, boardId: string, url: URL): Promise<Decision> {
		const token = url.searchParams.get('token');
		let userId: string | undefined;
		if (token) {
			const check = (await deps.tokens()).verify(token, boardId, clock.now());
			if (!check.ok)
				return { ok: false, code: CloseCode.Unauthorized, reason: check.reason === 'expired' ? 'token expired' : 'invalid token' };
			userId = check.userId;
		} else {
			userId = (await auth.userForSession(readCookie(req.headers.cookie, SESSION_COOKIE)))?.id;
			if (!userId) return { ok: false, code: CloseCode.Unauthorized, reason: 'not signed in' };
		}
		return accessFor(boardId, userId);
	}

	function room(boardId: string, cohortId: string): Promise<BoardRoom> {
		let p = rooms.get(boardId);
		if (!p) {
			p = BoardRoom.load(boardId, cohortId, store, clock, logger, {
				compactEvery: options.compactEvery,
				link: deps.links?.link(boardId),
				onStorageFailed: () => (storageFailed = true)
			});
			rooms.set(boardId, p);
			p.catch(() => rooms.delete(boardId));
		}
		return p;
	}

	function scheduleUnload(r: BoardRoom): void {
		clearTimeout(idleTimers.get(r.boardId));
		void r.settled().then(() => r.compact());
		const timer = setTimeout(() => {
			idleTimers.delete(r.boardId);
			if (r.conns.size > 0) return;
			void r
				.settled()
				.then(() => r.compact())
				.then(() => {
					if (r.conns.size > 0) return;
					rooms.delete(r.boardId);
					r.destroy();
				});
		}, options.idleMs);
		timer.unref();
		idleTimers.set(r.boardId, timer);
	}

	function serve(ws: WebSocket, r: BoardRoom, decision: Extract<Decision, { ok: true }>): void {
		clearTimeout(idleTimers.get(r.boardId));
		const conn: Connection = { ws, userId: decision.userId, access: decision.access, awarenessIds: new Set() };
		alive.add(ws);
		let tokens: number = BOARD_LIMITS.messageBurst;
		let refilledAt = clock.now();
		ws.on('pong', () => alive.add(ws));
		ws.on('message', (data: Buffer, isBinary: boolean) => {
			if (data.length > BOARD_LIMITS.maxFrameBytes) return ws.close(CloseCode.MessageTooLarge, 'message too large');
			const now = clock.now();
			tokens = Math.min(BOARD_LIMITS.messageBurst, tokens + ((now - refilledAt) / 1000) * BOARD_LIMITS.messagesPerSecond);
			refilledAt = now;
			if (tokens < 1) return ws.close(CloseCode.RateLimited, 'too many messages');
			tokens -= 1;
			if (!isBinary) return ws.close(CloseCode.BadFrame, 'binary frames only');
			try {
				r.handle(conn, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
			} catch (err) {
				if (!(err instanceof MalformedFrame)) logger.error({ err, boardId: r.boardId }, 'board: message failed');
				ws.close(CloseCode.BadFrame, 'malformed message');
			}
		});
		ws.on('close', () => {
			r.remove(ws);
			if (r.conns.size === 0 && !r.closed) scheduleUnload(r);
		});
		r.add(conn);
	}

	const pinger = setInterval(() => {
		for (const ws of wss.clients) {
			if (!alive.has(ws)) {
				ws.terminate();
				continue;
			}
			alive.delete(ws);
			ws.ping();
		}
	}, options.pingIntervalMs);
	pinger.unref();

	function refuse(req: http.IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string): void {
		wss.handleUpgrade(req, socket, head, (ws) => ws.close(code, reason));
	}

	return {
		/** Returns true when the upgrade request was for a board (answered either way). */
		handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean {
			const url = new URL(req.url ?? '/', 'http://localhost');
			if (!url.pathname.startsWith('/yjs/')) return false;
			socket.on('error', () => socket.destroy());
			const match = BOARD_PATH.exec(url.pathname);
			if (!match || shuttingDown) {
				refuse(req, socket, head, CloseCode.NotFound, 'no such board');
				return true;
			}
			const boardId = match[1]!;
			decide(req, boardId, url)
				.then(async (decision) => {
					if (!decision.ok) return refuse(req, socket, head, decision.code, decision.reason);
					let r = await room(boardId, decision.cohortId);
					// Unloaded while we checked access: load it again.
					if (r.closed) r = await room(boardId, decision.cohortId);
					// [BD7] An append just failed: let nobody in (to sync, resend, fail and be closed again,
					// several times a second) until storage can be written; refused before syncing, the provider backs off.
					if (storageFailed) {
						await deps.db.ping();
						storageFailed = false;
					}
					wss.handleUpgrade(req, socket, head, (ws) => serve(ws, r, decision));
				})
				.catch((err: unknown) => {
					if (isStorageUnavailable(err)) logger.warn({ err, boardId }, 'board: refused while storage is unavailable');
					else logger.error({ err, boardId }, 'board: upgrade failed');
					if (socket.writable) refuse(req, socket, head, CloseCode.StorageUnavailable, 'storage unavailable');
				});
			return true;
		},

		/** [BA2] Re-checks every open connection of the matching boards. */
		async reauthorize(filter: { cohortId?: string; boardId?: string }): Promise<void> {
			for (const p of rooms.values()) {
				const r = await p.catch(() => undefined);
				if (!r || r.closed) continue;
				if (filter.boardId && r.boardId !== filter.boardId) continue;
				if (filter.cohortId && r.cohortId !== filter.cohortId) continue;
				for (const conn of [...r.conns.values()]) {
					const decision = await accessFor(r.boardId, conn.userId);
					if (!decision.ok) conn.ws.close(CloseCode.Forbidden, 'access revoked');
					else conn.access = decision.access;
				}
			}
		},

		/** The loaded room of a board, if any (tests and benchmarks look inside). */
		loaded(boardId: string): Promise<BoardRoom> | undefined {
			return rooms.get(boardId);
		},

		/** Stops accepting, stores what is pending, compacts, and closes every connection. */
		async close(): Promise<void> {
			shuttingDown = true;
			clearInterval(pinger);
			for (const t of idleTimers.values()) clearTimeout(t);
			for (const p of rooms.values()) {
				const r = await p.catch(() => undefined);
				if (!r) continue;
				await r.settled();
				await r.compact();
				r.destroy(CloseCode.GoingAway, 'server shutting down');
			}
			rooms.clear();
			for (const ws of wss.clients) ws.terminate();
			wss.close();
		}
	};
}

export type BoardServer = ReturnType<typeof createBoardServer>;
