/**
 * socket.io handlers for the live convening: each validates its payload at the edge, checks the
 * rate, calls the service, and acknowledges with a Result carrying a coded error on failure.
 *
 * - [SIO3] A payload that does not match its schema is refused with `bad_request` and changes nothing.
 * - [SIO4] A socket sending more than 10 requests a second (burst 30) is answered `rate_limited`
 *   until it slows down; other sockets are unaffected.
 * - [SIO5] Every request with an acknowledgement gets exactly one answer. socket.io passes the ack
 *   last, after however many arguments the client sent: more than one payload, or none where one is
 *   required, is `bad_request`; so is an event the server does not have.
 * - [ST2] A request that fails because storage cannot be reached or written is answered
 *   `unavailable` (nothing was changed; try again), never `internal`.
 */
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { z } from 'zod';
import { AppError, ErrorCode, ERROR_MESSAGES, type Result } from '../../shared/errors.ts';
import { CLIENT_EVENT_NAMES, type ClientToServerEvents, type ServerToClientEvents, type SocketData } from '../../shared/events.ts';
import {
	agendaPayload,
	chatPayload,
	circleGroupPayload,
	circleKeeperPayload,
	circleReorderPayload,
	circleSkipPayload,
	handPayload,
	joinPayload,
	MAIN_ROOM,
	mediaSignalPayload,
	phasePayload,
	reactionPayload,
	roundBroadcastPayload,
	roundChoosePayload,
	roundClosePayload,
	roundExtendPayload,
	roundMovePayload,
	roundOpenPayload,
	roundVisitPayload,
	type ChatMessage
} from '../../shared/live.ts';
import { fieldErrors } from '../../shared/schemas.ts';
import { mediaMutePayload, mediaTokenPayload } from '../../shared/livekit.ts';
import type { Clock } from '../clock.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { isStorageUnavailable } from '../db/unavailable.ts';
import type { LiveService } from './live.service.ts';
import { PEER_TO_PEER_MESSAGE, type Media } from '../media/livekit.ts';

type HearthSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type HearthIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const conveningRoom = (conveningId: string) => `conv:${conveningId}`;
export const chatRoom = (conveningId: string, room: string) => `conv:${conveningId}:room:${room}`;

const RATE = { perSecond: 10, burst: 30 };
const KNOWN_EVENTS: ReadonlySet<string> = new Set(CLIENT_EVENT_NAMES);

type Reply<T> = (result: Result<T>) => void;

/** Splits a request's arguments into its payloads and its ack (socket.io always puts the ack last). */
function requestArgs<T>(args: unknown[]): { payloads: unknown[]; reply: Reply<T> } {
	const last = args.at(-1);
	if (typeof last === 'function') return { payloads: args.slice(0, -1), reply: last as Reply<T> };
	return { payloads: args, reply: () => {} };
}

const refuse = (code: ErrorCode, message: string = ERROR_MESSAGES[code]) => ({ ok: false as const, error: { code, message } });

