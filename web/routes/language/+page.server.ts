import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { isLocale } from '$lib/i18n';
import { LOCALE_COOKIE, localeCookieOptions } from '$lib/i18n/server';
import { safeNext } from '$lib/server/session';

/** Nothing to show here: the language picker posts to this page's action. */
export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	/**
	 * The language picker at the foot of every page: keeps the choice in a cookie, and as the saved
	 * preference of whoever is signed in, then returns to the page it was chosen on.
	 */
	default: async ({ request, cookies, locals }) => {
		const data = await request.formData();
		const language = String(data.get('language') ?? '');
		if (isLocale(language)) {
			cookies.set(LOCALE_COOKIE, language, localeCookieOptions);
			if (locals.user) await locals.hearth.auth.setLanguage(locals.user.id, language);
		}
		redirect(303, safeNext(String(data.get('next') ?? '')));
	}
};
