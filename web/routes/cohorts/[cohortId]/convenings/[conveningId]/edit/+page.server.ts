import { error, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { toLocalInput } from '$shared/time.ts';
import { readConveningForm } from '$lib/server/convening-form';
import { orError, orFail, requireUser } from '$lib/server/guard';
import { m } from '$lib/i18n';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { canManage, viewerZone } = await event.parent();
	if (!canManage) error(403, { message: m.srv_only_facilitators_edit(), code: 'forbidden' });
	const { convening: c } = await orError(event.locals.hearth.cohorts.convening(user, event.params.cohortId, event.params.conveningId));
	return {
		convening: { id: c.id, title: c.title },
		values: {
			title: c.title,
			description: c.description,
			kind: c.kind,
			startsLocal: toLocalInput(c.startsAt, viewerZone),
			durationMinutes: c.durationMinutes,
			agenda: c.agenda.map((a) => ({ title: a.title, durationMinutes: a.durationMinutes }))
		}
	};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const { input, values } = readConveningForm(await event.request.formData());
		const r = await orFail(event.locals.hearth.cohorts.saveConvening(user, event.params.cohortId, event.params.conveningId, input), values);
		if (!r.ok) return r.failure;
		redirect(303, `/cohorts/${event.params.cohortId}/convenings/${r.data.id}`);
	}
};
