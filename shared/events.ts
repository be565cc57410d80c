/**
 * socket.io contract: the event maps both ends import. Every client request carries an ack
 * that receives a Result. Event names are `domain:verb`. Later issues add the convening events.
 */
import type { Result } from './errors.ts';

export const PROTOCOL_VERSION = 1;

export interface SessionInfo {
	userId: string;
	name: string;
	protocolVersion: number;
}

export interface ClientToServerEvents {
	'session:whoami': (ack: (result: Result<SessionInfo>) => void) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ServerToClientEvents {}

export interface SocketData {
	userId: string;
	name: string;
}

/**
 * WebSocket close codes of the board endpoint. The stock y-websocket provider treats 4400-4499 as
 * final (it stops reconnecting and emits `closed`) and reconnects after anything else.
 */
export const CloseCode = {
	BadFrame: 4400,
	Unauthorized: 4401,
	Forbidden: 4403,
	NotFound: 4404,
	MessageTooLarge: 4413,
	RateLimited: 4429,
	/** Storage failed: nothing was lost or broadcast; the client reconnects and resends. */
	StorageUnavailable: 4503,
	/** The server is shutting down; the client reconnects (to this or another instance). */
	GoingAway: 1001
} as const;
