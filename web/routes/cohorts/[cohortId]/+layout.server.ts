import type { LayoutServerLoad } from './$types';
import { can } from '$shared/roles.ts';
import { orError, requireUser } from '$lib/server/guard';

export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	const view = await orError(event.locals.hearth.cohorts.summary(user, event.params.cohortId));
	return {
		cohort: view.cohort,
		role: view.role,
		canManage: can(view.role, 'convening.manage'),
		canManagePeople: can(view.role, 'people.manage'),
		viewerZone: user.timeZone ?? view.cohort.timeZone
	};
};
