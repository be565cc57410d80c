/**
 * A member's year in a cohort: the record a practitioner keeps toward certification — the
 * convenings they attended (with minutes), the check-in circles they sat in, and the boards they
 * drew on. Read-only queries over what the other features already store.
 */
import type { Db } from '../db/open.ts';

export interface YearRecord {
	convenings: { id: string; title: string; startsAt: string; minutes: number }[];
	circles: { conveningId: string; conveningTitle: string; prompt: string; openedAt: string; groupName: string }[];
	boards: { id: string; title: string; changes: number; lastAt: string }[];
}

export async function memberYear({ kysely }: Db, cohortId: string, userId: string): Promise<YearRecord> {
	const spans = await kysely
		.selectFrom('attendance')
		.innerJoin('convenings', 'convenings.id', 'attendance.convening_id')
		.select(['convenings.id', 'convenings.title', 'convenings.starts_at', 'attendance.joined_at', 'attendance.left_at'])
		.where('convenings.cohort_id', '=', cohortId)
		.where('attendance.user_id', '=', userId)
		.orderBy('convenings.starts_at')
		.execute();
	const byConvening = new Map<string, YearRecord['convenings'][number]>();
	for (const s of spans) {
		const entry = byConvening.get(s.id) ?? { id: s.id, title: s.title, startsAt: s.starts_at, minutes: 0 };
		// An open span (still connected) counts up to now.
		const end = s.left_at ? Date.parse(s.left_at) : Date.now();
		entry.minutes += Math.max(0, Math.round((end - Date.parse(s.joined_at)) / 60_000));
		byConvening.set(s.id, entry);
	}
	const circles = await kysely
		.selectFrom('round_assignments')
		.innerJoin('rounds', 'rounds.id', 'round_assignments.round_id')
		.innerJoin('round_groups', 'round_groups.id', 'round_assignments.group_id')
		.innerJoin('convenings', 'convenings.id', 'rounds.convening_id')
		.select([
			'convenings.id as conveningId',
			'convenings.title as conveningTitle',
			'rounds.prompt',
			'rounds.opened_at',
			'round_groups.name'
		])
		.where('convenings.cohort_id', '=', cohortId)
		.where('round_assignments.user_id', '=', userId)
		.where('rounds.kind', '=', 'circle')
		.orderBy('rounds.opened_at')
		.execute();
	const boards = await kysely
		.selectFrom('board_updates')
		.innerJoin('boards', 'boards.id', 'board_updates.board_id')
		.select((eb) => [
			'boards.id',
			'boards.title',
			eb.fn.countAll<number>().as('changes'),
			eb.fn.max('board_updates.created_at').as('lastAt')
		])
		.where('boards.cohort_id', '=', cohortId)
		.where('board_updates.user_id', '=', userId)
		.groupBy(['boards.id', 'boards.title'])
		.orderBy('lastAt', 'desc')
		.execute();
	return {
		convenings: [...byConvening.values()],
		circles: circles.map((c) => ({
			conveningId: c.conveningId,
			conveningTitle: c.conveningTitle,
			prompt: c.prompt,
			openedAt: c.opened_at,
			groupName: c.name
		})),
		boards: boards.map((b) => ({ id: b.id, title: b.title, changes: Number(b.changes), lastAt: String(b.lastAt) }))
	};
}
