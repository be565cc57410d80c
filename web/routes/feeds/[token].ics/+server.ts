import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { AppError } from '$shared/errors.ts';

/** The cohort calendar for calendar apps: authorised by the secret in the URL alone. */
export const GET: RequestHandler = async ({ params, locals, url }) => {
	try {
		const { cohort, convenings } = await locals.hearth.cohorts.feed(params.token);
		const body = locals.hearth.calendar.cohortIcs(cohort, convenings, locals.hearth.config.origin ?? url.origin);
		return new Response(body, {
			headers: {
				'content-type': 'text/calendar; charset=utf-8',
				'content-disposition': 'inline; filename="hearth.ics"',
				'cache-control': 'private, max-age=300'
			}
		});
	} catch (e) {
		if (AppError.is(e)) error(404, { message: 'This calendar link is not active.', code: 'not_found' });
		throw e;
	}
};
