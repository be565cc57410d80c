/**
 * Which LiveKit room to be in, and getting there. The open-source LiveKit server cannot move a
 * participant between rooms, so every Hearth room is its own LiveKit room ([LK2]) and a move (a
 * breakout opens or closes, a facilitator moves or visits someone) is: leave, ask for a fresh token
 * for the new room, connect again. Plain TypeScript over a minimal `Connection`, so the rules below
 * are unit-tested with a fake in place of livekit-client's Room.
 *
 * - One connection at a time, driven by one loop. A switch asked for while connecting waits for
 *   that attempt to end, then the loop leaves and goes on; switches in between are skipped (the
 *   latest wins). A connection superseded while it was being made is left before anything is
 *   published there.
 * - Asking for the room we are in, or already heading to, does nothing; while waiting to retry, or
 *   after a failure, it tries again at once (the socket has just rejoined, say).
 * - Every connect asks for a fresh token ([LK1]: tokens live 10 minutes and LiveKit checks them only
 *   when connecting), per room and per attempt; one is never reused.
 * - A connection that drops for good (LiveKit's own resume and reconnect gave up, the room was
 *   deleted) is made again with a fresh token, after growing pauses; so is a failed connect or a
 *   token the server could not give right now. A token refused for good (`forbidden`, `not_found`,
 *   ...) stops the loop until the room is asked for again.
 * - Events from a connection that is no longer current are ignored.
 */

// No DOM and no aliases here: the unit tests import this file from Node, and `npm run check`
// type-checks them with the server's settings.

/**
 * The media connection as a whole. P2P is always `connected` (each peer has its own state).
 * LiveKit: `connecting` the first time, `moving` between rooms (breakouts), `reconnecting` after a
 * drop, `failed` when the server refuses a token for good (`error` says why), `stopped` at the end.
 */
export type MediaStatus = 'idle' | 'connecting' | 'connected' | 'moving' | 'reconnecting' | 'failed' | 'stopped';

/** What `media:token` answers, as far as the switcher reads it (a `Result<MediaToken>`). */
export type TokenAnswer = { ok: true; data: { url: string; token: string } } | { ok: false; error: { code: string; message: string } };

/** One visit to one LiveKit room (livekit-client: a Room, disconnected without stopping local tracks). */
export interface Connection {
	connect(url: string, token: string): Promise<void>;
	disconnect(): Promise<void>;
}

export interface RoomSwitchDeps<C extends Connection> {
	/** A fresh token for a Hearth room (`media:token`). */
	token(room: string): Promise<TokenAnswer>;
	/** A new connection for one visit to a room, with its event listeners. */
	open(room: string): C;
	/** The connection is up and current: publish, read who is there. */
	joined(conn: C, room: string): void;
	/** The connection is no longer used (left, dropped, or never made current): forget it. */
	dropped(conn: C, room: string): void;
	status(status: MediaStatus, error: string | null): void;
	/** Resolves after `ms` (setTimeout); tests pass their own. */
	sleep?: (ms: number) => Promise<void>;
}

/** Token answers (ErrorCode) that asking again will not change. */
const FINAL = new Set(['forbidden', 'not_found', 'unauthenticated', 'bad_request']);

/** The pause before the n-th retry in a row: 1 s, 2 s, 4 s ... up to 30 s. */
export const retryDelay = (failures: number): number => Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1));

export class RoomSwitcher<C extends Connection> {
	#target: string | null = null;
	#current: { room: string; conn: C } | null = null;
	#connecting: C | null = null;
	/** The last room we were connected to: tells a move from a reconnect. */
	#lastRoom: string | null = null;
	#status: MediaStatus = 'idle';
	#failures = 0;
	#driving = false;
	#pausing = false;
	#stopped = false;
	#wake: () => void = () => {};
	readonly #sleep: (ms: number) => Promise<void>;

	constructor(private readonly deps: RoomSwitchDeps<C>) {
		this.#sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
	}

	get status(): MediaStatus {
		return this.#status;
	}
	/** The Hearth room we are connected to, if any. */
	get room(): string | null {
		return this.#current?.room ?? null;
	}
	get connection(): C | null {
		return this.#current?.conn ?? null;
	}

