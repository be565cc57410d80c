/**
 * Table types for Kysely. Times are ISO 8601 UTC strings (`2026-06-22T15:00:00.000Z`) in both
 * engines: they sort as text, compare as text, and need no per-engine type parsing.
 * Booleans are stored as 0/1 integers for the same reason.
 */
import type { Generated } from 'kysely';
import type { Role } from '../../shared/roles.ts';

export interface UsersTable {
	id: string;
	email: string;
	name: string;
	password_hash: string;
	time_zone: string | null;
	/** UI language code, e.g. "es"; null: chosen from the browser. */
	language: string | null;
	created_at: string;
}

export interface SessionsTable {
	/** SHA-256 of the cookie token, hex: a leaked table does not leak sessions. */
	id: string;
	user_id: string;
	created_at: string;
	expires_at: string;
}

export interface CohortsTable {
	id: string;
	name: string;
	description: string;
	starts_on: string;
	ends_on: string;
	time_zone: string;
	/** The calendar feed secret (a capability URL shown to members); null when no feed link is active. */
	ics_token: string | null;
	created_at: string;
}

export interface TeamsTable {
	id: string;
	cohort_id: string;
	name: string;
	created_at: string;
}

export interface MembershipsTable {
	cohort_id: string;
	user_id: string;
	role: Role;
	team_id: string | null;
	created_at: string;
}

export interface ConveningsTable {
	id: string;
	cohort_id: string;
	kind: 'convening' | 'retreat';
	title: string;
	description: string;
	starts_at: string;
	duration_minutes: number;
	status: 'scheduled' | 'cancelled';
	created_by: string | null;
	created_at: string;
	updated_at: string;
}

export interface AgendaItemsTable {
	id: string;
	convening_id: string;
	position: number;
	title: string;
	duration_minutes: number;
}

export interface InvitesTable {
	id: string;
	token_hash: string;
	cohort_id: string;
	role: Role;
	email: string | null;
	created_by: string;
	created_at: string;
	expires_at: string;
	used_at: string | null;
	used_by: string | null;
}

export interface BoardsTable {
	id: string;
	cohort_id: string;
	convening_id: string | null;
	/** The breakout group this board belongs to (groups arrive with the live convening). */
	group_id: string | null;
	title: string;
	write_policy: 'cohort' | 'group' | 'facilitators' | 'locked';
	schema_version: number;
	created_by: string | null;
	created_at: string;
	updated_at: string;
	archived_at: string | null;
}

export interface BoardMembersTable {
	board_id: string;
	user_id: string;
}

export interface BoardUpdatesTable {
	/** Assigned by the database, increasing: the log's order and the compaction watermark. */
	id: Generated<number>;
	board_id: string;
	data: Uint8Array;
	user_id: string | null;
	created_at: string;
}

export interface BoardSnapshotsTable {
	board_id: string;
	data: Uint8Array;
	/** The last update id folded into this snapshot; loading reads the updates after it. */
	upto_id: number;
	created_at: string;
}

export interface ServerSecretsTable {
	name: string;
	value: string;
}

export interface ConveningLiveTable {
	convening_id: string;
	phase: 'scheduled' | 'open' | 'live' | 'ended';
	agenda_index: number;
	agenda_started_at: string | null;
	updated_at: string;
}

export interface AttendanceTable {
	id: string;
	convening_id: string;
	user_id: string;
	joined_at: string;
	left_at: string | null;
}

export interface ChatMessagesTable {
	id: string;
	convening_id: string;
	room: string;
	user_id: string | null;
	body: string;
	created_at: string;
}

export interface RoundsTable {
	id: string;
	convening_id: string;
	kind: 'circle' | 'open';
	prompt: string;
	/** The grouping mode as requested (JSON), so a later round can reuse its groups. */
	grouping: string;
	status: 'open' | 'closing' | 'closed';
	opened_at: string;
	deadline_at: string;
	/** With a wind-down: when the round will close. */
	closes_at: string | null;
	closed_at: string | null;
	/** Circle options (JSON): turn limit, listen-only. */
	options: string;
}

export interface RoundGroupsTable {
	id: string;
	round_id: string;
	position: number;
	name: string;
	board_id: string | null;
	/** The check-in circle's state (JSON, shared/circle.ts), for circle rounds. */
	circle: string | null;
	/** A member the facilitator named to keep the circle (may skip someone who has gone). */
	keeper_id: string | null;
}

export interface RoundAssignmentsTable {
	round_id: string;
	user_id: string;
	/** null: not placed yet (self-select, or a late joiner waiting for the facilitator). */
	group_id: string | null;
}

/** A LiveKit participant session in one room, from webhooks (participant_joined / participant_left). */
export interface MediaPresenceTable {
	id: string;
	convening_id: string;
	/** The Hearth room: `main` or a breakout group's id. */
	room: string;
	user_id: string;
	/** LiveKit's id for this connection; a retried webhook carries the same one. */
	participant_sid: string;
	joined_at: string;
	left_at: string | null;
}

export interface Database {
	users: UsersTable;
	sessions: SessionsTable;
	cohorts: CohortsTable;
	teams: TeamsTable;
	memberships: MembershipsTable;
	convenings: ConveningsTable;
	agenda_items: AgendaItemsTable;
	invites: InvitesTable;
	boards: BoardsTable;
	board_members: BoardMembersTable;
	board_updates: BoardUpdatesTable;
	board_snapshots: BoardSnapshotsTable;
	server_secrets: ServerSecretsTable;
	convening_live: ConveningLiveTable;
	attendance: AttendanceTable;
	chat_messages: ChatMessagesTable;
	rounds: RoundsTable;
	round_groups: RoundGroupsTable;
	round_assignments: RoundAssignmentsTable;
	media_presence: MediaPresenceTable;
}
