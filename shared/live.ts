/**
 * The live convening contract: payload schemas (validated at the server's edge) and the state
 * the server sends. The server is authoritative; a client renders `ConveningState` as received
 * and, after any reconnect, asks for all of it again (never a partial replay).
 */
import { z } from 'zod';
import type { CirclePhase, CircleProgress, CircleStatus } from './circle.ts';
import { groupingModeSchema } from './grouping.ts';
import type { Role } from './roles.ts';

export const CONVENING_PHASES = ['scheduled', 'open', 'live', 'ended'] as const;
export type ConveningPhase = (typeof CONVENING_PHASES)[number];

export const PHASE_LABELS: Record<ConveningPhase, string> = {
	scheduled: 'Not open yet',
	open: 'Open: people are arriving',
	live: 'Live',
	ended: 'Ended'
};

export const REACTIONS = ['heart', 'clap', 'smile', 'bulb', 'hands'] as const;
export type Reaction = (typeof REACTIONS)[number];
export const REACTION_EMOJI: Record<Reaction, string> = { heart: '💛', clap: '👏', smile: '🙂', bulb: '💡', hands: '🙏' };

export const MAX_CHAT = 2000;
/** Chat lines a client receives when it joins or resyncs. */
export const CHAT_HISTORY = 200;

const id = z.string().min(1).max(100);

export const joinPayload = z.object({ conveningId: id }).strict();
export const chatPayload = z
	.object({ body: z.string().trim().min(1, 'Write something first.').max(MAX_CHAT, `Use at most ${MAX_CHAT} characters.`) })
	.strict();
export const handPayload = z.object({ userId: id.optional() }).strict();
export const reactionPayload = z.object({ reaction: z.enum(REACTIONS) }).strict();
export const agendaPayload = z.object({ index: z.number().int().min(0).max(49) }).strict();
export const phasePayload = z.object({ phase: z.enum(CONVENING_PHASES) }).strict();

export const ROUND_KINDS = ['circle', 'open'] as const;
export type RoundKind = (typeof ROUND_KINDS)[number];
/** How long a wind-down lasts before a round closes: the gentle one-minute notice. */
export const WIND_DOWN_MS = 60_000;
/** When the one-minute warning is given before a round's end. */
export const WARNING_MS = 60_000;

export const roundOpenPayload = z
	.object({
		kind: z.enum(ROUND_KINDS),
		grouping: z.union([groupingModeSchema, z.object({ kind: z.literal('reuse'), roundId: id }).strict()]),
		prompt: z.string().trim().max(500, 'Use at most 500 characters for the prompt.').default(''),
		durationMinutes: z
			.number()
			.int('Enter whole minutes.')
			.min(1, 'A round lasts at least 1 minute.')
			.max(240, 'A round lasts at most 240 minutes.'),
		/** Each group's board starts from this template (shared/templates.ts id). */
		boardTemplate: z.string().max(100).optional(),
		circle: z
			.object({
				order: z.enum(['random', 'join']).default('random'),
				turnSeconds: z.number().int().min(10).max(1800).nullable().default(null),
				listenOnly: z.boolean().default(true)
			})
			.strict()
			.optional()
	})
	.strict();
export type RoundOpenPayload = z.input<typeof roundOpenPayload>;

export const roundBroadcastPayload = z
	.object({ message: z.string().trim().min(1, 'Write a message.').max(500, 'Use at most 500 characters.') })
	.strict();
export const roundExtendPayload = z.object({ minutes: z.number().int().min(1).max(120) }).strict();
export const roundMovePayload = z.object({ userId: id, groupId: id }).strict();
export const roundVisitPayload = z.object({ groupId: id.nullable() }).strict();
export const roundClosePayload = z.object({ mode: z.enum(['now', 'wind-down']) }).strict();
export const roundChoosePayload = z.object({ groupId: id }).strict();
export const circleGroupPayload = z.object({ groupId: id.optional() }).strict();
export const circleSkipPayload = z.object({ userId: id, groupId: id.optional() }).strict();
export const circleKeeperPayload = z.object({ groupId: id, userId: id.nullable() }).strict();
export const circleReorderPayload = z.object({ groupId: id, order: z.array(id).max(200) }).strict();

export interface CircleView extends CircleProgress {
	phase: CirclePhase;
	status: CircleStatus;
	order: string[];
	turnEndsAt: number | null;
}

