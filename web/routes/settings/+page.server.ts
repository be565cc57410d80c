import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { fieldErrors, nameSchema, timeZoneSchema } from '$shared/schemas.ts';
import { formValues, requireUser } from '$lib/server/guard';
import { z } from 'zod';

export const load: PageServerLoad = (event) => {
	const user = requireUser(event);
	return { name: user.name, email: user.email, timeZone: user.timeZone };
};

const profileSchema = z.object({ name: nameSchema, timeZone: timeZoneSchema });

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData());
		const parsed = profileSchema.safeParse(values);
		if (!parsed.success) return fail(400, { message: 'Please correct the highlighted fields.', fields: fieldErrors(parsed.error), values });
		await event.locals.hearth.auth.setName(user.id, parsed.data.name);
		await event.locals.hearth.auth.setTimeZone(user.id, parsed.data.timeZone);
		return { saved: true };
	}
};
