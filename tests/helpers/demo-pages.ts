/** The demo cohort with what the page-by-page browser tests visit: a map board and the December convening. */
import { seedDemo } from '../../server/seed/demo.ts';
import type { TestServer } from './server.ts';

export interface DemoPages {
	cohortId: string;
	boardId: string;
	conveningId: string;
	facilitatorId: string;
}

export async function seedDemoPages(s: TestServer): Promise<DemoPages> {
	const seeded = await seedDemo(s.db, s.clock);
	const fac = await s.db.kysely.selectFrom('users').select('id').where('email', '=', seeded.facilitatorEmail).executeTakeFirstOrThrow();
	const user = (await s.hearth.auth.userForSession((await s.hearth.auth.createSession(fac.id)).token))!;
	const board = await s.hearth.boards.create(user, seeded.cohortId, { title: 'Fixes that fail', template: 'archetype-fixes-that-fail' });
	const convening = await s.db.kysely
		.selectFrom('convenings')
		.select('id')
		.where('cohort_id', '=', seeded.cohortId)
		.where('starts_at', '=', '2026-12-14T14:00:00.000Z')
		.executeTakeFirstOrThrow();
	return { cohortId: seeded.cohortId, boardId: board.id, conveningId: convening.id, facilitatorId: fac.id };
}
