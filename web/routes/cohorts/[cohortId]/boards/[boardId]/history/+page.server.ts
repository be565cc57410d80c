import type { PageServerLoad } from './$types';
import { orError, requireUser } from '$lib/server/guard';
import { boardInCohort } from '../../board-actions.server';

/** At most this many steps are replayed; a longer history is grouped into this many steps. */
const MAX_STEPS = 400;

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { cohortId, boardId } = event.params;
	const board = await orError(boardInCohort(event, user, cohortId, boardId));
	const { hearth } = event.locals;
	const [rows, members] = await Promise.all([
		hearth.boards.store.updatesAfter(board.id, 0),
		hearth.cohorts.view(user, cohortId).then((v) => v.members)
	]);
	const names = new Map(members.map((m) => [m.userId, m.name]));
	// Updates in log order, grouped so the slider has at most MAX_STEPS positions; each step keeps the
	// time and authors of its last update.
	const per = Math.max(1, Math.ceil(rows.length / MAX_STEPS));
	const steps: { at: string; authors: string[]; updates: string[] }[] = [];
	for (let i = 0; i < rows.length; i += per) {
		const chunk = rows.slice(i, i + per);
		steps.push({
			at: chunk.at(-1)!.createdAt,
			authors: [...new Set(chunk.map((r) => (r.userId ? (names.get(r.userId) ?? 'A former member') : 'Hearth')))],
			updates: chunk.map((r) => Buffer.from(r.data).toString('base64'))
		});
	}
	return { board: { id: board.id, title: board.title }, steps, total: rows.length };
};
