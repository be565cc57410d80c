/**
 * socket.io contract: the event maps both ends import. Every client request carries an ack
 * that receives a Result. Event names are `domain:verb`. Rules with ids in docs/PROTOCOL.md.
 */
import type { Result } from './errors.ts';
import type { MediaMutePayload, MediaToken, MediaTokenPayload } from './livekit.ts';
import type {
	ChatMessage,
	ConveningState,
	JoinResult,
	PresenceChange,
	MediaSignal,
	Reaction,
	RoundOpenPayload,
	RoundView
} from './live.ts';

export const PROTOCOL_VERSION = 2;

export interface SessionInfo {
	userId: string;
	name: string;
	protocolVersion: number;
}

type Ack<T = null> = (result: Result<T>) => void;

export interface ClientToServerEvents {
	'session:whoami': (ack: Ack<SessionInfo>) => void;
	/** Join (or, after a reconnect, rejoin) a convening: answers the whole state. */
	'convening:join': (payload: { conveningId: string }, ack: Ack<JoinResult>) => void;
	'convening:leave': (payload: Record<string, never>, ack: Ack) => void;
	/** Facilitators: move the convening through scheduled → open → live → ended. */
	'convening:phase': (payload: { phase: ConveningState['phase'] }, ack: Ack) => void;
	/** Facilitators: make agenda item `index` the current one, starting its timer now. */
	'agenda:advance': (payload: { index: number }, ack: Ack) => void;
	'hand:raise': (payload: Record<string, never>, ack: Ack) => void;
	/** Lower your own hand, or (facilitators) someone else's. */
	'hand:lower': (payload: { userId?: string }, ack: Ack) => void;
	'reaction:send': (payload: { reaction: Reaction }, ack: Ack) => void;
	'chat:send': (payload: { body: string }, ack: Ack<ChatMessage>) => void;
	/** Facilitators: open a breakout round; everyone is moved to their group. */
	'round:open': (payload: RoundOpenPayload, ack: Ack<RoundView>) => void;
	'round:broadcast': (payload: { message: string }, ack: Ack) => void;
	'round:extend': (payload: { minutes: number }, ack: Ack) => void;
	'round:move': (payload: { userId: string; groupId: string }, ack: Ack) => void;
	/** Facilitators: drop into a group (or back to the main room with null). */
	'round:visit': (payload: { groupId: string | null }, ack: Ack) => void;
	'round:close': (payload: { mode: 'now' | 'wind-down' }, ack: Ack) => void;
	/** LiveKit video: a token for the room you are in (facilitators: any room, optionally hidden); `unavailable` when video runs peer-to-peer. */
	'media:token': (payload: MediaTokenPayload, ack: Ack<MediaToken>) => void;
	/** LiveKit video, facilitators: mute someone's published microphone (or camera, screen share). */
	'media:mute': (payload: MediaMutePayload, ack: Ack<{ muted: number }>) => void;
	/** Peer-to-peer video: a WebRTC offer, answer or ICE candidate for someone in the same room. */
	'media:signal': (payload: { to: string; data: MediaSignal }, ack: Ack) => void;
	/** Self-select rounds: join a group with room. */
	'round:choose': (payload: { groupId: string }, ack: Ack) => void;
	'circle:start': (payload: { groupId?: string }, ack: Ack) => void;
	'circle:done': (payload: { groupId?: string }, ack: Ack) => void;
	'circle:pass': (payload: { groupId?: string }, ack: Ack) => void;
	'circle:skip': (payload: { userId: string; groupId?: string }, ack: Ack) => void;
	'circle:reorder': (payload: { groupId: string; order: string[] }, ack: Ack) => void;
	/** Facilitators: name (or, with null, unname) a group's circle keeper. */
	'circle:keeper': (payload: { groupId: string; userId: string | null }, ack: Ack) => void;
	'circle:checkout': (payload: { groupId?: string }, ack: Ack) => void;
}

/**
 * Every client → server event name, at runtime (tests generate fuzz and access cases from it). Typed
 * so that an event added to ClientToServerEvents without an entry here fails to compile.
 */
const CLIENT_EVENTS = {
	'session:whoami': true,
	'convening:join': true,
	'convening:leave': true,
	'convening:phase': true,
	'agenda:advance': true,
	'hand:raise': true,
	'hand:lower': true,
	'reaction:send': true,
	'chat:send': true,
	'round:open': true,
	'round:broadcast': true,
	'round:extend': true,
	'round:move': true,
	'round:visit': true,
	'round:close': true,
	'media:token': true,
	'media:mute': true,
	'media:signal': true,
	'round:choose': true,
	'circle:start': true,
	'circle:done': true,
	'circle:pass': true,
	'circle:skip': true,
	'circle:reorder': true,
	'circle:keeper': true,
	'circle:checkout': true
} as const satisfies Record<keyof ClientToServerEvents, true>;
export type ClientEventName = keyof typeof CLIENT_EVENTS;
export const CLIENT_EVENT_NAMES = Object.keys(CLIENT_EVENTS) as ClientEventName[];

export interface ServerToClientEvents {
	/** The shared state after any change; replaces what the client had. */
	'convening:state': (state: ConveningState) => void;
	/** One roster entry changed; applies over the state with the previous version [CV5]. */
	'convening:presence': (change: PresenceChange) => void;
	'chat:message': (message: ChatMessage) => void;
	'reaction:shown': (reaction: { userId: string; reaction: Reaction; at: number }) => void;
	/** You were moved to another room: its chat history comes along. */
	'room:changed': (change: { room: string; chat: ChatMessage[] }) => void;
	/** A facilitator's message to every group. */
	'round:message': (message: { from: string; body: string; at: string }) => void;
	/** Peer-to-peer video: a signalling message from someone in the same room. */
	'media:signal': (signal: { from: string; data: MediaSignal }) => void;
	/** One minute left in the round. */
	'round:warning': (warning: { roundId: string; closesAt: string }) => void;
}

export interface SocketData {
	userId: string;
	name: string;
}

/**
 * WebSocket close codes of the board endpoint. The stock y-websocket provider treats 4400-4499 as
 * final (it stops reconnecting and emits `closed`) and reconnects after anything else.
 */
export const CloseCode = {
	BadFrame: 4400,
	Unauthorized: 4401,
	Forbidden: 4403,
	NotFound: 4404,
	MessageTooLarge: 4413,
	RateLimited: 4429,
	/** Storage failed: nothing was lost or broadcast; the client reconnects and resends. */
	StorageUnavailable: 4503,
	/** The server is shutting down; the client reconnects (to this or another instance). */
	GoingAway: 1001
} as const;