export function registerLiveHandlers(
	socket: HearthSocket,
	deps: { live: LiveService; auth: AuthService; clock: Clock; logger: Logger; media?: Media }
) {
	const { live, clock, logger } = deps;
	let tokens = RATE.burst;
	let refilledAt = clock.now();

	function allowed(): boolean {
		const now = clock.now();
		tokens = Math.min(RATE.burst, tokens + ((now - refilledAt) / 1000) * RATE.perSecond);
		refilledAt = now;
		if (tokens < 1) return false;
		tokens -= 1;
		return true;
	}

	/** Wires one event: validate, rate-check, run, answer once. */
	function on<S extends z.ZodType, T>(event: keyof ClientToServerEvents, schema: S, run: (payload: z.infer<S>) => Promise<T>) {
		socket.on(
			event as 'convening:leave',
			(async (...args: unknown[]) => {
				const { payloads, reply } = requestArgs<T | null>(args);
				if (!allowed()) return reply(refuse(ErrorCode.RateLimited));
				if (payloads.length > 1) return reply(refuse(ErrorCode.BadRequest, 'Send one payload.'));
				const parsed = schema.safeParse(payloads[0] ?? {});
				if (!parsed.success) {
					const fields = fieldErrors(parsed.error);
					return reply({
						ok: false,
						error: { code: ErrorCode.BadRequest, message: Object.values(fields)[0] ?? ERROR_MESSAGES.bad_request }
					});
				}
				try {
					const data = await run(parsed.data);
					reply({ ok: true, data: data ?? null });
				} catch (err) {
					if (AppError.is(err)) return reply({ ok: false, error: { code: err.code, message: err.message } });
					// [ST2] Storage down: say so (the client may retry) rather than `internal`.
					if (isStorageUnavailable(err)) {
						logger.warn({ err, event }, 'socket request refused: storage unavailable');
						return reply({ ok: false, error: { code: ErrorCode.Unavailable, message: ERROR_MESSAGES.unavailable } });
					}
					logger.error({ err, event }, 'socket request failed');
					reply({ ok: false, error: { code: ErrorCode.Internal, message: ERROR_MESSAGES.internal } });
				}
			}) as never
		);
	}

	const user = () => ({ id: socket.data.userId, name: socket.data.name, email: '', timeZone: null, createdAt: '' });

	on('convening:join', joinPayload, async ({ conveningId }) => {
		// The service puts the socket in the convening's rooms itself, before it announces anything [CV5].
		return live.join(user(), socket.id, conveningId);
	});
	on('convening:leave', handPayload.pick({}), async () => {
		await live.leave(socket.id);
		for (const room of socket.rooms) if (room !== socket.id) await socket.leave(room);
		return null;
	});
	on('convening:phase', phasePayload, ({ phase }) => live.setPhase(socket.id, phase));
	on('agenda:advance', agendaPayload, ({ index }) => live.advanceAgenda(socket.id, index));
	on('hand:raise', handPayload.pick({}), () => live.raiseHand(socket.id));
	on('hand:lower', handPayload, ({ userId }) => live.lowerHand(socket.id, userId));
	on('reaction:send', reactionPayload, ({ reaction }) => live.react(socket.id, reaction));
	on('chat:send', chatPayload, ({ body }) => live.chat(socket.id, body));
	on('round:open', roundOpenPayload, (input) => live.openRound(socket.id, input));
	on('round:broadcast', roundBroadcastPayload, ({ message }) => live.broadcastToGroups(socket.id, message));
	on('round:extend', roundExtendPayload, ({ minutes }) => live.extendRound(socket.id, minutes));
	on('round:close', roundClosePayload, ({ mode }) => live.closeRound(socket.id, mode));
	on('round:move', roundMovePayload, ({ userId, groupId }) => live.moveToGroup(socket.id, userId, groupId));
	on('round:visit', roundVisitPayload, ({ groupId }) => live.visit(socket.id, groupId));
	on('round:choose', roundChoosePayload, ({ groupId }) => live.choose(socket.id, groupId));
	for (const action of ['start', 'done', 'pass', 'checkout'] as const) {
		on(`circle:${action}`, circleGroupPayload, ({ groupId }) => live.circle(socket.id, action, { groupId }));
	}
	on('circle:skip', circleSkipPayload, ({ userId, groupId }) => live.circle(socket.id, 'skip', { userId, groupId }));
	on('circle:keeper', circleKeeperPayload, ({ groupId, userId }) => live.setKeeper(socket.id, groupId, userId));
	on('circle:reorder', circleReorderPayload, ({ groupId, order }) => live.circle(socket.id, 'reorder', { groupId, order }));

	// LiveKit video [LK1][LK5]: the convening is the one this socket joined (the `conv:<id>` room convening:join put it in).
	const joinedConvening = () => [...socket.rooms].find((r) => r.startsWith('conv:') && !r.includes(':room:'))?.slice('conv:'.length);
	const livekit = () => {
		if (!deps.media?.enabled) throw new AppError(ErrorCode.Unavailable, PEER_TO_PEER_MESSAGE);
		return deps.media;
	};
	on('media:token', mediaTokenPayload, ({ room, hidden }) =>
		livekit().token({ userId: socket.data.userId, conveningId: joinedConvening(), room, hidden })
	);
	on('media:mute', mediaMutePayload, ({ userId, source }) =>
		livekit().mute({ actorId: socket.data.userId, conveningId: joinedConvening(), userId, source })
	);

	// [MV2] Signalling is chatty (ICE candidates), so it has its own, larger allowance.
	let signals = 200;
	let signalsAt = clock.now();
	socket.on('media:signal', async (...args: unknown[]) => {
		const { payloads, reply } = requestArgs<null>(args);
		const now = clock.now();
		signals = Math.min(200, signals + ((now - signalsAt) / 1000) * 100);
		signalsAt = now;
		if (signals < 1) return reply(refuse(ErrorCode.RateLimited));
		signals -= 1;
		const parsed = payloads.length === 1 ? mediaSignalPayload.safeParse(payloads[0]) : undefined;
		if (!parsed?.success) return reply(refuse(ErrorCode.BadRequest));
		try {
			const { from, sockets } = await live.signalTargets(socket.id, parsed.data.to);
			socket.to(sockets).emit('media:signal', { from, data: parsed.data.data });
			reply({ ok: true, data: null });
		} catch (err) {
			if (AppError.is(err)) return reply({ ok: false, error: { code: err.code, message: err.message } });
			logger.error({ err }, 'media signal failed');
			reply({ ok: false, error: { code: ErrorCode.Internal, message: ERROR_MESSAGES.internal } });
		}
	});

	// [SIO5] An event the server does not have is answered too, rather than left to time out.
	socket.onAny((event: unknown, ...args: unknown[]) => {
		if (typeof event === 'string' && KNOWN_EVENTS.has(event)) return;
		const { reply } = requestArgs<null>(args);
		if (!allowed()) return reply(refuse(ErrorCode.RateLimited));
		reply(refuse(ErrorCode.BadRequest, 'There is no such request.'));
	});

	socket.on('disconnect', () => {
		live.leave(socket.id).catch((err: unknown) => logger.error({ err }, 'leaving on disconnect failed'));
	});
}

