import { error, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { formValues, orFail, requireUser } from '$lib/server/guard';
import { m } from '$lib/i18n';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const mine = await event.locals.hearth.cohorts.listForUser(user);
	if (!mine.some((c) => c.role === 'facilitator')) error(403, { message: m.srv_only_facilitators_cohort(), code: 'forbidden' });
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData());
		const r = await orFail(event.locals.hearth.cohorts.createCohort(user, values), values);
		if (!r.ok) return r.failure;
		redirect(303, `/cohorts/${r.data}`);
	}
};
