import type { LayoutServerLoad } from './$types';
import { getLocale } from '$lib/i18n';

export const load: LayoutServerLoad = ({ locals }) => ({
	user: locals.user
		? { id: locals.user.id, name: locals.user.name, email: locals.user.email, timeZone: locals.user.timeZone ?? 'UTC' }
		: null,
	// The language the server chose for this request (see web/lib/i18n/server.ts).
	locale: getLocale()
});
