import { error } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { formValues, orFail, requireUser } from '$lib/server/guard';
import { m } from '$lib/i18n';

export const load: PageServerLoad = async (event) => {
	const { canManage } = await event.parent();
	if (!canManage) error(403, { message: m.srv_only_facilitators_change(), code: 'forbidden' });
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData());
		const r = await orFail(event.locals.hearth.cohorts.update(user, event.params.cohortId, values), values);
		return r.ok ? { saved: true } : r.failure;
	}
};