	/** Be in this Hearth room's LiveKit room. */
	setRoom(room: string): void {
		if (this.#stopped) return;
		if (room === this.#target) {
			if (this.#pausing) this.#wake();
			else if (this.#status === 'failed') void this.#drive();
			return;
		}
		this.#target = room;
		this.#failures = 0;
		this.#wake();
		void this.#drive();
	}

	/** LiveKit is resuming or reconnecting this connection by itself. */
	reconnecting(conn: C): void {
		if (conn === this.#current?.conn && this.#status === 'connected') this.#set('reconnecting');
	}

	reconnected(conn: C): void {
		if (conn === this.#current?.conn) this.#set('connected');
	}

	/**
	 * The connection ended without us leaving. With `retry`, it is made again (fresh token);
	 * without (the same person connected elsewhere, say), we stay out and say why.
	 */
	lost(conn: C, retry: boolean, error: string | null = null): void {
		const current = this.#current;
		if (this.#stopped || conn !== current?.conn) return;
		this.#current = null;
		this.deps.dropped(conn, current.room);
		if (retry) void this.#drive();
		else this.#set('failed', error);
	}

	stop(): void {
		if (this.#stopped) return;
		this.#stopped = true;
		this.#target = null;
		this.#wake();
		const current = this.#current;
		this.#current = null;
		if (current) {
			this.deps.dropped(current.conn, current.room);
			void quietly(current.conn.disconnect());
		}
		// An attempt in flight is abandoned; the loop drops it when it settles.
		if (this.#connecting) void quietly(this.#connecting.disconnect());
		this.#set('stopped');
	}

	#set(status: MediaStatus, error: string | null = null): void {
		this.#status = status;
		this.deps.status(status, error);
	}

	async #drive(): Promise<void> {
		if (this.#driving) return; // the running loop reads the new target when it next looks
		this.#driving = true;
		try {
			while (!this.#stopped && this.#target !== null && this.#current?.room !== this.#target) {
				const room = this.#target;
				const current = this.#current;
				if (current) {
					this.#current = null;
					this.deps.dropped(current.conn, current.room);
					await quietly(current.conn.disconnect());
					continue; // the target may have changed while leaving
				}
				this.#set(this.#lastRoom === null ? 'connecting' : this.#lastRoom === room ? 'reconnecting' : 'moving');
				const answer = await this.deps.token(room).catch(() => null);
				if (this.#stopped || this.#target !== room) continue;
				if (!answer?.ok) {
					if (answer && FINAL.has(answer.error.code)) {
						this.#set('failed', answer.error.message);
						return;
					}
					await this.#pause();
					continue;
				}
				const conn = this.deps.open(room);
				this.#connecting = conn;
				let up = true;
				try {
					await conn.connect(answer.data.url, answer.data.token);
				} catch {
					up = false;
				}
				this.#connecting = null;
				if (!up) {
					this.deps.dropped(conn, room);
					if (!this.#stopped && this.#target === room) await this.#pause();
					continue;
				}
				if (this.#stopped || this.#target !== room) {
					// Superseded while connecting: leave before anything is published there.
					this.deps.dropped(conn, room);
					await quietly(conn.disconnect());
					continue;
				}
				this.#current = { room, conn };
				this.#lastRoom = room;
				this.#failures = 0;
				this.#set('connected');
				this.deps.joined(conn, room);
			}
		} finally {
			this.#driving = false;
		}
	}

	/** Waits before trying again; a new target or stop() cuts the wait short. */
	async #pause(): Promise<void> {
		this.#failures++;
		this.#pausing = true;
		await new Promise<void>((resolve) => {
			this.#wake = resolve;
			void this.#sleep(retryDelay(this.#failures)).then(resolve);
		});
		this.#pausing = false;
		this.#wake = () => {};
	}
}

async function quietly(p: Promise<unknown>): Promise<void> {
	try {
		await p;
	} catch {
		// Leaving a room that is already gone is fine.
	}
}