/** Connects the service's announcements to socket.io rooms. */
export function liveEvents(getIo: () => HearthIo | undefined) {
	return {
		state: (conveningId: string, state: Parameters<ServerToClientEvents['convening:state']>[0]) =>
			getIo()?.to(conveningRoom(conveningId)).emit('convening:state', state),
		presence: (conveningId: string, change: Parameters<ServerToClientEvents['convening:presence']>[0]) =>
			getIo()?.to(conveningRoom(conveningId)).emit('convening:presence', change),
		// [CV5] Local sockets join at once; a socket on another instance (scale-out) through the adapter,
		// ahead of any announcement sent after it on the same stream.
		subscribe(conveningId: string, socketId: string, room: string) {
			const io = getIo();
			if (!io) return;
			const others = [...(io.sockets.sockets.get(socketId)?.rooms ?? [])].filter(
				(r) => r !== socketId && r.startsWith('conv:') && r !== conveningRoom(conveningId) && r !== chatRoom(conveningId, room)
			);
			if (others.length) io.in(socketId).socketsLeave(others);
			io.in(socketId).socketsJoin([conveningRoom(conveningId), chatRoom(conveningId, room)]);
		},
		unsubscribe(conveningId: string, socketId: string, room: string) {
			getIo()
				?.in(socketId)
				.socketsLeave([conveningRoom(conveningId), chatRoom(conveningId, room)]);
		},
		chat: (conveningId: string, message: Parameters<ServerToClientEvents['chat:message']>[0]) =>
			getIo()
				?.to(chatRoom(conveningId, message.room ?? MAIN_ROOM))
				.emit('chat:message', message),
		reaction: (conveningId: string, reaction: Parameters<ServerToClientEvents['reaction:shown']>[0]) =>
			getIo()?.to(conveningRoom(conveningId)).emit('reaction:shown', reaction),
		moved(conveningId: string, socketIds: string[], from: string, to: string, chat: ChatMessage[]) {
			const io = getIo();
			if (!io) return;
			io.in(socketIds).socketsLeave(chatRoom(conveningId, from));
			io.in(socketIds).socketsJoin(chatRoom(conveningId, to));
			io.to(socketIds).emit('room:changed', { room: to, chat });
		},
		broadcast: (conveningId: string, message: Parameters<ServerToClientEvents['round:message']>[0]) =>
			getIo()?.to(conveningRoom(conveningId)).emit('round:message', message),
		warning: (conveningId: string, warning: Parameters<ServerToClientEvents['round:warning']>[0]) =>
			getIo()?.to(conveningRoom(conveningId)).emit('round:warning', warning)
	};
}
