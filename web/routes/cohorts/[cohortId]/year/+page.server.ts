import type { PageServerLoad } from './$types';
import { orError, requireUser } from '$lib/server/guard';
import { memberYear } from '../../../../../server/cohorts/year.store.ts';

/** Your own year in the cohort (each person sees only their own). */
export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { hearth } = event.locals;
	await orError(hearth.requireAccess(user.id, event.params.cohortId, 'cohort.view'));
	return { year: await memberYear(hearth.db, event.params.cohortId, user.id), name: user.name };
};
