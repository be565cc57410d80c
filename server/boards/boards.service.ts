/** Board records: create, list, rename, change write policy, archive; and board tokens. */
import { AppError, ErrorCode } from '../../shared/errors.ts';
import { BOARD_LIMITS, BOARD_SCHEMA_VERSION, WRITE_POLICIES, boardCreateSchema, type WritePolicy } from '../../shared/board.ts';
import { fieldErrors } from '../../shared/schemas.ts';
import { can, type Role } from '../../shared/roles.ts';
import { iso, type Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
import { newId, newSecret } from '../ids.ts';
import type { User } from '../auth/users.store.ts';
import type { RequireAccess } from '../cohorts/access.ts';
import { cohortsStore } from '../cohorts/cohorts.store.ts';
import { conveningsStore } from '../cohorts/convenings.store.ts';
import { boardAccess, type BoardAccess } from './board-access.ts';
import { boardTokens, type BoardTokens } from './board-tokens.ts';
import { boardsStore, serverSecret, type Board } from './boards.store.ts';
import * as Y from 'yjs';
import { BoardDoc } from '../../shared/board-doc.ts';
import { templateById } from '../../shared/templates.ts';

export interface BoardView extends Board {
	access: Exclude<BoardAccess, 'none'>;
	canManage: boolean;
}

export function boardsService(deps: {
	db: Db;
	clock: Clock;
	requireAccess: RequireAccess;
	/** Called after a change that may alter who can open or edit boards. */
	onAccessChanged: (filter: { cohortId?: string; boardId?: string }) => void;
}) {
	const { db, clock, requireAccess } = deps;
	const store = boardsStore(db);
	const cohorts = cohortsStore(db);
	const convenings = conveningsStore(db);
	let tokens: Promise<BoardTokens> | undefined;

	async function viewOf(board: Board, user: User, role: Role): Promise<BoardView> {
		const inGroup = board.writePolicy === 'group' ? (await store.members(board.id)).includes(user.id) : false;
		const access = boardAccess(board, role, inGroup);
		return { ...board, access: access === 'none' ? 'read' : access, canManage: canManage(board, user, role) };
	}

	const canManage = (board: Board, user: User, role: Role) => role === 'facilitator' || (role === 'member' && board.createdBy === user.id);

	/** The board and the actor's role, or NotFound for anyone outside its cohort. */
	async function boardFor(user: User | undefined, boardId: string): Promise<{ board: Board; role: Role }> {
		const board = /^[A-Za-z0-9_-]{1,100}$/.test(boardId) ? await store.byId(boardId) : undefined;
		if (!board) throw new AppError(ErrorCode.NotFound);
		const role = await requireAccess(user?.id, board.cohortId, 'cohort.view');
		return { board, role };
	}

	return {
		store,
		tokens: () => (tokens ??= serverSecret(db, 'board-token', newSecret).then(boardTokens)),

		async create(user: User, cohortId: string, input: unknown, memberIds: string[] = []): Promise<Board> {
			const [board] = await this.createMany(user, cohortId, [{ input, memberIds }]);
			return board!;
		},

		/**
		 * Several boards at once (a round's group boards): one access check, one membership query,
		 * each template's first update made once, everything stored in one transaction.
		 */
		async createMany(user: User, cohortId: string, items: { input: unknown; memberIds?: string[] }[]): Promise<Board[]> {
			const role = await requireAccess(user.id, cohortId, 'cohort.view');
			if (role === 'observer') throw new AppError(ErrorCode.Forbidden);
			const inputs = items.map(({ input }) => {
				const r = boardCreateSchema.safeParse(input);
				if (!r.success) throw new AppError(ErrorCode.BadRequest, 'Please correct the highlighted fields.', fieldErrors(r.error));
				// Members make boards anyone in the cohort may edit; other policies are a facilitator's call.
				if (role !== 'facilitator' && r.data.writePolicy !== 'cohort') throw new AppError(ErrorCode.Forbidden);
				if (r.data.template && !templateById(r.data.template))
					throw new AppError(ErrorCode.BadRequest, 'Choose a template from the list.', { template: 'Choose a template from the list.' });
				return r.data;
			});
			for (const conveningId of new Set(inputs.flatMap((d) => (d.conveningId ? [d.conveningId] : []))))
				if (!(await convenings.byId(cohortId, conveningId))) throw new AppError(ErrorCode.NotFound);
			const now = iso(clock.now());
			// The template is the board's first logged update, authored by its creator, before anyone opens it.
			const firsts = new Map<string, Uint8Array>();
			const firstUpdate = (templateId: string) => {
				let data = firsts.get(templateId);
				if (!data) {
					const doc = new Y.Doc();
					const boardDoc = new BoardDoc(doc);
					boardDoc.init();
					boardDoc.applyTemplate(templateById(templateId)!.template, 'template', { x: 0, y: 0 });
					firsts.set(templateId, (data = Y.encodeStateAsUpdate(doc)));
					doc.destroy();
				}
				return data;
			};
			const inCohort = await cohorts.membersAmong(cohortId, [...new Set(items.flatMap((i) => i.memberIds ?? []))]);
			const rows = inputs.map((d, i) => ({
				board: {
					id: newId(),
					cohortId,
					conveningId: d.conveningId ?? null,
					groupId: d.groupId ?? null,
					title: d.title,
					writePolicy: d.writePolicy,
					schemaVersion: BOARD_SCHEMA_VERSION,
					createdBy: user.id,
					createdAt: now,
					updatedAt: now,
					archivedAt: null
				} satisfies Board,
				memberIds: (items[i]!.memberIds ?? []).filter((id) => inCohort.has(id)),
				...(d.template ? { first: { data: firstUpdate(d.template), userId: user.id, createdAt: now } } : {})
			}));
			await store.insertMany(rows);
			return rows.map((r) => r.board);
		},

		async get(user: User | undefined, boardId: string): Promise<BoardView> {
			const { board, role } = await boardFor(user, boardId);
			return viewOf(board, user!, role);
		},

		async list(
			user: User,
			cohortId: string,
			filter: { conveningId?: string; groupId?: string; includeArchived?: boolean } = {}
		): Promise<BoardView[]> {
			const role = await requireAccess(user.id, cohortId, 'cohort.view');
			const boards = await store.list(cohortId, filter);
			return Promise.all(boards.map((b) => viewOf(b, user, role)));
		},

		async rename(user: User, boardId: string, title: unknown): Promise<void> {
			const { board, role } = await boardFor(user, boardId);
			if (!canManage(board, user, role)) throw new AppError(ErrorCode.Forbidden);
			const r = boardCreateSchema.shape.title.safeParse(title);
			if (!r.success) throw new AppError(ErrorCode.BadRequest, r.error.issues[0]!.message, { title: r.error.issues[0]!.message });
			await store.update(boardId, { title: r.data, updatedAt: iso(clock.now()) });
		},

		async setWritePolicy(user: User, boardId: string, policy: unknown): Promise<void> {
			const { board, role } = await boardFor(user, boardId);
			if (!can(role, 'convening.manage')) throw new AppError(ErrorCode.Forbidden);
			if (!WRITE_POLICIES.includes(policy as WritePolicy))
				throw new AppError(ErrorCode.BadRequest, 'Choose who may edit.', { writePolicy: 'Choose who may edit.' });
			await store.update(board.id, { writePolicy: policy as WritePolicy, updatedAt: iso(clock.now()) });
			deps.onAccessChanged({ boardId: board.id });
		},

		async setArchived(user: User, boardId: string, archived: boolean): Promise<void> {
			const { board, role } = await boardFor(user, boardId);
			if (!can(role, 'convening.manage')) throw new AppError(ErrorCode.Forbidden);
			const now = iso(clock.now());
			await store.update(board.id, { archivedAt: archived ? now : null, updatedAt: now });
			deps.onAccessChanged({ boardId: board.id });
		},

		/** Sets a group board's members (the live convening does this when it makes groups). */
		async setMembers(user: User, boardId: string, memberIds: string[]): Promise<void> {
			const { board, role } = await boardFor(user, boardId);
			if (!can(role, 'convening.manage')) throw new AppError(ErrorCode.Forbidden);
			const members = [];
			for (const id of memberIds) if (await cohorts.roleOf(board.cohortId, id)) members.push(id);
			await store.setMembers(board.id, members);
			deps.onAccessChanged({ boardId: board.id });
		},

		/** A short-lived token to open one board without the session cookie. */
		async mintToken(user: User, boardId: string): Promise<{ token: string; expiresAt: string }> {
			await boardFor(user, boardId);
			const expiresAt = clock.now() + BOARD_LIMITS.tokenTtlMs;
			return { token: (await this.tokens()).mint(boardId, user.id, expiresAt), expiresAt: iso(expiresAt) };
		}
	};
}

export type BoardsService = ReturnType<typeof boardsService>;
