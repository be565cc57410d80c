/**
 * One board in memory: its Y.Doc, awareness, open connections, and the persistence queue.
 *
 * Invariants:
 * - [BD1] An update is applied to the shared doc and broadcast only after the transaction that
 *   appends it to the log has committed. A crash therefore loses nothing any client has seen
 *   from the server; an update not yet committed is still on its sender, which resends it on
 *   reconnect (sync step 2).
 * - [BD2] Updates are committed and applied in arrival order, one batch at a time.
 * - [BD3] The doc always equals snapshot + every committed update up to `lastId`; a snapshot
 *   taken between batches is consistent with its watermark.
 * - [BD4] An update is never sent back to the connection it came from.
 * - [BD5] A read-only connection's document updates are dropped (never stored or relayed, and
 *   nothing is sent back that would look like acceptance); its awareness passes.
 * - [BD6] The awareness states a connection introduced are removed for everyone when it closes.
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import { iso, type Clock } from '../clock.ts';
import { CloseCode } from '../../shared/events.ts';
import type { BoardsStore } from './boards.store.ts';
import type { BoardAccess } from './board-access.ts';

export const MessageType = { Sync: 0, Awareness: 1, Auth: 2, QueryAwareness: 3 } as const;
export const SyncType = { Step1: 0, Step2: 1, Update: 2 } as const;

export interface Connection {
	ws: WebSocket;
	userId: string;
	access: Exclude<BoardAccess, 'none'>;
	/** Awareness client ids this connection has introduced (removed when it closes). */
	awarenessIds: Set<number>;
}

interface Pending {
	data: Uint8Array;
	conn: Connection;
	at: string;
}

export class MalformedFrame extends Error {}

export interface RoomOptions {
	/** Fold the log into a snapshot after this many updates since the last one. */
	compactEvery: number;
}

export class BoardRoom {
	readonly doc = new Y.Doc({ gc: true });
	readonly awareness = new awarenessProtocol.Awareness(this.doc);
	readonly conns = new Map<WebSocket, Connection>();
	#pending: Pending[] = [];
	#flushing: Promise<void> | undefined;
	#lastId = 0;
	#sinceSnapshot = 0;
	#compacting: Promise<void> | undefined;
	#closed = false;

	private constructor(
		readonly boardId: string,
		readonly cohortId: string,
		private readonly store: BoardsStore,
		private readonly clock: Clock,
		private readonly logger: Logger,
		private readonly options: RoomOptions
	) {
		// The server has no presence of its own on the board.
		this.awareness.setLocalState(null);
		this.doc.on('update', (update: Uint8Array, origin: unknown) => this.#broadcastUpdate(update, origin));
		this.awareness.on(
			'update',
			({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
				const changed = [...added, ...updated, ...removed];
				const conn = origin && typeof origin === 'object' && 'awarenessIds' in origin ? (origin as Connection) : undefined;
				if (conn) {
					for (const id of added) conn.awarenessIds.add(id);
					for (const id of removed) conn.awarenessIds.delete(id);
				}
				const message = encodeMessage(MessageType.Awareness, (e) =>
					encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed))
				);
				// To everyone, the sender too: the stock provider's liveness check counts on hearing back.
				for (const c of this.conns.values()) send(c.ws, message);
			}
		);
	}

	/** Loads snapshot + tail from storage. */
	static async load(
		boardId: string,
		cohortId: string,
		store: BoardsStore,
		clock: Clock,
		logger: Logger,
		options: RoomOptions
	): Promise<BoardRoom> {
		const room = new BoardRoom(boardId, cohortId, store, clock, logger, options);
		const snapshot = await store.snapshot(boardId);
		const tail = await store.updatesAfter(boardId, snapshot?.uptoId ?? 0);
		room.doc.transact(() => {
			if (snapshot) Y.applyUpdate(room.doc, snapshot.data);
			for (const u of tail) Y.applyUpdate(room.doc, u.data);
		}, 'load');
		room.#lastId = tail.at(-1)?.id ?? snapshot?.uptoId ?? 0;
		room.#sinceSnapshot = tail.length;
		return room;
	}

	get lastId(): number {
		return this.#lastId;
	}

	get closed(): boolean {
		return this.#closed;
	}

