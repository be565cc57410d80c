/** socket.io clients as the web app connects them: the session cookie on the handshake. */
import { io as connect, type Socket } from 'socket.io-client';
import type { Result } from '../../shared/errors.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events.ts';
import type { ConveningState } from '../../shared/live.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export async function openSocket(url: string, cookie: string): Promise<ClientSocket> {
	const socket: ClientSocket = connect(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('connect_error', reject);
	});
	return socket;
}

/** Sends a request and waits for its acknowledgement. */
export function request<T = unknown>(socket: ClientSocket, event: string, payload: unknown = {}): Promise<Result<T>> {
	return (socket as unknown as Socket).timeout(10_000).emitWithAck(event, payload) as Promise<Result<T>>;
}

/** Waits for the first state broadcast matching `check` (states arriving before the call are ignored). */
export function stateWhere(socket: ClientSocket, check: (s: ConveningState) => boolean, timeoutMs = 10_000): Promise<ConveningState> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			socket.off('convening:state', on);
			reject(new Error('timed out waiting for a convening state'));
		}, timeoutMs);
		const on = (s: ConveningState) => {
			if (!check(s)) return;
			clearTimeout(timer);
			socket.off('convening:state', on);
			resolve(s);
		};
		socket.on('convening:state', on);
	});
}

export function nextEvent<E extends keyof ServerToClientEvents>(
	socket: ClientSocket,
	event: E,
	timeoutMs = 10_000
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`timed out waiting for ${event}`)), timeoutMs);
		const untyped = socket as unknown as { once(event: string, listener: (value: Parameters<ServerToClientEvents[E]>[0]) => void): void };
		untyped.once(event, (value) => {
			clearTimeout(timer);
			resolve(value);
		});
	});
}
