import type { Db } from '../db/open.ts';
import type { Database } from '../db/schema.ts';

export interface AgendaItem {
	id: string;
	title: string;
	durationMinutes: number;
}

export interface Convening {
	id: string;
	cohortId: string;
	kind: 'convening' | 'retreat';
	title: string;
	description: string;
	startsAt: string;
	durationMinutes: number;
	status: 'scheduled' | 'cancelled';
	createdBy: string | null;
	createdAt: string;
	updatedAt: string;
	agenda: AgendaItem[];
}

type Row = Database['convenings'];
const toConvening = (r: Row, agenda: AgendaItem[]): Convening => ({
	id: r.id,
	cohortId: r.cohort_id,
	kind: r.kind,
	title: r.title,
	description: r.description,
	startsAt: r.starts_at,
	durationMinutes: r.duration_minutes,
	status: r.status,
	createdBy: r.created_by,
	createdAt: r.created_at,
	updatedAt: r.updated_at,
	agenda
});

export function conveningsStore({ kysely }: Db) {
	async function agendaFor(ids: string[]): Promise<Map<string, AgendaItem[]>> {
		const out = new Map<string, AgendaItem[]>();
		if (ids.length === 0) return out;
		const rows = await kysely
			.selectFrom('agenda_items')
			.selectAll()
			.where('convening_id', 'in', ids)
			.orderBy('convening_id')
			.orderBy('position')
			.execute();
		for (const r of rows) {
			const list = out.get(r.convening_id) ?? [];
			list.push({ id: r.id, title: r.title, durationMinutes: r.duration_minutes });
			out.set(r.convening_id, list);
		}
		return out;
	}

	return {
		/** Inserts or replaces a convening and its whole agenda, in one transaction. */
		async save(c: Omit<Convening, 'agenda'> & { agenda: AgendaItem[] }) {
			await kysely.transaction().execute(async (trx) => {
				const values = {
					id: c.id,
					cohort_id: c.cohortId,
					kind: c.kind,
					title: c.title,
					description: c.description,
					starts_at: c.startsAt,
					duration_minutes: c.durationMinutes,
					status: c.status,
					created_by: c.createdBy,
					created_at: c.createdAt,
					updated_at: c.updatedAt
				};
				const exists = await trx.selectFrom('convenings').select('id').where('id', '=', c.id).executeTakeFirst();
				if (exists) {
					const { id: _id, created_at: _c, created_by: _b, ...rest } = values;
					await trx.updateTable('convenings').set(rest).where('id', '=', c.id).execute();
					await trx.deleteFrom('agenda_items').where('convening_id', '=', c.id).execute();
				} else {
					await trx.insertInto('convenings').values(values).execute();
				}
				if (c.agenda.length) {
					await trx
						.insertInto('agenda_items')
						.values(
							c.agenda.map((a, i) => ({ id: a.id, convening_id: c.id, position: i, title: a.title, duration_minutes: a.durationMinutes }))
						)
						.execute();
				}
			});
		},
		async setStatus(id: string, status: Convening['status'], updatedAt: string) {
			await kysely.updateTable('convenings').set({ status, updated_at: updatedAt }).where('id', '=', id).execute();
		},
		async byId(cohortId: string, id: string): Promise<Convening | undefined> {
			const r = await kysely.selectFrom('convenings').selectAll().where('id', '=', id).where('cohort_id', '=', cohortId).executeTakeFirst();
			if (!r) return undefined;
			return toConvening(r, (await agendaFor([r.id])).get(r.id) ?? []);
		},
		/** All of a cohort's convenings in start order (cancelled ones included: the calendar shows them struck). */
		async forCohort(cohortId: string): Promise<Convening[]> {
			const rows = await kysely.selectFrom('convenings').selectAll().where('cohort_id', '=', cohortId).orderBy('starts_at').execute();
			const agenda = await agendaFor(rows.map((r) => r.id));
			return rows.map((r) => toConvening(r, agenda.get(r.id) ?? []));
		}
	};
}
