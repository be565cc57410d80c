/** Every row of the tables a convening or a board changes, in a stable order, to compare before and after. */
import type { Db } from '../../server/db/open.ts';

export const STATE_TABLES = [
	'cohorts',
	'memberships',
	'teams',
	'convenings',
	'agenda_items',
	'convening_live',
	'attendance',
	'chat_messages',
	'rounds',
	'round_groups',
	'round_assignments',
	'boards',
	'board_members',
	'board_updates',
	'board_snapshots',
	'media_presence'
] as const;

export async function dbRows(db: Db, tables: readonly (typeof STATE_TABLES)[number][] = STATE_TABLES): Promise<Record<string, string[]>> {
	const out: Record<string, string[]> = {};
	for (const table of tables) {
		const rows = await db.kysely.selectFrom(table).selectAll().execute();
		// Buffers (board updates) compare by content.
		out[table] = rows
			.map((r) => JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)))
			.sort();
	}
	return out;
}