export interface GroupView {
	id: string;
	name: string;
	boardId: string | null;
	memberIds: string[];
	circle: CircleView | null;
	/** The member keeping this group's circle (may skip someone who has gone), if named. */
	keeperId: string | null;
}

export interface RoundView {
	id: string;
	kind: RoundKind;
	prompt: string;
	status: 'open' | 'closing';
	openedAt: string;
	/** When the round ends (ISO); clients count down from it, corrected by `serverNow`. */
	deadlineAt: string;
	/** During a wind-down: when everyone returns. */
	closesAt: string | null;
	groups: GroupView[];
	/** Waiting to be placed (self-select, or late joiners in a manual round). */
	unassigned: string[];
	/** Self-select: how many fit in a group. */
	cap: number | null;
	/** Check-in circles: only the piece holder publishes audio. */
	listenOnly: boolean;
	turnLimitMs: number | null;
}

export interface RosterEntry {
	userId: string;
	name: string;
	role: Role;
	teamId: string | null;
	/** Has at least one live connection to this convening. */
	connected: boolean;
	/** Where they are: the main room, or a breakout group's id. */
	room: string;
	/** When the hand went up (server ms), or null. */
	handRaisedAt: number | null;
}

export interface ChatMessage {
	id: string;
	room: string;
	userId: string;
	name: string;
	body: string;
	at: string;
}

export interface AgendaView {
	items: { title: string; durationMinutes: number }[];
	/** The current item, or -1 before the first one starts. */
	index: number;
	/** When the current item started (ISO), for its timer. */
	startedAt: string | null;
}

export interface ConveningState {
	conveningId: string;
	cohortId: string;
	title: string;
	startsAt: string;
	durationMinutes: number;
	phase: ConveningPhase;
	agenda: AgendaView;
	/** Everyone who joined at least once, present or not, with hands in the order raised. */
	roster: RosterEntry[];
	/** The breakout round in progress, if any. */
	round: RoundView | null;
	/** Server time when this state was made, so clients can correct their clock for timers. */
	serverNow: number;
	/** One per loading of the convening by its holder (a restart or a new holder starts another) [CV5]. */
	epoch: string;
	/** Goes up by one with every announcement (state or presence) in the epoch [CV5]. */
	version: number;
}

/** One roster entry changed (arrived, left, hand up or down): sent instead of the whole state [CV5]. */
export interface PresenceChange {
	conveningId: string;
	epoch: string;
	version: number;
	entry: RosterEntry;
}

export interface MediaConfig {
	/** 'livekit' when the server has a LiveKit server configured, else peer-to-peer. */
	mode: 'p2p' | 'livekit';
	/** STUN/TURN servers for peer-to-peer connections (ICE_SERVERS). */
	iceServers: { urls: string | string[]; username?: string; credential?: string }[];
	/** Peer-to-peer rooms hold at most this many people with video (P2P_MAX_PARTICIPANTS). */
	maxParticipants: number;
	/** Who may share their screen: facilitators only, or everyone who may speak. */
	screenShare: 'facilitators' | 'everyone';
}

export interface JoinResult {
	state: ConveningState;
	me: { userId: string; role: Role; room: string; canSpeak: boolean };
	chat: ChatMessage[];
	media: MediaConfig;
}

/** A WebRTC signalling message relayed between two people in the same room (peer-to-peer mode). */
export const mediaSignalPayload = z
	.object({
		to: id,
		// `sid` names the sender's connection to this peer: a new one means "start over", so two
		// sides never renegotiate across a connection one of them has already dropped.
		data: z.union([
			// Within socket.io's 64 KiB message limit (maxHttpBufferSize); real SDPs are a few KiB.
			z.object({ type: z.enum(['offer', 'answer']), sid: z.string().min(1).max(40), sdp: z.string().max(60_000) }).strict(),
			z
				.object({
					type: z.literal('candidate'),
					sid: z.string().min(1).max(40),
					candidate: z
						.object({
							candidate: z.string().max(2000),
							sdpMid: z.string().max(100).nullable().optional(),
							sdpMLineIndex: z.number().int().min(0).max(1000).nullable().optional(),
							usernameFragment: z.string().max(200).nullable().optional()
						})
						.strict()
						.nullable()
				})
				.strict()
		])
	})
	.strict();
export type MediaSignal = z.infer<typeof mediaSignalPayload>['data'];

export const MAIN_ROOM = 'main';
