/**
 * socket.io (session control) on the one HTTP server, authenticated by the session cookie.
 * (The board path `/yjs/<boardId>` is server/boards/board-server.ts.)
 *
 * - [SC1] With scale-out, the Redis streams adapter makes rooms and broadcasts span instances: a
 *   client may be connected to any instance. Connection-state recovery stays off: a client that
 *   reconnects (to any instance) asks for the whole state again [CV2].
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { ErrorCode, ERROR_MESSAGES } from '../../shared/errors.ts';
import { PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents, type SocketData } from '../../shared/events.ts';
import { readCookie, SESSION_COOKIE } from '../../shared/session.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { Config } from '../config.ts';
import { originAllowed } from '../http/security.ts';

export interface Realtime {
	io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
	close(): Promise<void>;
}

type HearthSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export function attachRealtime(
	server: http.Server,
	deps: {
		auth: AuthService;
		logger: Logger;
		config: Config;
		/** socket.io's adapter (scale-out: the Redis streams adapter); the in-memory one by default. */
		adapter?: ServerOptions['adapter'] | undefined;
		onConnection: (socket: HearthSocket) => void;
	}
): Realtime {
	const { auth, logger } = deps;
	// destroyUpgrade:false, or engine.io destroys every other upgrade (the board path) after 1 s.
	const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, {
		destroyUpgrade: false,
		serveClient: false,
		maxHttpBufferSize: 64 * 1024,
		cors: deps.config.origin ? { origin: deps.config.origin, credentials: true } : undefined,
		// [SEC3] The handshake authenticates by cookie, so another site's page must not open one
		// (cross-site websocket hijacking): a foreign Origin gets 403 before any session is read.
		allowRequest: (req, callback) => callback(null, originAllowed(req, deps.config)),
		...(deps.adapter ? { adapter: deps.adapter } : {})
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
		deps.onConnection(socket);
		// [SIO5] The ack comes last, whatever the client sent before it (it takes no payload).
		socket.on('session:whoami', ((...args: unknown[]) => {
			const ack = args.at(-1);
			if (typeof ack !== 'function') return;
			(ack as Parameters<ClientToServerEvents['session:whoami']>[0])({
				ok: true,
				data: { userId: socket.data.userId, name: socket.data.name, protocolVersion: PROTOCOL_VERSION }
			});
		}) as never);
	});

	return {
		io,
		async close() {
			await new Promise<void>((resolve) => {
				io.close(() => resolve());
			});
		}
	};
}
