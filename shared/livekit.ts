/**
 * The LiveKit video contract: payload schemas for the media socket events and the room naming
 * rule both ends rely on. Rules (docs/PROTOCOL.md, "Video through LiveKit"):
 *
 * - [LK1] A token opens exactly one LiveKit room, the one the person is in now: the convening's
 *   main room or their own breakout group. Facilitators may open any room of the convening they
 *   joined (also unseen, as a hidden listener); members and observers only their own.
 * - [LK2] The LiveKit room of a Hearth room is `hearth-<conveningId>-main` or
 *   `hearth-<conveningId>-<groupId>`. Convening and group ids are UUIDs, so a name reads back
 *   unambiguously; a name that does not parse is not Hearth's (webhooks about it are ignored).
 * - Tokens live 10 minutes: a client asks again before it (re)connects, never caches one across a
 *   room change. LiveKit checks a token only when connecting.
 */
import { z } from 'zod';
import { MAIN_ROOM } from './live.ts';

/** How long a LiveKit token may be used to connect. */
export const MEDIA_TOKEN_TTL_SECONDS = 600;

const id = z.string().min(1).max(100);

/** `room`: a Hearth room (`main` or a group id), by default the one you are in. `hidden`: facilitators only. */
export const mediaTokenPayload = z.object({ room: id.optional(), hidden: z.boolean().optional() }).strict();
export type MediaTokenPayload = z.infer<typeof mediaTokenPayload>;

export interface MediaToken {
	/** The LiveKit server's websocket URL for the client (`ws://` or `wss://`). */
	url: string;
	/** The JWT to pass to `room.connect(url, token)`. */
	token: string;
	/** The LiveKit room name the token opens ([LK2]). */
	room: string;
	/** When the token stops being accepted for connecting (ISO). */
	expiresAt: string;
}

export const MEDIA_SOURCES = ['microphone', 'camera', 'screen_share'] as const;
export type MediaSource = (typeof MEDIA_SOURCES)[number];

/** Facilitators: mute someone's published track (microphone by default) in the room they are in. */
export const mediaMutePayload = z.object({ userId: id, source: z.enum(MEDIA_SOURCES).default('microphone') }).strict();
export type MediaMutePayload = z.input<typeof mediaMutePayload>;

const PREFIX = 'hearth-';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const NAME = new RegExp(`^${PREFIX}(${UUID})-(${MAIN_ROOM}|${UUID})$`, 'i');

/** [LK2] The LiveKit room name of a Hearth room (`main` or a group id) of a convening. */
export const livekitRoomName = (conveningId: string, room: string): string => `${PREFIX}${conveningId}-${room}`;

/**
 * [LK2] Reads a LiveKit room name back: the convening and the Hearth room, or null for a room that
 * is not Hearth's.
 */
export function parseLivekitRoomName(name: string): { conveningId: string; room: string } | null {
	const match = NAME.exec(name);
	return match ? { conveningId: match[1]!, room: match[2]! } : null;
}
