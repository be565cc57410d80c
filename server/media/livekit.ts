/**
 * Video through LiveKit: tokens for exactly the room a person is in, breakout rooms that follow the
 * convening, and webhooks for media presence. Without `LIVEKIT_*` configured every part answers
 * `unavailable` (video runs peer-to-peer over socket.io instead) and the room hooks do nothing.
 *
 * - [LK1] A token opens one LiveKit room, the one the person is in now (live.service's roster): the
 *   main room or their own group. The asker must have joined the convening and still belong to
 *   its cohort (the role is read afresh, not from the roster). Facilitators may open any room of
 *   the convening, also as a hidden listener (`hidden`, subscribe only); members publish and
 *   subscribe in their own room; observers only subscribe. Identity is the user id, name the
 *   display name, metadata `{ role, teamId }`; tokens live 10 minutes.
 * - [LK2] Room names: `hearth-<conveningId>-main`, `hearth-<conveningId>-<groupId>` (shared/livekit.ts).
 * - [LK3] Opening a round creates each group's LiveKit room (with an empty timeout, so an unused
 *   one goes away by itself); closing it deletes them, which disconnects whoever is still there.
 * - [LK4] In a listen-only circle only the holder of the talking piece may publish a microphone:
 *   on every holder change each group member's permissions are updated in the group's room
 *   (holder: camera and microphone; the others: camera only; nobody holding: no restriction), and
 *   a token minted meanwhile carries the same sources.
 * - [LK5] Someone removed from a cohort is removed from every LiveKit room of its live convenings.
 *   A facilitator may mute a track someone published in the room that person is in.
 * - [LK6] Webhooks are accepted only with a valid signature over the exact body (LiveKit's
 *   `Authorization` JWT, issued by our key, unexpired, whose `sha256` is the body's); anything else
 *   gets 401 and a log line, never a 500. participant_joined / participant_left / room_finished of
 *   Hearth's rooms become media presence spans (media-presence.store.ts).
 * - [LK7] A LiveKit call that fails is logged and never fails or delays a round: room hooks run in
 *   the background, one after another per LiveKit room so their order holds.
 */
