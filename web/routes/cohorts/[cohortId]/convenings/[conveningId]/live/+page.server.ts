import type { PageServerLoad } from './$types';
import { orError, requireUser } from '$lib/server/guard';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { convening } = await orError(event.locals.hearth.cohorts.convening(user, event.params.cohortId, event.params.conveningId));
	return { convening: { id: convening.id, title: convening.title, startsAt: convening.startsAt } };
};
