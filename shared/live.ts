/**
 * The live convening contract: payload schemas (validated at the server's edge) and the state
 * the server sends. The server is authoritative; a client renders `ConveningState` as received
 * and, after any reconnect, asks for all of it again (never a partial replay).
 */
import { z } from 'zod';
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
	/** Server time when this state was made, so clients can correct their clock for timers. */
	serverNow: number;
}

export interface JoinResult {
	state: ConveningState;
	me: { userId: string; role: Role; room: string; canSpeak: boolean };
	chat: ChatMessage[];
}

export const MAIN_ROOM = 'main';
