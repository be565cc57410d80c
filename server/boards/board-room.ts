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
 *
 * Scale-out (a `RoomLink` to the same board on other instances, server/boards/board-link.ts):
 * - [SC2] What this room commits is published after the commit, so [BD1] holds across instances;
 *   updates other instances committed are applied here with the REMOTE origin and relayed to this
 *   room's connections (never published again). Awareness changes made by this room's connections
 *   are published likewise. The link is opened before the room reads storage, so nothing committed
 *   meanwhile is missed; an update whose predecessors never arrived (a lost message) makes the room
 *   catch up from storage.
 * - [SC5] Only the instance holding the board's lease compacts it, and it folds the log *as stored*
 *   (snapshot + every update after it), never its in-memory doc, which may still lack an update
 *   another instance committed: the snapshot's watermark never claims an update it does not hold.
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
	/** The first clock of each client's structs in `data`, to tell an update that is new as it is. */
	starts: Map<number, number>;
	/** performance.now() when the frame reached the room, only while `durabilityTiming` is set (else 0). */
	arrivedAt: number;
}

/**
 * Called after each committed batch (benchmarks only, bench/durability-lag.ts): when each update
 * reached the room, when its append started and when the append resolved (committed), all
 * performance.now() in this process.
 */
export type DurabilityTiming = (batch: { arrivedAt: number[]; appendStartedAt: number; committedAt: number }) => void;

export class MalformedFrame extends Error {}

/** The origin of changes that came from another instance. */
export const REMOTE = Symbol('remote');

/** How a room reaches the same board on other instances (scale-out); absent on a single instance. */
export interface RoomLink {
	/** Starts receiving the other instances' traffic for this room; called before the room reads storage. */
	open(room: BoardRoom): Promise<void>;
	/** Updates this instance committed to the log (and applied). */
	committed(update: Uint8Array): void;
	/** An awareness change made by this instance's connections. */
	awareness(update: Uint8Array): void;
	/** Whether this instance may compact the board now (it holds the board's lease). */
	mayCompact(): boolean;
	close(): void;
}

