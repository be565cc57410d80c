import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { fieldErrors, nameSchema, timeZoneSchema } from '$shared/schemas.ts';
import { formValues, requireUser } from '$lib/server/guard';
import { serverFields } from '$lib/i18n/errors';
import { locales, m } from '$lib/i18n';
import { LOCALE_COOKIE, localeCookieOptions } from '$lib/i18n/server';
import { z } from 'zod';

export const load: PageServerLoad = (event) => {
	const user = requireUser(event);
	return { name: user.name, email: user.email, timeZone: user.timeZone, language: user.language ?? '' };
};

const profileSchema = z.object({
	name: nameSchema,
	timeZone: timeZoneSchema,
	// Empty: follow the browser's language.
	language: z.union([z.enum(locales), z.literal('')]).default('')
});

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData());
		const parsed = profileSchema.safeParse(values);
		if (!parsed.success) return fail(400, { message: m.srv_correct_fields(), fields: serverFields(fieldErrors(parsed.error)), values });
		const { auth } = event.locals.hearth;
		await auth.setName(user.id, parsed.data.name);
		await auth.setTimeZone(user.id, parsed.data.timeZone);
		await auth.setLanguage(user.id, parsed.data.language || null);
		// The page after signing out keeps the language too.
		if (parsed.data.language) event.cookies.set(LOCALE_COOKIE, parsed.data.language, localeCookieOptions);
		else event.cookies.delete(LOCALE_COOKIE, { path: '/' });
		return { saved: true };
	}
};
