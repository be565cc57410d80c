/**
 * The live convening across instances (scale-out). One instance at a time *owns* a convening: it
 * holds the lease `convening:<id>` and the convening's state (live.service.ts), runs its timers and
 * answers every request about it; the others forward their sockets' requests to it over the bus.
 * Announcements go through socket.io's Redis adapter, so they reach every instance's sockets.
 *
 * Invariants:
 * - [SC3] Exactly one instance holds a convening's state and timers at a time: the lease holder.
 *   A request for a convening nobody holds takes the lease; a request to a holder that has gone
 *   (nobody listens on its channel) waits for its lease to expire, then takes it over. Every tick,
 *   each instance with sockets in a convening checks its holder: if there is none it takes the lease
 *   (so the timers of a dead holder's convening fire on a survivor, even if nobody asks anything).
 * - [SC3] A new holder loads the state from storage (`resume`: round, deadline and timers, as after a
 *   restart [BR5]) and announces itself; every instance then re-joins its own sockets with it, and a
 *   socket whose room changed meanwhile (a round closed) is moved (`room:changed`).
 * - [SC4] Presence merges: the holder counts every socket joined through any instance, so a person
 *   is connected while any instance has a socket of theirs. The holder drops the sockets of an
 *   instance whose `instance:<id>` lease has been gone for a whole term (it died; a lease missing
 *   only for a moment, as after Redis restarted empty, is not enough), and says so: an instance
 *   that hears it was taken for dead while alive joins its sockets again. A leave that could not be
 *   delivered is retried every tick until it is, or until the holder changes.
 * - [SC6] When the holder cannot be reached (Redis down, or a holder that does not answer in time)
 *   a request answers `unavailable`; it is never run by a second instance while the lease is held.
 * - Forwarded requests carry their arguments and answers as JSON; an AppError reaches the client
 *   unchanged.
 */
import type { Logger } from 'pino';
import type { JoinResult } from '../../shared/live.ts';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import type { User } from '../auth/users.store.ts';
import type { Scale } from '../scale/scale.ts';
import { RpcTimeout, RpcUnreachable } from '../scale/rpc.ts';
import { chatRoom, conveningRoom, type HearthIo } from './live.handlers.ts';
import type { LiveService } from './live.service.ts';

const UNREACHABLE = 'The live convening cannot be reached right now. Please try again in a moment.';

type Forwarded = Exclude<keyof LiveService, 'attendanceCsv' | 'resume' | 'unload'>;
type Request = { conveningId: string; method: Forwarded; args: unknown[] };
type Answer = { notOwner: true } | { notOwner?: false; value: unknown };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The lease whose holder runs a convening. */
export const conveningLease = (conveningId: string) => `convening:${conveningId}`;

