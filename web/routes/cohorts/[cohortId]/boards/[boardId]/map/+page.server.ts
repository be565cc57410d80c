import type { PageServerLoad } from './$types';
import { orError, requireUser } from '$lib/server/guard';
import { boardInCohort } from '../../board-actions.server';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const board = await orError(boardInCohort(event, user, event.params.cohortId, event.params.boardId));
	return {
		board: { id: board.id, title: board.title, access: board.access, archived: board.archivedAt !== null },
		me: { id: user.id, name: user.name }
	};
};
