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

/** WebSocket close codes for the board endpoint and HTTP statuses refused before upgrade. */
export const CloseCode = {
	Unauthorized: 4401,
	Forbidden: 4403,
	NotFound: 4404,
	MessageTooLarge: 4413,
	RateLimited: 4429,
	BadFrame: 4400
} as const;
