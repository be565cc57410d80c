import { error, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { readConveningForm } from '$lib/server/convening-form';
import { orFail, requireUser } from '$lib/server/guard';
import { m } from '$lib/i18n';

export const load: PageServerLoad = async (event) => {
	const { canManage } = await event.parent();
	if (!canManage) error(403, { message: m.srv_only_facilitators_schedule(), code: 'forbidden' });
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const { input, values } = readConveningForm(await event.request.formData());
		const r = await orFail(event.locals.hearth.cohorts.saveConvening(user, event.params.cohortId, undefined, input), values);
		if (!r.ok) return r.failure;
		redirect(303, `/cohorts/${event.params.cohortId}/convenings/${r.data.id}`);
	}
};
