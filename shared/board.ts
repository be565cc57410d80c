/**
 * Boards: the records' contract and the board document schema's home. The server is
 * content-agnostic (it stores and relays Yjs updates); the editor reads and writes the document
 * through the typed accessors that will live here, never through raw Y.Map keys.
 */
import { z } from 'zod';

/** Bumped with each change to the document's shape; the editor migrates older documents up. */
export const BOARD_SCHEMA_VERSION = 1;

export const WRITE_POLICIES = ['cohort', 'group', 'facilitators', 'locked'] as const;
export type WritePolicy = (typeof WRITE_POLICIES)[number];

export const WRITE_POLICY_LABELS: Record<WritePolicy, string> = {
	cohort: 'Everyone in the cohort (not observers)',
	group: 'Members of its breakout group',
	facilitators: 'Facilitators only',
	locked: 'Nobody: locked'
};

export const boardIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'Not a board id.');

export const boardCreateSchema = z.object({
	title: z.string().trim().min(1, 'Give the board a title.').max(120, 'Use at most 120 characters.'),
	writePolicy: z.enum(WRITE_POLICIES, { message: 'Choose who may edit.' }).default('cohort'),
	conveningId: z.string().max(100).optional(),
	groupId: z.string().max(100).optional(),
	/** Start from a template (shared/templates.ts id). */
	template: z.string().max(100).optional()
});
export type BoardCreateInput = z.infer<typeof boardCreateSchema>;

/** Limits of the board endpoint, documented in docs/PROTOCOL.md. */
export const BOARD_LIMITS = {
	/** Largest accepted websocket message, bytes; larger ones close the connection with 4413. */
	maxFrameBytes: 1024 * 1024,
	/** Token bucket per connection: sustained messages per second, and burst. */
	messagesPerSecond: 60,
	messageBurst: 300,
	/** Board tokens for non-browser clients live this long. */
	tokenTtlMs: 5 * 60_000
} as const;
