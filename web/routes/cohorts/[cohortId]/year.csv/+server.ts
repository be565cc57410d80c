import type { RequestHandler } from './$types';
import { orError, requireUser } from '$lib/server/guard';
import { csvRow } from '$shared/csv.ts';
import { memberYear } from '../../../../../server/cohorts/year.store.ts';

/** Your year as a CSV to keep toward certification: one row per convening, circle and board. */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const { hearth } = event.locals;
	await orError(hearth.requireAccess(user.id, event.params.cohortId, 'cohort.view'));
	const year = await memberYear(hearth.db, event.params.cohortId, user.id);
	const rows: (string | number)[][] = [['kind', 'title', 'date', 'detail']];
	for (const c of year.convenings) rows.push(['convening', c.title, c.startsAt, `${c.minutes} minutes`]);
	for (const c of year.circles)
		rows.push(['check-in circle', c.conveningTitle, c.openedAt, [c.groupName, c.prompt].filter(Boolean).join(': ')]);
	for (const b of year.boards) rows.push(['board', b.title, b.lastAt, `${b.changes} changes`]);
	return new Response(rows.map(csvRow).join('\r\n') + '\r\n', {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': 'attachment; filename="my-year.csv"',
			'cache-control': 'no-store'
		}
	});
};
