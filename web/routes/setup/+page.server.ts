import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { formValues, orFail } from '$lib/server/guard';
import { setSessionCookie } from '$lib/server/session';

export const load: PageServerLoad = async ({ locals }) => {
	if (!(await locals.hearth.auth.setupNeeded())) redirect(303, '/');
	return {};
};

export const actions: Actions = {
	default: async ({ request, locals, cookies, url }) => {
		const data = await request.formData();
		const values = formValues(data);
		const result = await orFail(
			locals.hearth.auth.setup({
				account: { name: values.name, email: values.email, password: data.get('password'), timeZone: values.timeZone },
				cohort: {
					name: values.cohortName,
					description: values.cohortDescription ?? '',
					startsOn: values.startsOn,
					endsOn: values.endsOn,
					timeZone: values.cohortTimeZone
				}
			}),
			values
		);
		if (!result.ok) return result.failure;
		setSessionCookie(cookies, result.data.session, url);
		redirect(303, `/cohorts/${result.data.cohortId}`);
	}
};
