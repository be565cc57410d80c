/**
 * Boards across instances (scale-out): each loaded room is linked to the same board on the other
 * instances through the bus channel `board:<boardId>`.
 *
 * Messages: the sender's instance id (varstring), a kind (varuint), then a payload (varuint8array):
 * 0 update (committed by the sender), 1 awareness update, 2 query awareness (answered with the
 * states the receiver's connections introduced), 3 catch up (the sender may have missed messages
 * or failed to publish: read the board from storage).
 *
 * - [SC2] Every instance holding a board receives every update committed on the others, without a
 *   round trip per change: one publish per committed batch. A receiver never publishes it again.
 * - [SC5] The board's lease (`board:<boardId>`) decides which instance compacts it; an instance
 *   that loads the board tries to take it, and every tick again until someone holds it.
 * - [SC6] When Redis comes back after an outage, every loaded room catches up from storage, tells the
 *   others to do the same (they may have missed what this instance published meanwhile), and asks
 *   for the awareness it missed.
 * - [SC7] Access changes ([BA2]) are announced to every instance, which re-checks its own connections.
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import type { Logger } from 'pino';
import type { Bus, Unsubscribe } from '../scale/bus.ts';
import type { Leases } from '../scale/lease.ts';
import type { BoardRoom, RoomLink } from './board-room.ts';

const Kind = { Update: 0, Awareness: 1, QueryAwareness: 2, CatchUp: 3 } as const;

export type AccessFilter = { cohortId?: string; boardId?: string };

export function boardLinks(deps: {
	bus: Bus;
	leases: Leases;
	logger: Logger;
	tickMs: number;
	/** [SC7] Re-checks this instance's connections after an access change elsewhere. */
	onAccessChanged(filter: AccessFilter): void;
}) {
	const { bus, leases, logger } = deps;
	const me = bus.instanceId;
	const rooms = new Map<string, BoardRoom>();
	const lease = (boardId: string) => `board:${boardId}`;
	const channel = (boardId: string) => `board:${boardId}`;

	function publish(boardId: string, kind: number, payload: Uint8Array = new Uint8Array()): void {
		const e = encoding.createEncoder();
		encoding.writeVarString(e, me);
		encoding.writeVarUint(e, kind);
		encoding.writeVarUint8Array(e, payload);
		bus.publish(channel(boardId), encoding.toUint8Array(e)).catch((err: unknown) =>
			// [SC6] Redis is down: this instance's own connections have it already; the others catch up later.
			logger.debug({ err, boardId }, 'board: publishing to other instances failed')
		);
	}

	function onMessage(boardId: string, data: Uint8Array): void {
		const room = rooms.get(boardId);
		if (!room) return;
		let from: string, kind: number, payload: Uint8Array;
		try {
			const d = decoding.createDecoder(data);
			from = decoding.readVarString(d);
			kind = decoding.readVarUint(d);
			payload = decoding.readVarUint8Array(d);
		} catch (err) {
			return logger.error({ err, boardId }, 'board: undecodable message from another instance');
		}
		if (from === me) return;
		try {
			if (kind === Kind.Update) room.applyRemote(payload);
			else if (kind === Kind.Awareness) room.applyRemoteAwareness(payload);
			else if (kind === Kind.QueryAwareness) {
				const states = room.localAwareness();
				if (states) publish(boardId, Kind.Awareness, states);
			} else if (kind === Kind.CatchUp) void room.catchUp();
		} catch (err) {
			logger.error({ err, boardId, from }, 'board: applying a message from another instance failed; catching up from storage');
			void room.catchUp();
		}
	}

	const stopResume = bus.onResume(() => {
		for (const [boardId, room] of rooms) {
			void room.catchUp();
			publish(boardId, Kind.CatchUp);
			publish(boardId, Kind.QueryAwareness);
		}
	});

	// [SC5] Someone must hold each loaded board's lease: take it when its holder went away.
	const tick = setInterval(() => {
		for (const boardId of rooms.keys()) if (!leases.held(lease(boardId))) void leases.acquire(lease(boardId));
	}, deps.tickMs);
	tick.unref();

	let stopAccess: Unsubscribe | undefined;
	const accessReady = bus
		.subscribe('access', (data) => {
			try {
				const m = JSON.parse(new TextDecoder().decode(data)) as { from: string; filter: AccessFilter };
				if (m.from !== me) deps.onAccessChanged(m.filter);
			} catch (err) {
				logger.error({ err }, 'board: bad access notice');
			}
		})
		.then((u) => (stopAccess = u));

	return {
		/** The link for a room about to load. */
		link(boardId: string): RoomLink {
			let room: BoardRoom | undefined;
			let unsubscribe: Promise<Unsubscribe> | undefined;
			let closed = false;
			return {
				async open(r) {
					room = r;
					rooms.set(boardId, r);
					unsubscribe = bus.subscribe(channel(boardId), (data) => onMessage(boardId, data));
					await unsubscribe;
					void leases.acquire(lease(boardId));
					publish(boardId, Kind.QueryAwareness);
				},
				committed: (update) => publish(boardId, Kind.Update, update),
				awareness: (update) => publish(boardId, Kind.Awareness, update),
				mayCompact: () => leases.held(lease(boardId)),
				close() {
					if (closed) return;
					closed = true;
					if (room && rooms.get(boardId) === room) {
						rooms.delete(boardId);
						void leases.release(lease(boardId));
					}
					void unsubscribe?.then((u) => u()).catch(() => {});
				}
			};
		},

		/** [SC7] Tells the other instances that access may have changed. */
		accessChanged(filter: AccessFilter): void {
			bus
				.publish('access', new TextEncoder().encode(JSON.stringify({ from: me, filter })))
				.catch((err: unknown) => logger.warn({ err }, 'board: could not tell other instances about an access change'));
		},

		async close(): Promise<void> {
			clearInterval(tick);
			stopResume();
			await accessReady.catch(() => {});
			await stopAccess?.();
		}
	};
}

export type BoardLinks = ReturnType<typeof boardLinks>;
