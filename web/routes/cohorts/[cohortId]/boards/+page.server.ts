import type { Actions, PageServerLoad } from './$types';
import { can } from '$shared/roles.ts';
import { TEMPLATES, type TemplateCategory } from '$shared/templates.ts';
import { orError, requireUser } from '$lib/server/guard';
import { m } from '$lib/i18n';
import { archiveBoard, createBoard, renameBoard, setBoardPolicy } from './board-actions.server';

const CATEGORY_LABELS: Record<TemplateCategory, () => string> = {
	'thinking-tool': m.template_thinking_tools,
	loop: m.template_loops,
	archetype: m.template_archetypes
};

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { hearth } = event.locals;
	const { cohortId } = event.params;
	const q = event.url.searchParams;
	const filter = { convening: q.get('convening') ?? '', group: q.get('group') ?? '', archived: q.get('archived') === '1' };
	const view = await orError(hearth.cohorts.view(user, cohortId));
	const boards = await orError(
		hearth.boards.list(user, cohortId, {
			...(filter.convening ? { conveningId: filter.convening } : {}),
			...(filter.group ? { groupId: filter.group } : {}),
			includeArchived: filter.archived
		})
	);
	const conveningTitle = new Map(view.convenings.map((c) => [c.id, c.title]));
	return {
		filter,
		// Names only: the templates' content stays on the server, which writes it into the new board.
		templateGroups: (['thinking-tool', 'loop', 'archetype'] as const).map((category) => ({
			label: CATEGORY_LABELS[category](),
			items: TEMPLATES.filter((t) => t.category === category).map((t) => ({ id: t.id, name: t.name }))
		})),
		serverNow: hearth.clock.now(),
		// Observers look, they do not make boards.
		canCreate: view.role !== 'observer',
		canChoosePolicy: can(view.role, 'convening.manage'),
		convenings: view.convenings.map((c) => ({ id: c.id, title: c.title, startsAt: c.startsAt, cancelled: c.status === 'cancelled' })),
		boards: boards.map((b) => ({
			id: b.id,
			title: b.title,
			writePolicy: b.writePolicy,
			conveningId: b.conveningId,
			conveningTitle: b.conveningId ? (conveningTitle.get(b.conveningId) ?? null) : null,
			groupId: b.groupId,
			updatedAt: b.updatedAt,
			archived: b.archivedAt !== null,
			access: b.access,
			canRename: b.canManage
		}))
	};
};

export const actions: Actions = {
	create: (event) => createBoard(event, event.params.cohortId),
	rename: (event) => renameBoard(event, event.params.cohortId),
	policy: (event) => setBoardPolicy(event, event.params.cohortId),
	archive: (event) => archiveBoard(event, event.params.cohortId, true),
	unarchive: (event) => archiveBoard(event, event.params.cohortId, false)
};
