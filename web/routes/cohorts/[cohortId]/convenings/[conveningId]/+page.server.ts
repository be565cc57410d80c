import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { can } from '$shared/roles.ts';
import { orError, orFail, requireUser } from '$lib/server/guard';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { convening, role } = await orError(event.locals.hearth.cohorts.convening(user, event.params.cohortId, event.params.conveningId));
	return { convening, canManage: can(role, 'convening.manage'), serverNow: event.locals.hearth.clock.now() };
};

export const actions: Actions = {
	cancel: async (event) => {
		const user = requireUser(event);
		const r = await orFail(
			event.locals.hearth.cohorts.setConveningStatus(user, event.params.cohortId, event.params.conveningId, 'cancelled')
		);
		if (!r.ok) return r.failure;
		redirect(303, event.url.pathname);
	},
	restore: async (event) => {
		const user = requireUser(event);
		const r = await orFail(
			event.locals.hearth.cohorts.setConveningStatus(user, event.params.cohortId, event.params.conveningId, 'scheduled')
		);
		if (!r.ok) return r.failure;
		redirect(303, event.url.pathname);
	}
};
