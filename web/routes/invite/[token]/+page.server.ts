import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { AppError } from '$shared/errors.ts';
import { formValues, orFail } from '$lib/server/guard';
import { setSessionCookie } from '$lib/server/session';

export const load: PageServerLoad = async ({ locals, params }) => {
	try {
		const invite = await locals.hearth.invites.inspect(params.token);
		return { state: 'open' as const, invite };
	} catch (e) {
		// An expired, used or unknown link is a page of its own, not an error screen: it says what to do.
		if (AppError.is(e) && (e.code === 'invite_expired' || e.code === 'invite_used' || e.code === 'not_found')) {
			return { state: e.code, message: e.message };
		}
		throw e;
	}
};

export const actions: Actions = {
	/** A signed-in person joins with their existing account. */
	join: async ({ locals, params }) => {
		if (!locals.user) redirect(303, `/login?next=/invite/${encodeURIComponent(params.token)}`);
		const result = await orFail(locals.hearth.invites.acceptAsUser(params.token, locals.user));
		if (!result.ok) return result.failure;
		redirect(303, `/cohorts/${result.data.cohortId}`);
	},
	/** Someone new creates their account and joins in one step. */
	register: async ({ request, locals, params, cookies, url }) => {
		const data = await request.formData();
		const values = formValues(data);
		const result = await orFail(
			locals.hearth.invites.acceptAsNewUser(params.token, {
				name: values.name,
				email: values.email,
				password: data.get('password'),
				timeZone: values.timeZone
			}),
			values
		);
		if (!result.ok) return result.failure;
		setSessionCookie(cookies, result.data.session, url);
		redirect(303, `/cohorts/${result.data.cohortId}`);
	}
};
