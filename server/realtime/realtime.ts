/**
 * The realtime endpoints on the one HTTP server: socket.io (session control) and the board
 * websocket path `/yjs/<boardId>`. Both authenticate with the session cookie before anything else.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { ErrorCode, ERROR_MESSAGES } from '../../shared/errors.ts';
import { PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents, type SocketData } from '../../shared/events.ts';
import { readCookie, SESSION_COOKIE } from '../../shared/session.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { Config } from '../config.ts';

export interface Realtime {
	io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
	/** Returns true when the upgrade request was ours (handled or refused). */
	handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean;
	close(): Promise<void>;
}

export const BOARD_PATH = /^\/yjs\/([A-Za-z0-9_-]{1,100})$/;

/** Answers an upgrade request with a plain HTTP status before any websocket exists. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
	if (!socket.writable) return;
	socket.end(
		`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`
	);
}

export function attachRealtime(server: http.Server, deps: { auth: AuthService; logger: Logger; config: Config }): Realtime {
	const { auth, logger } = deps;
	// destroyUpgrade:false, or engine.io destroys every other upgrade (the board path) after 1 s.
	const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
		destroyUpgrade: false,
		serveClient: false,
		maxHttpBufferSize: 64 * 1024,
		cors: deps.config.origin ? { origin: deps.config.origin, credentials: true } : undefined
	});

	io.use(async (socket, next) => {
		try {
			const user = await auth.userForSession(readCookie(socket.request.headers.cookie, SESSION_COOKIE));
			if (!user) return next(Object.assign(new Error(ERROR_MESSAGES.unauthenticated), { data: { code: ErrorCode.Unauthenticated } }));
			socket.data.userId = user.id;
			socket.data.name = user.name;
			next();
		} catch (err) {
			logger.error({ err }, 'socket.io handshake failed');
			next(Object.assign(new Error(ERROR_MESSAGES.unavailable), { data: { code: ErrorCode.Unavailable } }));
		}
	});

	io.on('connection', (socket) => {
		socket.on('session:whoami', (ack) => {
			if (typeof ack !== 'function') return;
			ack({ ok: true, data: { userId: socket.data.userId, name: socket.data.name, protocolVersion: PROTOCOL_VERSION } });
		});
	});

	function handleUpgrade(req: http.IncomingMessage, socket: Duplex, _head: Buffer): boolean {
		const url = new URL(req.url ?? '/', 'http://localhost');
		if (!url.pathname.startsWith('/yjs/')) return false;
		socket.on('error', () => socket.destroy());
		const match = BOARD_PATH.exec(url.pathname);
		if (!match) {
			refuseUpgrade(socket, 404, 'Not Found');
			return true;
		}
		auth
			.userForSession(readCookie(req.headers.cookie, SESSION_COOKIE))
			.then((user) => {
				if (!user) return refuseUpgrade(socket, 401, 'Unauthorized');
				// Boards arrive with the board server; until then no board id exists.
				refuseUpgrade(socket, 404, 'Not Found');
			})
			.catch((err: unknown) => {
				logger.error({ err }, 'board upgrade failed');
				refuseUpgrade(socket, 503, 'Service Unavailable');
			});
		return true;
	}

	return {
		io,
		handleUpgrade,
		async close() {
			await new Promise<void>((resolve) => {
				io.close(() => resolve());
			});
		}
	};
}