export function clusteredLive(deps: { local: LiveService; scale: Scale; logger: Logger; io: () => HearthIo | undefined }): LiveService & {
	close(): Promise<void>;
} {
	const { local, scale } = deps;
	const { bus, leases, rpc } = scale;
	const me = scale.instanceId;
	const logger = deps.logger.child({ component: 'live-cluster' });
	const lease = conveningLease;

	/** This instance's sockets that joined a convening (whoever holds it). */
	const mine = new Map<string, { conveningId: string; user: User; joining: boolean; left: boolean }>();
	/** As holder: sockets of other instances that joined through us, by socket id. */
	const remote = new Map<string, { conveningId: string; instanceId: string }>();
	/** The holder we last dealt with, per convening (to notice a change). */
	const owners = new Map<string, string>();
	/** Leaves not delivered yet: socket id -> convening and the holder at the time. */
	const pendingLeaves = new Map<string, { conveningId: string; owner: string | undefined }>();
	const takingOver = new Map<string, Promise<void>>();
	/** As holder: since when an instance's `instance:<id>` lease has been missing. */
	const missingSince = new Map<string, number>();

	const run = (method: Forwarded, args: unknown[]) => Reflect.apply(local[method] as (...a: unknown[]) => Promise<unknown>, local, args);

	/** Runs a request where the convening is held: here, or forwarded to its holder. */
	async function call(conveningId: string, method: Forwarded, args: unknown[]): Promise<unknown> {
		const deadline = performance.now() + leases.ttlMs + 2 * scale.tickMs;
		// The holder we dealt with last is asked first (it answers notOwner if it no longer is).
		let known = owners.get(conveningId);
		for (;;) {
			if (leases.held(lease(conveningId))) return run(method, args);
			let owner: string | null;
			if (known !== undefined && known !== me) owner = known;
			else {
				try {
					[owner = null] = await leases.holders([lease(conveningId)]);
				} catch {
					throw new AppError(ErrorCode.Unavailable, UNREACHABLE);
				}
			}
			known = undefined;
			if (owner === null || owner === me) {
				// Nobody holds it: there is nothing to look at or to leave, and that is no reason to take it.
				if (owner === null && (method === 'snapshot' || method === 'leave')) return undefined;
				if (await leases.acquire(lease(conveningId))) await takeOver(conveningId);
				else if (performance.now() > deadline) throw new AppError(ErrorCode.Unavailable, UNREACHABLE);
				continue;
			}
			owners.set(conveningId, owner);
			try {
				const answer = (await rpc.call(owner, 'live', { conveningId, method, args } satisfies Request)) as Answer;
				if (!answer.notOwner) return answer.value;
				// Its term ran out a moment ago: the key expires shortly.
				if (performance.now() > deadline) throw new AppError(ErrorCode.Unavailable, UNREACHABLE);
				await sleep(Math.min(100, scale.tickMs));
			} catch (err) {
				if (err instanceof RpcTimeout) throw new AppError(ErrorCode.Unavailable, UNREACHABLE);
				if (!(err instanceof RpcUnreachable)) throw err;
				// The holder has gone (or Redis has): wait for its lease to run out, then take over.
				if (performance.now() > deadline || !bus.connected) throw new AppError(ErrorCode.Unavailable, UNREACHABLE);
				await sleep(Math.min(250, scale.tickMs));
			}
		}
	}

	/** [SC3] This instance now holds the lease: load the state, re-join our own sockets, tell the others. */
	function takeOver(conveningId: string): Promise<void> {
		let p = takingOver.get(conveningId);
		if (!p) {
			p = (async () => {
				owners.set(conveningId, me);
				await local.resume(conveningId);
				logger.info({ conveningId }, 'holding the convening');
				await rejoin(conveningId);
				notice({ kind: 'owner', conveningId, owner: me });
			})().finally(() => takingOver.delete(conveningId));
			takingOver.set(conveningId, p);
		}
		return p;
	}

	/** [SC3] Joins this instance's sockets of a convening again with its (new) holder, moving any whose room changed. */
	async function rejoin(conveningId: string): Promise<void> {
		for (const [socketId, entry] of mine) {
			if (entry.conveningId !== conveningId || entry.joining || entry.left) continue;
			try {
				const result = (await call(conveningId, 'join', [entry.user, socketId, conveningId])) as JoinResult;
				const socket = deps.io()?.sockets.sockets.get(socketId);
				if (!socket || mine.get(socketId) !== entry) continue;
				const want = chatRoom(conveningId, result.me.room);
				if (socket.rooms.has(want)) continue;
				for (const room of socket.rooms) if (room.startsWith(chatRoom(conveningId, ''))) void socket.leave(room);
				await socket.join([conveningRoom(conveningId), want]);
				socket.emit('room:changed', { room: result.me.room, chat: result.chat });
			} catch (err) {
				logger.warn({ err, conveningId, socketId }, 'joining again with the new holder failed');
			}
		}
	}

	// The holder's side of a forwarded request.
	rpc.handle('live', async (payload, from) => {
		const { conveningId, method, args } = payload as Request;
		if (!leases.held(lease(conveningId))) return { notOwner: true } satisfies Answer;
		const value = await run(method, args);
		if (method === 'join') remote.set(args[1] as string, { conveningId, instanceId: from });
		if (method === 'leave') remote.delete(args[0] as string);
		return { value } satisfies Answer;
	});

	// [SC3] A lease lost (expired unrenewed, or taken): stop acting on that convening.
	const stopLost = leases.onLost((name) => {
		if (!name.startsWith('convening:')) return;
		const conveningId = name.slice('convening:'.length);
		owners.delete(conveningId);
		for (const [socketId, r] of remote) if (r.conveningId === conveningId) remote.delete(socketId);
		void local.unload(conveningId);
	});

	type Notice = { kind: 'owner'; conveningId: string; owner: string } | { kind: 'dropped'; instanceId: string; conveningIds: string[] };
	function notice(n: Notice): void {
		bus.publish('live', new TextEncoder().encode(JSON.stringify(n))).catch((err: unknown) => logger.debug({ err }, 'notice not sent'));
	}
	let stopNotices: (() => Promise<void>) | undefined;
	const noticesReady = bus
		.subscribe('live', (data) => {
			const n = JSON.parse(new TextDecoder().decode(data)) as Notice;
			const here = (conveningId: string) => [...mine.values()].some((e) => e.conveningId === conveningId);
			if (n.kind === 'owner') {
				// A new holder announced itself: join our sockets with it.
				if (n.owner === me || owners.get(n.conveningId) === n.owner || !here(n.conveningId)) return;
				owners.set(n.conveningId, n.owner);
				void rejoin(n.conveningId);
			} else if (n.instanceId === me) {
				// Taken for dead (our instance lease went missing): join again.
				logger.warn({ conveningIds: n.conveningIds }, 'a holder took this instance for dead; joining again');
				for (const conveningId of n.conveningIds) if (here(conveningId)) void rejoin(conveningId);
			}
		})
		.then((u) => (stopNotices = u));

	async function tick(): Promise<void> {
		if (!bus.connected) return;
		// Every convening this instance has sockets in must have a holder; notice when it changes.
		const ids = [...new Set([...mine.values()].map((e) => e.conveningId))].filter((id) => !leases.held(lease(id)));
		if (ids.length) {
			const holders = await leases.holders(ids.map(lease));
			for (const [i, conveningId] of ids.entries()) {
				const holder = holders[i] ?? null;
				if (holder === null) {
					if (await leases.acquire(lease(conveningId))) await takeOver(conveningId);
				} else if (holder !== me && owners.get(conveningId) !== holder) {
					owners.set(conveningId, holder);
					await rejoin(conveningId);
				}
			}
		}
		// [SC4] Sockets of instances that died leave.
		const instances = [...new Set([...remote.values()].map((r) => r.instanceId))];
		for (const id of missingSince.keys()) if (!instances.includes(id)) missingSince.delete(id);
		if (instances.length) {
			const alive = await leases.holders(instances.map(scale.instanceLease));
			const now = performance.now();
			for (const [i, instanceId] of instances.entries()) {
				if (alive[i] !== null) {
					missingSince.delete(instanceId);
					continue;
				}
				const since = missingSince.get(instanceId);
				if (since === undefined) missingSince.set(instanceId, now);
				if (since === undefined || now - since < leases.ttlMs) continue;
				missingSince.delete(instanceId);
				logger.info({ instanceId }, 'an instance has gone: its people leave');
				const conveningIds = new Set<string>();
				for (const [socketId, r] of remote) {
					if (r.instanceId !== instanceId) continue;
					remote.delete(socketId);
					conveningIds.add(r.conveningId);
					await local.leave(socketId);
				}
				notice({ kind: 'dropped', instanceId, conveningIds: [...conveningIds] });
			}
		}
		// Leaves that could not be delivered.
		for (const [socketId, p] of pendingLeaves) {
			if (owners.get(p.conveningId) !== p.owner && !leases.held(lease(p.conveningId))) {
				pendingLeaves.delete(socketId); // a new holder never knew that socket
				continue;
			}
			try {
				await call(p.conveningId, 'leave', [socketId]);
				pendingLeaves.delete(socketId);
			} catch {
				break;
			}
		}
	}
	let ticking = false;
	const timer = setInterval(() => {
		if (ticking) return;
		ticking = true;
		tick()
			.catch((err: unknown) => logger.debug({ err }, 'tick failed'))
			.finally(() => (ticking = false));
	}, scale.tickMs);
	timer.unref();

	async function leave(socketId: string): Promise<void> {
		const entry = mine.get(socketId);
		if (!entry) return;
		mine.delete(socketId);
		entry.left = true;
		// Joining still under way: the join, once answered, is followed by this leave.
		if (entry.joining) return;
		await sendLeave(socketId, entry.conveningId);
	}

	async function sendLeave(socketId: string, conveningId: string): Promise<void> {
		try {
			await call(conveningId, 'leave', [socketId]);
		} catch (err) {
			logger.debug({ err, socketId }, 'leave not delivered; retrying');
			pendingLeaves.set(socketId, { conveningId, owner: owners.get(conveningId) });
		}
	}

	/** A request from one of this instance's sockets, for the convening it joined. */
	function bySocket<M extends Forwarded>(method: M): LiveService[M] {
		return (async (socketId: string, ...rest: unknown[]) => {
			const entry = mine.get(socketId);
			if (!entry || entry.joining) throw new AppError(ErrorCode.NotOpen, 'Join the convening first.');
			try {
				return await call(entry.conveningId, method, [socketId, ...rest]);
			} catch (err) {
				// The holder does not know this socket (it took over a moment ago): join again, then retry once.
				if (!AppError.is(err) || err.code !== ErrorCode.NotOpen || mine.get(socketId) !== entry) throw err;
				await call(entry.conveningId, 'join', [entry.user, socketId, entry.conveningId]);
				return call(entry.conveningId, method, [socketId, ...rest]);
			}
		}) as unknown as LiveService[M];
	}

	return {
		async join(user: User, socketId: string, conveningId: string): Promise<JoinResult> {
			const before = mine.get(socketId);
			// A socket is in one convening at a time.
			if (before && before.conveningId !== conveningId) await leave(socketId);
			const entry = { conveningId, user, joining: true, left: false };
			mine.set(socketId, entry);
			try {
				const result = (await call(conveningId, 'join', [user, socketId, conveningId])) as JoinResult;
				entry.joining = false;
				if (entry.left) void sendLeave(socketId, conveningId);
				return result;
			} catch (err) {
				if (mine.get(socketId) === entry) {
					if (before && before.conveningId === conveningId) mine.set(socketId, before);
					else mine.delete(socketId);
				}
				throw err;
			}
		},
		leave,
		setPhase: bySocket('setPhase'),
		advanceAgenda: bySocket('advanceAgenda'),
		raiseHand: bySocket('raiseHand'),
		lowerHand: bySocket('lowerHand'),
		react: bySocket('react'),
		chat: bySocket('chat'),
		openRound: bySocket('openRound'),
		broadcastToGroups: bySocket('broadcastToGroups'),
		extendRound: bySocket('extendRound'),
		closeRound: bySocket('closeRound'),
		moveToGroup: bySocket('moveToGroup'),
		visit: bySocket('visit'),
		choose: bySocket('choose'),
		circle: bySocket('circle'),
		setKeeper: bySocket('setKeeper'),
		signalTargets: bySocket('signalTargets'),
		attendanceCsv: (user, cohortId, conveningId) => local.attendanceCsv(user, cohortId, conveningId),
		snapshot: async (conveningId) => {
			try {
				return (await call(conveningId, 'snapshot', [conveningId])) as Awaited<ReturnType<LiveService['snapshot']>>;
			} catch {
				return undefined;
			}
		},
		resume: (conveningId) => local.resume(conveningId),
		unload: (conveningId) => local.unload(conveningId),

		/** Stops ticking and gives up every convening this instance holds, so another takes over at once. */
		async close() {
			clearInterval(timer);
			stopLost();
			await noticesReady.catch(() => {});
			await stopNotices?.();
			for (const conveningId of new Set([...owners.keys()])) {
				if (!leases.held(lease(conveningId))) continue;
				await local.unload(conveningId);
				await leases.release(lease(conveningId));
			}
		}
	};
}