export interface RoomOptions {
	/** Fold the log into a snapshot after this many updates since the last one. */
	compactEvery: number;
	link?: RoomLink | undefined;
	/** [BD7] Told when appending failed (the connections are being closed with 4503). */
	onStorageFailed?: (() => void) | undefined;
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
	#catchingUp: Promise<void> | undefined;
	#closed = false;
	/** Off (undefined) unless a benchmark sets it; while off, nothing is timed. */
	durabilityTiming: DurabilityTiming | undefined;

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
				// [SC2] This instance's own changes (a connection's, or its removal on close) go to the others.
				if (this.options.link && (conn || origin === null))
					this.options.link.awareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
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
		try {
			// [SC2] Listening before reading: an update committed elsewhere meanwhile arrives either way.
			await options.link?.open(room);
			const snapshot = await store.snapshot(boardId);
			const tail = await store.updatesAfter(boardId, snapshot?.uptoId ?? 0);
			room.doc.transact(() => {
				if (snapshot) Y.applyUpdate(room.doc, snapshot.data);
				for (const u of tail) Y.applyUpdate(room.doc, u.data);
			}, 'load');
			room.#lastId = tail.at(-1)?.id ?? snapshot?.uptoId ?? 0;
			room.#sinceSnapshot = tail.length;
		} catch (err) {
			room.destroy();
			throw err;
		}
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
					checkAwarenessUpdate(update);
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
		const starts = new Map<number, number>();
		// Each client's structs come in clock order: the first one seen starts its range.
		for (const { id } of decoded.structs) if (!starts.has(id.client)) starts.set(id.client, id.clock);
		this.#pending.push({ data: update, conn, at: iso(this.clock.now()), starts, arrivedAt: this.durabilityTiming ? performance.now() : 0 });
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
			// Only what the doc does not already have (a reconnecting client resends what it has). Nearly
			// every update starts where the doc ends for each of its clients: new as it is, nothing to cut.
			let stateVector: Uint8Array | undefined;
			const rows = batch.map((p) => {
				if ([...p.starts].every(([client, clock]) => clock >= Y.getState(this.doc.store, client))) return p;
				stateVector ??= Y.encodeStateVector(this.doc);
				return { ...p, data: Y.diffUpdate(p.data, stateVector) };
			});
			const appendStartedAt = this.durabilityTiming ? performance.now() : 0;
			const ids = await this.store.append(
				this.boardId,
				rows.map((r) => ({ data: r.data, userId: r.conn.userId, createdAt: r.at }))
			);
			if (this.durabilityTiming)
				this.durabilityTiming({ arrivedAt: batch.map((p) => p.arrivedAt), appendStartedAt, committedAt: performance.now() });
			// [BD1][BD2] Committed: now apply in order; the doc's update event broadcasts.
			for (const r of rows) {
				Y.applyUpdate(this.doc, r.data, r.conn);
			}
			this.#lastId = ids.at(-1) ?? this.#lastId;
			this.#sinceSnapshot += ids.length;
			// [SC2] Committed and applied: now the other instances may have it.
			if (this.options.link && rows.length)
				this.options.link.committed(rows.length === 1 ? rows[0]!.data : Y.mergeUpdates(rows.map((r) => r.data)));
		} catch (err) {
			this.logger.error({ err, boardId: this.boardId }, 'board: storing updates failed; closing connections so clients resend');
			// Nothing of this batch was applied or broadcast; the senders still hold it.
			this.options.onStorageFailed?.();
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
		if (this.options.link) return this.#compactFromStorage();
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

	/** [SC5] Scale-out compaction: by the lease holder only, from the log as stored. */
	#compactFromStorage(): Promise<void> {
		if (!this.options.link?.mayCompact()) return Promise.resolve();
		const folded = this.#sinceSnapshot;
		this.#compacting = (async () => {
			const state = await this.#stored();
			if (!state?.folded) return;
			await this.store.saveSnapshot(this.boardId, state.data, state.uptoId, iso(this.clock.now()));
			this.#sinceSnapshot = Math.max(0, this.#sinceSnapshot - folded);
		})()
			.catch((err: unknown) => this.logger.error({ err, boardId: this.boardId }, 'board: compaction failed; the log is intact'))
			.finally(() => {
				this.#compacting = undefined;
			});
		return this.#compacting;
	}

	/** The board as stored (snapshot + the updates after it, `folded` of them), or undefined when nothing is. */
	async #stored(): Promise<{ data: Uint8Array; uptoId: number; folded: number } | undefined> {
		const snapshot = await this.store.snapshot(this.boardId);
		const tail = await this.store.updatesAfter(this.boardId, snapshot?.uptoId ?? 0);
		if (!tail.length) return snapshot && { ...snapshot, folded: 0 };
		const doc = new Y.Doc();
		try {
			doc.transact(() => {
				if (snapshot) Y.applyUpdate(doc, snapshot.data);
				for (const u of tail) Y.applyUpdate(doc, u.data);
			});
			return { data: Y.encodeStateAsUpdate(doc), uptoId: tail.at(-1)!.id, folded: tail.length };
		} finally {
			doc.destroy();
		}
	}

	/** [SC2] An update another instance committed: applied and relayed to this room's connections. */
	applyRemote(update: Uint8Array): void {
		if (this.#closed) return;
		Y.applyUpdate(this.doc, update, REMOTE);
		this.#sinceSnapshot += 1;
		// Something it builds on never arrived here (a lost message): fetch what is stored.
		if (this.doc.store.pendingStructs || this.doc.store.pendingDs) void this.catchUp();
		if (this.#sinceSnapshot >= this.options.compactEvery) void this.compact();
	}

	/** [SC2] Another instance's awareness change. */
	applyRemoteAwareness(update: Uint8Array): void {
		if (this.#closed) return;
		awarenessProtocol.applyAwarenessUpdate(this.awareness, update, REMOTE);
	}

	/** The awareness states this instance's connections introduced (for an instance that asks), if any. */
	localAwareness(): Uint8Array | undefined {
		const ids = [...this.conns.values()].flatMap((c) => [...c.awarenessIds]).filter((id) => this.awareness.getStates().has(id));
		return ids.length ? awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids) : undefined;
	}

	/** [SC2][SC6] Applies whatever storage has that this room lacks (after lost messages or a Redis outage). */
	catchUp(): Promise<void> {
		this.#catchingUp ??= (async () => {
			const state = await this.#stored();
			if (!state || this.#closed) return;
			const missing = Y.diffUpdate(state.data, Y.encodeStateVector(this.doc));
			Y.applyUpdate(this.doc, missing, REMOTE);
		})()
			.catch((err: unknown) => this.logger.error({ err, boardId: this.boardId }, 'board: catching up from storage failed'))
			.finally(() => {
				this.#catchingUp = undefined;
			});
		return this.#catchingUp;
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
		this.options.link?.close();
		for (const c of this.conns.values()) c.ws.close(code, reason);
		this.conns.clear();
		this.awareness.destroy();
		this.doc.destroy();
	}
}

/**
 * [BL1] Reads a whole awareness update without applying it. y-protocols applies entry by entry and
 * announces only at the end, so a broken entry after good ones would leave those applied silently:
 * a cursor changed or removed on the server that nobody was told about.
 */
function checkAwarenessUpdate(update: Uint8Array): void {
	const decoder = decoding.createDecoder(update);
	const entries = decoding.readVarUint(decoder);
	for (let i = 0; i < entries; i++) {
		decoding.readVarUint(decoder); // client id
		decoding.readVarUint(decoder); // clock
		JSON.parse(decoding.readVarString(decoder));
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
