/**
 * Hearth's composition root: builds every service from its parts and attaches the realtime
 * endpoints to an http.Server. `main.ts` only reads config and listens; tests call this with a
 * real database on port 0.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { systemScheduler, type Clock, type Scheduler } from './clock.ts';

const isScheduler = (c: Clock): c is Clock & Scheduler => typeof (c as Partial<Scheduler>).at === 'function';
import type { Db } from './db/open.ts';
import { authService } from './auth/auth.service.ts';
import { accessChecker } from './cohorts/access.ts';
import { cohortsService } from './cohorts/cohorts.service.ts';
import { invitesService } from './cohorts/invites.service.ts';
import { cohortIcs } from './cohorts/calendar.ts';
import { attachRealtime, type Realtime } from './realtime/realtime.ts';
import { boardsService } from './boards/boards.service.ts';
import { createBoardServer } from './boards/board-server.ts';
import { liveService } from './convening/live.service.ts';
import { liveEvents, registerLiveHandlers } from './convening/live.handlers.ts';
import { clusteredLive, conveningLease } from './convening/live.cluster.ts';
import { boardLinks } from './boards/board-link.ts';
import type { Scale } from './scale/scale.ts';
import { healthReport } from './http/health.ts';
import { createMedia } from './media/livekit.ts';

export interface HearthDeps {
	config: Config;
	db: Db;
	clock: Clock;
	/** Timers on the clock; tests pass a ManualClock as both. */
	scheduler?: Scheduler;
	logger: Logger;
	/** Scale-out (REDIS_URL): the bus, leases and socket.io adapter shared with other instances. */
	scale?: Scale | undefined;
}

export function createHearth(deps: HearthDeps) {
	const { config, db, clock, logger, scale } = deps;
	const scheduler = deps.scheduler ?? (isScheduler(clock) ? clock : systemScheduler);
	const requireAccess = accessChecker(db);
	const auth = authService({ db, clock, sessionDays: config.sessionDays });
	// Boards re-check open connections when membership, roles or board policy change [BA2].
	const accessChanged = (filter: { cohortId?: string; boardId?: string }) => {
		boardServer.reauthorize(filter).catch((err: unknown) => logger.error({ err }, 'board: re-checking access failed'));
		// [SC7] ... on every instance.
		links?.accessChanged(filter);
		// Someone removed from a cohort leaves its LiveKit rooms too [LK5].
		if (filter.cohortId)
			media.accessChanged(filter.cohortId).catch((err: unknown) => logger.error({ err }, 'livekit: re-checking access failed'));
	};
	const cohorts = cohortsService({ db, clock, requireAccess, onAccessChanged: accessChanged });
	const invites = invitesService({ db, clock, requireAccess, auth });
	const boards = boardsService({ db, clock, requireAccess, onAccessChanged: accessChanged });
	// [SC2] With scale-out, loaded boards are linked to the same boards on the other instances.
	const links = scale
		? boardLinks({
				bus: scale.bus,
				leases: scale.leases,
				logger,
				tickMs: scale.tickMs,
				onAccessChanged: (filter) =>
					boardServer.reauthorize(filter).catch((err: unknown) => logger.error({ err }, 'board: re-checking access failed'))
			})
		: undefined;
	const boardServer = createBoardServer({
		db,
		store: boards.store,
		auth,
		tokens: boards.tokens,
		clock,
		logger,
		options: config.boards,
		links
	});
	let realtime: Realtime | undefined;
	// LiveKit (when configured): tokens, rooms that follow the convening, webhooks [LK1]-[LK7].
	const media = createMedia({ livekit: config.livekit, db, clock, logger, requireAccess, snapshot: (id) => live.snapshot(id) });
	const localLive = liveService({
		db,
		clock,
		scheduler,
		requireAccess,
		boards,
		events: liveEvents(() => realtime?.io),
		media: media.rooms,
		mediaConfig: { mode: config.livekit ? 'livekit' : 'p2p', ...config.media },
		windDownMs: config.windDownMs,
		// [SC4] People connected through other instances re-join a new holder within a few ticks.
		resumeGraceMs: scale ? Math.max(3_000, scale.leases.ttlMs) : undefined,
		holds: scale ? (conveningId) => scale.leases.held(conveningLease(conveningId)) : undefined
	});
	// [SC3] With scale-out, requests go to the instance holding the convening.
	const cluster = scale ? clusteredLive({ local: localLive, scale, logger, io: () => realtime?.io }) : undefined;
	const live = cluster ?? localLive;

	const hearth = {
		config,
		db,
		clock,
		logger,
		auth,
		cohorts,
		invites,
		boards,
		boardServer,
		live,
		media,
		requireAccess,
		calendar: { cohortIcs },
		health: () => healthReport(deps),
		/** This instance's id among the scaled-out instances (undefined on a single instance). */
		instanceId: scale?.instanceId,
		/** Attaches socket.io and the board upgrade path to the server. */
		attach(server: http.Server) {
			realtime = attachRealtime(server, {
				auth,
				logger,
				config,
				adapter: scale?.adapter,
				onConnection: (socket) => registerLiveHandlers(socket, { live, auth, clock, logger, media })
			});
		},
		/** Answers upgrades to the board path; false for any other path. */
		handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean {
			return boardServer.handleUpgrade(req, socket, head);
		},
		/** Stores what boards hold pending, then closes realtime connections. */
		async close() {
			await boardServer.close();
			// [SC3] Convenings held here are given up, so another instance takes them over at once.
			await cluster?.close();
			await realtime?.close();
			await links?.close();
		}
	};
	return hearth;
}

export type Hearth = ReturnType<typeof createHearth>;