import type { Logger } from 'pino';
import { RoomServiceClient, TrackSource, WebhookReceiver, AccessToken, type VideoGrant } from 'livekit-server-sdk';
import { AppError, ErrorCode, type Result } from '../../shared/errors.ts';
import { MAIN_ROOM, type ConveningState } from '../../shared/live.ts';
import { livekitRoomName, MEDIA_TOKEN_TTL_SECONDS, parseLivekitRoomName, type MediaSource, type MediaToken } from '../../shared/livekit.ts';
import { can } from '../../shared/roles.ts';
import { iso, type Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/open.ts';
import { newId } from '../ids.ts';
import type { RequireAccess } from '../cohorts/access.ts';
import { cohortsStore } from '../cohorts/cohorts.store.ts';
import { conveningsStore } from '../cohorts/convenings.store.ts';
import { mediaPresenceStore } from './media-presence.store.ts';

/** What the live convening tells the media layer; each call returns at once and never throws [LK7]. */
export interface MediaRooms {
	roundOpened(conveningId: string, groupIds: string[]): void;
	roundClosed(conveningId: string, groupIds: string[]): void;
	speakerChanged(conveningId: string, groupId: string, holderId: string | null, memberIds: string[], listenOnly: boolean): void;
	removed(cohortId: string, userId: string): void;
}

export const noMediaRooms: MediaRooms = {
	roundOpened() {},
	roundClosed() {},
	speakerChanged() {},
	removed() {}
};

/** A breakout room nobody joins closes by itself after this long [LK3]. */
export const GROUP_ROOM_EMPTY_TIMEOUT_SECONDS = 600;

/** [LK4] What a circle member may publish while someone else, or they, hold the piece. */
export const LISTENING_SOURCES = [TrackSource.CAMERA];
export const SPEAKING_SOURCES = [TrackSource.CAMERA, TrackSource.MICROPHONE];

const SOURCE: Record<MediaSource, TrackSource> = {
	microphone: TrackSource.MICROPHONE,
	camera: TrackSource.CAMERA,
	screen_share: TrackSource.SCREEN_SHARE
};

export const PEER_TO_PEER_MESSAGE = 'Video runs peer-to-peer on this server: no LiveKit server is configured.';

export interface WebhookAnswer {
	status: number;
	body: Result<null>;
}

export interface MediaDeps {
	livekit: Config['livekit'];
	db: Db;
	clock: Clock;
	logger: Logger;
	requireAccess: RequireAccess;
	/** The live state of a loaded convening (live.service's `snapshot`), undefined when not loaded. */
	snapshot(conveningId: string): Promise<ConveningState | undefined>;
}

/** The client connects over websockets; the room service API is the same origin over http(s). */
const clientUrl = (url: string) => url.replace(/^http(s?):/, 'ws$1:');

const isNotFound = (err: unknown) => {
	const e = err as { status?: number; code?: string } | undefined;
	return e?.status === 404 || e?.code === 'not_found';
};

/** The `exp` of a JWT we just signed (seconds), read back to answer the real expiry. */
function expiryOf(jwt: string): number {
	const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
	return payload.exp ?? 0;
}

export function createMedia(deps: MediaDeps) {
	const { livekit, db, clock, logger } = deps;
	const cohorts = cohortsStore(db);
	const convenings = conveningsStore(db);
	const presence = mediaPresenceStore(db);
	const api = livekit ? new RoomServiceClient(livekit.url, livekit.apiKey, livekit.apiSecret, { requestTimeout: 5 }) : undefined;
	const receiver = livekit ? new WebhookReceiver(livekit.apiKey, livekit.apiSecret) : undefined;
	const log = logger.child({ component: 'livekit' });

	// [LK7] Background calls, chained per LiveKit room so that, say, a create is not overtaken by its delete.
	const chains = new Map<string, Promise<void>>();
	const pending = new Set<Promise<void>>();
	function track(run: Promise<void>): Promise<void> {
		pending.add(run);
		void run.finally(() => pending.delete(run));
		return run;
	}
	function inRoom(room: string, what: string, work: (client: RoomServiceClient) => Promise<unknown>): void {
		if (!api) return;
		const run = (chains.get(room) ?? Promise.resolve())
			.then(() => work(api))
			.then(
				() => undefined,
				(err: unknown) => {
					// Someone not connected, a room already gone: expected, and nothing to do.
					if (isNotFound(err)) log.debug({ room, what }, 'livekit: nothing to act on');
					else log.error({ err, room, what }, 'livekit: room service call failed');
				}
			);
		chains.set(room, run);
		void track(run).finally(() => {
			if (chains.get(room) === run) chains.delete(room);
		});
	}

	/** Live convenings of a cohort and the Hearth rooms each has now. */
	async function liveRooms(cohortId: string): Promise<{ state: ConveningState; rooms: string[] }[]> {
		const out: { state: ConveningState; rooms: string[] }[] = [];
		for (const c of await convenings.forCohort(cohortId)) {
			const state = await deps.snapshot(c.id);
			if (state) out.push({ state, rooms: [MAIN_ROOM, ...(state.round?.groups.map((g) => g.id) ?? [])] });
		}
		return out;
	}

	const rooms: MediaRooms = !api
		? noMediaRooms
		: {
				roundOpened(conveningId, groupIds) {
					for (const groupId of groupIds) {
						const name = livekitRoomName(conveningId, groupId);
						inRoom(name, 'create room', (c) =>
							c.createRoom({
								name,
								emptyTimeout: GROUP_ROOM_EMPTY_TIMEOUT_SECONDS,
								metadata: JSON.stringify({ conveningId, groupId })
							})
						);
					}
				},
				roundClosed(conveningId, groupIds) {
					for (const groupId of groupIds) {
						const name = livekitRoomName(conveningId, groupId);
						inRoom(name, 'delete room', (c) => c.deleteRoom(name));
					}
				},
				speakerChanged(conveningId, groupId, holderId, memberIds, listenOnly) {
					if (!listenOnly) return;
					const name = livekitRoomName(conveningId, groupId);
					for (const userId of memberIds) {
						// Permissions are replaced as a whole: every field is set each time.
						const permission = {
							canSubscribe: true,
							canPublish: true,
							canPublishData: true,
							canPublishSources: holderId === null ? [] : userId === holderId ? SPEAKING_SOURCES : LISTENING_SOURCES
						};
						inRoom(name, 'update permissions', (c) => c.updateParticipant(name, userId, { permission }));
					}
				},
				removed(cohortId, userId) {
					// Tokens issued before now stop working for them too, where the LiveKit server supports it.
					const revokeTokenTs = BigInt(Math.floor(Date.now() / 1000));
					void track(
						liveRooms(cohortId).then(
							(found) => {
								for (const { state, rooms: names } of found) {
									for (const room of names) {
										const name = livekitRoomName(state.conveningId, room);
										inRoom(name, 'remove participant', (c) => c.removeParticipant(name, userId, { revokeTokenTs }));
									}
								}
							},
							(err: unknown) => log.error({ err, cohortId }, 'livekit: finding rooms to remove someone from failed')
						)
					);
				}
			};

	function unavailable(): AppError {
		return new AppError(ErrorCode.Unavailable, PEER_TO_PEER_MESSAGE);
	}

	/** The person asking, joined to the convening, with their current role [LK1]. */
	async function joined(userId: string, conveningId: string | undefined) {
		const state = conveningId ? await deps.snapshot(conveningId) : undefined;
		const me = state?.roster.find((p) => p.userId === userId && p.connected);
		if (!state || !me) throw new AppError(ErrorCode.NotOpen, 'Join the convening first.');
		const role = await deps.requireAccess(userId, state.cohortId, 'convening.view');
		return { state, me, role };
	}

	return {
		/** True when a LiveKit server is configured. */
		enabled: api !== undefined,
		rooms,

		/** [LK1] A token for the room the asker is in (facilitators: any room of the convening). */
		async token(input: { userId: string; conveningId: string | undefined; room?: string; hidden?: boolean }): Promise<MediaToken> {
			if (!livekit) throw unavailable();
			const { state, me, role } = await joined(input.userId, input.conveningId);
			const room = input.room ?? me.room;
			const group = state.round?.groups.find((g) => g.id === room);
			if (room !== MAIN_ROOM && !group) throw new AppError(ErrorCode.NotFound, 'That room does not exist in this convening.');
			const facilitator = can(role, 'convening.manage');
			if (!facilitator && room !== me.room) throw new AppError(ErrorCode.Forbidden, 'You can join the video of the room you are in only.');
			if (!facilitator && input.hidden) throw new AppError(ErrorCode.Forbidden, 'Only facilitators can listen in unseen.');

			const name = livekitRoomName(state.conveningId, room);
			const grant: VideoGrant = { roomJoin: true, room: name };
			if (facilitator && input.hidden)
				Object.assign(grant, { roomAdmin: true, hidden: true, canPublish: false, canSubscribe: true, canPublishData: false });
			else if (facilitator) Object.assign(grant, { roomAdmin: true, canPublish: true, canSubscribe: true, canPublishData: true });
			else if (role === 'observer') Object.assign(grant, { canPublish: false, canSubscribe: true, canPublishData: false });
			else {
				Object.assign(grant, { canPublish: true, canSubscribe: true, canPublishData: true });
				// [LK4] Joining a listen-only circle while someone holds the piece.
				const holder = group?.circle?.speaking ?? null;
				if (state.round?.listenOnly && holder !== null)
					grant.canPublishSources = holder === input.userId ? SPEAKING_SOURCES : LISTENING_SOURCES;
			}
			const at = new AccessToken(livekit.apiKey, livekit.apiSecret, {
				identity: input.userId,
				name: me.name,
				metadata: JSON.stringify({ role, teamId: me.teamId }),
				ttl: MEDIA_TOKEN_TTL_SECONDS
			});
			at.addGrant(grant);
			const token = await at.toJwt();
			return { url: clientUrl(livekit.url), token, room: name, expiresAt: new Date(expiryOf(token) * 1000).toISOString() };
		},

		/** [LK5] Facilitators: mute what someone published from a source, in the room they are in. Answers how many tracks. */
		async mute(input: {
			actorId: string;
			conveningId: string | undefined;
			userId: string;
			source: MediaSource;
		}): Promise<{ muted: number }> {
			if (!api) throw unavailable();
			const { state, role } = await joined(input.actorId, input.conveningId);
			if (!can(role, 'convening.manage')) throw new AppError(ErrorCode.Forbidden);
			const target = state.roster.find((p) => p.userId === input.userId);
			if (!target) throw new AppError(ErrorCode.NotFound, 'That person is not here.');
			const name = livekitRoomName(state.conveningId, target.room);
			try {
				const participant = await api.getParticipant(name, input.userId);
				const tracks = participant.tracks.filter((t) => t.source === SOURCE[input.source] && !t.muted);
				for (const t of tracks) await api.mutePublishedTrack(name, input.userId, t.sid, true);
				return { muted: tracks.length };
			} catch (err) {
				if (isNotFound(err)) throw new AppError(ErrorCode.NotFound, 'That person is not connected to the video.');
				log.error({ err, room: name }, 'livekit: muting failed');
				throw new AppError(ErrorCode.Unavailable, 'The video server did not answer. Please try again.');
			}
		},

		/** Cohort membership or roles changed: whoever is no longer in the cohort leaves its LiveKit rooms [LK5]. */
		async accessChanged(cohortId: string): Promise<void> {
			if (!api) return;
			for (const { state } of await liveRooms(cohortId)) {
				for (const person of state.roster) {
					if (!(await cohorts.roleOf(cohortId, person.userId))) rooms.removed(cohortId, person.userId);
				}
			}
		},

		/** [LK6] A LiveKit webhook: verified against the raw body, then recorded as media presence. */
		async webhook(rawBody: string, authorization: string | null): Promise<WebhookAnswer> {
			if (!receiver) return { status: 404, body: { ok: false, error: { code: ErrorCode.NotFound, message: PEER_TO_PEER_MESSAGE } } };
			let event;
			try {
				event = await receiver.receive(rawBody, authorization?.replace(/^Bearer\s+/i, '') ?? undefined);
			} catch (err) {
				log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'livekit webhook refused');
				return {
					status: 401,
					body: { ok: false, error: { code: ErrorCode.Unauthenticated, message: 'The webhook signature is not valid.' } }
				};
			}
			const place = parseLivekitRoomName(event.room?.name ?? '');
			if (!place) return { status: 200, body: { ok: true, data: null } };
			const at = event.createdAt > 0n ? iso(Number(event.createdAt) * 1000) : iso(clock.now());
			const identity = event.participant?.identity ?? '';
			const participantSid = event.participant?.sid ?? '';
			try {
				if (event.event === 'room_finished') {
					await presence.roomFinished(place.conveningId, place.room, at);
				} else if ((event.event === 'participant_joined' || event.event === 'participant_left') && identity && participantSid) {
					if (!(await presence.knows(place.conveningId, identity))) {
						log.info({ room: event.room?.name, event: event.event }, 'livekit webhook about an unknown convening or person: ignored');
					} else if (event.event === 'participant_joined') {
						await presence.joined({ id: newId(), conveningId: place.conveningId, room: place.room, userId: identity, participantSid, at });
					} else {
						await presence.left({ conveningId: place.conveningId, room: place.room, userId: identity, participantSid, at });
					}
				}
			} catch (err) {
				// LiveKit retries a webhook that is not answered 2xx.
				log.error({ err, event: event.event }, 'livekit webhook: storing presence failed');
				return { status: 503, body: { ok: false, error: { code: ErrorCode.Unavailable, message: 'Storage is unavailable right now.' } } };
			}
			return { status: 200, body: { ok: true, data: null } };
		},

		/** Media presence spans of a convening (LiveKit connections per room). */
		presence: (conveningId: string) => presence.forConvening(conveningId),

		/** Resolves when every background LiveKit call made so far has finished (shutdown, tests). */
		async idle(): Promise<void> {
			while (pending.size) await Promise.all([...pending]);
		}
	};
}

export type Media = ReturnType<typeof createMedia>;
