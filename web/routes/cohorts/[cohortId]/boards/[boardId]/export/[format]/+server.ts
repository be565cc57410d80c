import { error } from '@sveltejs/kit';
import * as Y from 'yjs';
import type { RequestHandler } from './$types';
import { BoardDoc } from '$shared/board-doc.ts';
import { EXPORT_FORMATS, exportBoard, exportFileName, isExportFormat } from '$shared/board-formats.ts';
import { orError, requireUser } from '$lib/server/guard';
import { boardInCohort } from '../../../board-actions.server';

/**
 * A board as a file, from its stored state (snapshot + log): the same functions the map page uses,
 * so a download from either agrees.
 */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const { cohortId, boardId, format } = event.params;
	if (!isExportFormat(format)) error(404, { message: 'There is no such export format.', code: 'not_found' });
	const board = await orError(boardInCohort(event, user, cohortId, boardId));
	const store = event.locals.hearth.boards.store;
	const doc = new Y.Doc();
	try {
		const snapshot = await store.snapshot(board.id);
		doc.transact(() => {
			if (snapshot) Y.applyUpdate(doc, snapshot.data);
		});
		for (const u of await store.updatesAfter(board.id, snapshot?.uptoId ?? 0)) Y.applyUpdate(doc, u.data);
		const body = exportBoard(new BoardDoc(doc), format, board.title);
		return new Response(body, {
			headers: {
				'content-type': `${EXPORT_FORMATS[format].type}; charset=utf-8`,
				'content-disposition': `attachment; filename="${exportFileName(board.title, format)}"`,
				'cache-control': 'no-store'
			}
		});
	} finally {
		doc.destroy();
	}
};
