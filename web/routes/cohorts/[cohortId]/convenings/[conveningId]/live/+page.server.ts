import type { PageServerLoad } from './$types';
import { orError, requireUser } from '$lib/server/guard';
import { TEMPLATES } from '$shared/templates.ts';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { convening, role } = await orError(event.locals.hearth.cohorts.convening(user, event.params.cohortId, event.params.conveningId));
	return {
		convening: { id: convening.id, title: convening.title, startsAt: convening.startsAt },
		/** Observers neither speak nor show a camera: they skip the device check. */
		canSpeak: role !== 'observer',
		boardTemplates: TEMPLATES.map((t) => ({ id: t.id, name: t.name }))
	};
};
