import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { SESSION_COOKIE } from '$shared/session.ts';
import { clearSessionCookie } from '$lib/server/session';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies, url }) => {
		await locals.hearth.auth.signOut(cookies.get(SESSION_COOKIE));
		clearSessionCookie(cookies, url);
		redirect(303, '/login');
	}
};
