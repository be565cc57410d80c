import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { requireUser } from '$lib/server/guard';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const cohorts = await event.locals.hearth.cohorts.listForUser(user);
	if (cohorts.length === 1) redirect(303, `/cohorts/${cohorts[0]!.id}`);
	return {
		cohorts: cohorts.map((c) => ({ id: c.id, name: c.name, startsOn: c.startsOn, endsOn: c.endsOn, role: c.role })),
		canCreate: cohorts.some((c) => c.role === 'facilitator')
	};
};
