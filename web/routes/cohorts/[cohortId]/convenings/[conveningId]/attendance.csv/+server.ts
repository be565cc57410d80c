import type { RequestHandler } from './$types';
import { orError, requireUser } from '$lib/server/guard';

/** Attendance (join and leave times per person) as CSV, for facilitators. */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const csv = await orError(event.locals.hearth.live.attendanceCsv(user, event.params.cohortId, event.params.conveningId));
	return new Response(csv, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="attendance-${event.params.conveningId}.csv"`,
			'cache-control': 'no-store'
		}
	});
};