	/** Starts a connection: sync step 1 from the server, then everyone's awareness. */
	add(conn: Connection): void {
		this.conns.set(conn.ws, conn);
		send(
			conn.ws,
			encodeMessage(MessageType.Sync, (e) => {
				encoding.writeVarUint(e, SyncType.Step1);
				encoding.writeVarUint8Array(e, Y.encodeStateVector(this.doc));
			})
		);
		const states = [...this.awareness.getStates().keys()];
		if (states.length) {
			send(
				conn.ws,
				encodeMessage(MessageType.Awareness, (e) =>
					encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, states))
				)
			);
		}
	}

	/** Ends a connection: its awareness disappears for everyone [BD6]. */
	remove(ws: WebSocket): Connection | undefined {
		const conn = this.conns.get(ws);
		if (!conn) return undefined;
		this.conns.delete(ws);
		if (conn.awarenessIds.size) awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.awarenessIds], null);
		return conn;
	}

	/** Handles one frame. Throws MalformedFrame for anything that does not decode. */
	handle(conn: Connection, data: Uint8Array): void {
		try {
			const decoder = decoding.createDecoder(data);
			const type = decoding.readVarUint(decoder);
			switch (type) {
				case MessageType.Sync: {
					const sub = decoding.readVarUint(decoder);
					if (sub === SyncType.Step1) {
						const stateVector = decoding.readVarUint8Array(decoder);
						const diff = Y.encodeStateAsUpdate(this.doc, stateVector);
						send(
							conn.ws,
							encodeMessage(MessageType.Sync, (e) => {
								encoding.writeVarUint(e, SyncType.Step2);
								encoding.writeVarUint8Array(e, diff);
							})
						);
					} else if (sub === SyncType.Step2 || sub === SyncType.Update) {
						const update = decoding.readVarUint8Array(decoder);
						this.#accept(conn, update);
					} else {
						throw new MalformedFrame(`unknown sync message ${sub}`);
					}
					break;
				}
				case MessageType.Awareness: {
					const update = decoding.readVarUint8Array(decoder);
					awarenessProtocol.applyAwarenessUpdate(this.awareness, update, conn);
					break;
				}
				case MessageType.QueryAwareness: {
					const states = [...this.awareness.getStates().keys()];
					send(
						conn.ws,
						encodeMessage(MessageType.Awareness, (e) =>
							encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(this.awareness, states))
						)
					);
					break;
				}
				case MessageType.Auth:
					// Clients never send auth messages in this protocol; permission is decided at upgrade.
					break;
				default:
					throw new MalformedFrame(`unknown message type ${type}`);
			}
		} catch (err) {
			if (err instanceof MalformedFrame) throw err;
			throw new MalformedFrame(err instanceof Error ? err.message : String(err));
		}
	}

	#accept(conn: Connection, update: Uint8Array): void {
		// [BD5] Read-only: dropped without a word.
		if (conn.access !== 'write') return;
		// A malformed update must never reach the shared doc: decode all of it first.
		const decoded = Y.decodeUpdate(update);
		if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) return;
		this.#pending.push({ data: update, conn, at: iso(this.clock.now()) });
		this.#scheduleFlush();
	}

	#scheduleFlush(): void {
		if (this.#flushing || this.#pending.length === 0) return;
		this.#flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush());
	}

	async #flush(): Promise<void> {
		const batch = this.#pending;
		this.#pending = [];
		try {
			// Only what the doc does not already have (a reconnecting client resends what it has).
			const stateVector = Y.encodeStateVector(this.doc);
			const rows = batch.map((p) => ({ ...p, data: Y.diffUpdate(p.data, stateVector) }));
			const ids = await this.store.append(
				this.boardId,
				rows.map((r) => ({ data: r.data, userId: r.conn.userId, createdAt: r.at }))
			);
			// [BD1][BD2] Committed: now apply in order; the doc's update event broadcasts.
			for (const r of rows) {
				Y.applyUpdate(this.doc, r.data, r.conn);
			}
			this.#lastId = ids.at(-1) ?? this.#lastId;
			this.#sinceSnapshot += ids.length;
		} catch (err) {
			this.logger.error({ err, boardId: this.boardId }, 'board: storing updates failed; closing connections so clients resend');
			// Nothing of this batch was applied or broadcast; the senders still hold it.
			for (const c of this.conns.values()) c.ws.close(CloseCode.StorageUnavailable, 'storage unavailable');
		} finally {
			this.#flushing = undefined;
			this.#scheduleFlush();
		}
		if (this.#sinceSnapshot >= this.options.compactEvery) void this.compact();
	}

	/** Resolves when every update received so far is committed (or failed). */
	async settled(): Promise<void> {
		while (this.#flushing || this.#pending.length) {
			if (!this.#flushing) this.#scheduleFlush();
			await this.#flushing;
		}
	}

	/** Folds the log into a snapshot [BD3]. Safe to call any time; runs one at a time. */
	compact(): Promise<void> {
		if (this.#compacting) return this.#compacting;
		if (this.#sinceSnapshot === 0) return Promise.resolve();
		const data = Y.encodeStateAsUpdate(this.doc);
		const upto = this.#lastId;
		const folded = this.#sinceSnapshot;
		this.#compacting = this.store
			.saveSnapshot(this.boardId, data, upto, iso(this.clock.now()))
			.then(() => {
				this.#sinceSnapshot = Math.max(0, this.#sinceSnapshot - folded);
			})
			.catch((err: unknown) => this.logger.error({ err, boardId: this.boardId }, 'board: compaction failed; the log is intact'))
			.finally(() => {
				this.#compacting = undefined;
			});
		return this.#compacting;
	}

	#broadcastUpdate(update: Uint8Array, origin: unknown): void {
		if (origin === 'load') return;
		const message = encodeMessage(MessageType.Sync, (e) => {
			encoding.writeVarUint(e, SyncType.Update);
			encoding.writeVarUint8Array(e, update);
		});
		for (const c of this.conns.values()) if (c !== origin) send(c.ws, message); // [BD4]
	}

	/** Closes every connection and frees the doc. */
	destroy(code: number = CloseCode.GoingAway, reason = 'board closed'): void {
		this.#closed = true;
		for (const c of this.conns.values()) c.ws.close(code, reason);
		this.conns.clear();
		this.awareness.destroy();
		this.doc.destroy();
	}
}

export function encodeMessage(type: number, write: (e: encoding.Encoder) => void): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, type);
	write(e);
	return encoding.toUint8Array(e);
}

function send(ws: WebSocket, message: Uint8Array): void {
	if (ws.readyState !== ws.OPEN) return;
	ws.send(message, (err) => {
		if (err) ws.terminate();
	});
}
