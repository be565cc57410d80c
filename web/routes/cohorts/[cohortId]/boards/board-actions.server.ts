/**
 * Board record actions shared by the board list and a board's own page. The board service checks
 * who may do what; these also make sure the board belongs to the cohort in the URL, since a
 * facilitator of two cohorts could otherwise reach one cohort's board through the other's pages.
 */
import type { RequestEvent } from '@sveltejs/kit';
import { AppError, ErrorCode } from '$shared/errors.ts';
import type { User } from '../../../../../server/auth/users.store.ts';
import type { BoardView } from '../../../../../server/boards/boards.service.ts';
import { orFail, requireUser } from '$lib/server/guard';
import { m } from '$lib/i18n';
import type { BoardForm, BoardFormValues } from './board-forms';

type ActionEvent = Pick<RequestEvent, 'locals' | 'url' | 'request'>;

/** The board, or NotFound when it is not one of this cohort's boards (or the user may not see it). */
export async function boardInCohort(
	event: Pick<RequestEvent, 'locals'>,
	user: User,
	cohortId: string,
	boardId: string
): Promise<BoardView> {
	const board = await event.locals.hearth.boards.get(user, boardId);
	if (board.cohortId !== cohortId) throw new AppError(ErrorCode.NotFound);
	return board;
}

function text(data: FormData, key: string): string {
	const v = data.get(key);
	return typeof v === 'string' ? v : '';
}

const done = (form: BoardForm, boardId: string, message: string) => ({ form, boardId, message });

export async function createBoard(event: ActionEvent, cohortId: string) {
	const user = requireUser(event);
	const data = await event.request.formData();
	const values: BoardFormValues = {
		form: 'create',
		boardId: '',
		title: text(data, 'title'),
		writePolicy: text(data, 'writePolicy'),
		conveningId: text(data, 'conveningId'),
		template: text(data, 'template')
	};
	// Members' form has no policy field: the service's default ('cohort') is the only one they may use.
	const input = {
		title: values.title,
		...(values.writePolicy ? { writePolicy: values.writePolicy } : {}),
		...(values.conveningId ? { conveningId: values.conveningId } : {}),
		...(values.template ? { template: values.template } : {})
	};
	const r = await orFail(event.locals.hearth.boards.create(user, cohortId, input), values);
	return r.ok ? done('create', r.data.id, m.boards_created({ title: r.data.title })) : r.failure;
}

/** `boardId` comes from the URL on a board's page and from the form on the list. */
export async function renameBoard(event: ActionEvent, cohortId: string, boardId?: string) {
	const user = requireUser(event);
	const data = await event.request.formData();
	const values: BoardFormValues = { form: 'rename', boardId: boardId ?? text(data, 'boardId'), title: text(data, 'title') };
	const r = await orFail(
		(async () => {
			await boardInCohort(event, user, cohortId, values.boardId);
			await event.locals.hearth.boards.rename(user, values.boardId, values.title);
		})(),
		values
	);
	return r.ok ? done('rename', values.boardId, m.boards_renamed()) : r.failure;
}

export async function setBoardPolicy(event: ActionEvent, cohortId: string, boardId?: string) {
	const user = requireUser(event);
	const data = await event.request.formData();
	const values: BoardFormValues = { form: 'policy', boardId: boardId ?? text(data, 'boardId'), writePolicy: text(data, 'writePolicy') };
	const r = await orFail(
		(async () => {
			await boardInCohort(event, user, cohortId, values.boardId);
			await event.locals.hearth.boards.setWritePolicy(user, values.boardId, values.writePolicy);
		})(),
		values
	);
	return r.ok ? done('policy', values.boardId, m.boards_policy_changed()) : r.failure;
}

export async function archiveBoard(event: ActionEvent, cohortId: string, archived: boolean, boardId?: string) {
	const user = requireUser(event);
	const data = await event.request.formData();
	const form = archived ? 'archive' : 'unarchive';
	const values: BoardFormValues = { form, boardId: boardId ?? text(data, 'boardId') };
	const r = await orFail(
		(async () => {
			await boardInCohort(event, user, cohortId, values.boardId);
			await event.locals.hearth.boards.setArchived(user, values.boardId, archived);
		})(),
		values
	);
	const message = archived ? m.boards_archived_done() : m.boards_back_in_use();
	return r.ok ? done(form, values.boardId, message) : r.failure;
}
