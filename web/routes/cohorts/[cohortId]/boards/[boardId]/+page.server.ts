import type { Actions, PageServerLoad } from './$types';
import { can } from '$shared/roles.ts';
import { orError, requireUser } from '$lib/server/guard';
import { archiveBoard, boardInCohort, renameBoard, setBoardPolicy } from '../board-actions.server';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { cohortId, boardId } = event.params;
	const board = await orError(boardInCohort(event, user, cohortId, boardId));
	const view = await orError(event.locals.hearth.cohorts.view(user, cohortId));
	const convening = board.conveningId ? view.convenings.find((c) => c.id === board.conveningId) : undefined;
	const creator = board.createdBy ? view.members.find((m) => m.userId === board.createdBy) : undefined;
	return {
		board: {
			id: board.id,
			title: board.title,
			writePolicy: board.writePolicy,
			groupId: board.groupId,
			createdAt: board.createdAt,
			updatedAt: board.updatedAt,
			archivedAt: board.archivedAt,
			archived: board.archivedAt !== null,
			access: board.access
		},
		convening: convening ? { id: convening.id, title: convening.title } : null,
		creatorName: creator ? creator.name : null,
		canRename: board.canManage,
		canManageBoard: can(view.role, 'convening.manage')
	};
};

export const actions: Actions = {
	rename: (event) => renameBoard(event, event.params.cohortId, event.params.boardId),
	policy: (event) => setBoardPolicy(event, event.params.cohortId, event.params.boardId),
	archive: (event) => archiveBoard(event, event.params.cohortId, true, event.params.boardId),
	unarchive: (event) => archiveBoard(event, event.params.cohortId, false, event.params.boardId)
};
