/**
 * socket.io clients as the web app connects them: the session cookie on the handshake, and the
 * convening's state kept as the web app keeps it (shared/convening-mirror.ts: the join answer, whole
 * states and presence changes, joining again on a gap).
 */
import { EventEmitter } from 'node:events';
import { io as connect, type Socket } from 'socket.io-client';
import { ConveningMirror } from '../../shared/convening-mirror.ts';
import type { Result } from '../../shared/errors.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events.ts';
import type { ConveningState, JoinResult } from '../../shared/live.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export async function openSocket(url: string, cookie: string): Promise<ClientSocket> {
	const socket: ClientSocket = connect(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('connect_error', reject);
	});
	follow(socket);
	return socket;
}

interface Followed {
	mirror: ConveningMirror;
	/** Emits 'state' with the mirror's state after every change applied to it. */
	changes: EventEmitter;
	conveningId: string | undefined;
	/** How often an announcement was found missing and the socket joined again. */
	resyncs: number;
}
const followed = new WeakMap<ClientSocket, Followed>();

/** Keeps the socket's copy of the convening's state as the web app does. */
function follow(socket: ClientSocket): void {
	const f: Followed = { mirror: new ConveningMirror(), changes: new EventEmitter(), conveningId: undefined, resyncs: 0 };
	followed.set(socket, f);
	const changed = (outcome: string) => {
		if (outcome === 'applied') f.changes.emit('state', f.mirror.state);
		// A gap (a restart, a new holder): join again, as the web app does.
		else if (outcome === 'resync' && f.conveningId) {
			f.resyncs++;
			request(socket, 'convening:join', { conveningId: f.conveningId }).catch(() => {});
		}
	};
	socket.on('convening:state', (s) => changed(f.mirror.fullState(s)));
	socket.on('convening:presence', (c) => changed(f.mirror.presence(c)));
	socket.on('disconnect', () => f.mirror.reset());
}

/** Sends a request and waits for its acknowledgement. */
export async function request<T = unknown>(socket: ClientSocket, event: string, payload: unknown = {}): Promise<Result<T>> {
	const result = (await (socket as unknown as Socket).timeout(10_000).emitWithAck(event, payload)) as Result<T>;
	const f = followed.get(socket);
	if (f && event === 'convening:join' && result.ok) {
		f.conveningId = (payload as { conveningId: string }).conveningId;
		const outcome = f.mirror.base((result.data as JoinResult).state);
		f.changes.emit('state', f.mirror.state);
		if (outcome === 'resync') {
			f.resyncs++;
			request(socket, 'convening:join', payload).catch(() => {});
		}
	}
	return result;
}

/** How often the socket found an announcement missing and joined again. */
export function resyncCount(socket: ClientSocket): number {
	return followed.get(socket)?.resyncs ?? 0;
}

/** The socket's current copy of its convening's state (null before it joined). */
export function currentState(socket: ClientSocket): ConveningState | null {
	return followed.get(socket)?.mirror.state ?? null;
}

/** The socket's state once it matches `check`: at once if it already does, else at the first change that does. */
export function stateNow(socket: ClientSocket, check: (s: ConveningState) => boolean, timeoutMs = 10_000): Promise<ConveningState> {
	const waiting = stateWhere(socket, check, timeoutMs);
	const now = currentState(socket);
	if (now && check(now)) {
		waiting.catch(() => {});
		return Promise.resolve(now);
	}
	return waiting;
}

/** Waits for the first change of the socket's state that matches `check` (the state as it was before the call is not looked at). */
export function stateWhere(socket: ClientSocket, check: (s: ConveningState) => boolean, timeoutMs = 10_000): Promise<ConveningState> {
	const f = followed.get(socket);
	if (!f) throw new Error('stateWhere needs a socket opened with openSocket');
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			f.changes.off('state', on);
			reject(new Error('timed out waiting for a convening state'));
		}, timeoutMs);
		const on = (s: ConveningState) => {
			if (!check(s)) return;
			clearTimeout(timer);
			f.changes.off('state', on);
			resolve(s);
		};
		f.changes.on('state', on);
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
