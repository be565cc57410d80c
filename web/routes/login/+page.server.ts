import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { formValues, orFail } from '$lib/server/guard';
import { safeNext, setSessionCookie } from '$lib/server/session';
import { isTimeZone } from '$shared/schemas.ts';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
	return { next: safeNext(url.searchParams.get('next')) };
};

export const actions: Actions = {
	default: async ({ request, locals, cookies, url, getClientAddress }) => {
		const data = await request.formData();
		const values = formValues(data);
		const result = await orFail(
			locals.hearth.auth.signIn({ email: values.email, password: data.get('password') }, getClientAddress()),
			values
		);
		if (!result.ok) return result.failure;
		const { user, session } = result.data;
		// Someone without a stored zone gets the browser's, so times read right from the first page.
		if (!user.timeZone && values.browserTimeZone) {
			if (isTimeZone(values.browserTimeZone)) await locals.hearth.auth.setTimeZone(user.id, values.browserTimeZone);
		}
		setSessionCookie(cookies, session, url);
		redirect(303, safeNext(url.searchParams.get('next')));
	}
};
