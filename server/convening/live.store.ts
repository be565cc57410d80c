/** Live convening state that must survive a restart: phase, agenda position, attendance, chat. */
import type { Db } from '../db/open.ts';
import type { ChatMessage, ConveningPhase } from '../../shared/live.ts';

export interface LiveRow {
	phase: ConveningPhase;
	agendaIndex: number;
	agendaStartedAt: string | null;
}

export function liveStore({ kysely }: Db) {
	return {
		async get(conveningId: string): Promise<LiveRow | undefined> {
			const r = await kysely.selectFrom('convening_live').selectAll().where('convening_id', '=', conveningId).executeTakeFirst();
			return r && { phase: r.phase, agendaIndex: r.agenda_index, agendaStartedAt: r.agenda_started_at };
		},
		async save(conveningId: string, row: LiveRow, at: string): Promise<void> {
			await kysely.transaction().execute(async (trx) => {
				const values = { phase: row.phase, agenda_index: row.agendaIndex, agenda_started_at: row.agendaStartedAt, updated_at: at };
				const exists = await trx
					.selectFrom('convening_live')
					.select('convening_id')
					.where('convening_id', '=', conveningId)
					.executeTakeFirst();
				if (exists) await trx.updateTable('convening_live').set(values).where('convening_id', '=', conveningId).execute();
				else
					await trx
						.insertInto('convening_live')
						.values({ convening_id: conveningId, ...values })
						.execute();
			});
		},

		async joined(id: string, conveningId: string, userId: string, at: string): Promise<void> {
			await kysely
				.insertInto('attendance')
				.values({ id, convening_id: conveningId, user_id: userId, joined_at: at, left_at: null })
				.execute();
		},
		/** Closes a person's open attendance spans (all of them: a crash may have left one open). */
		async left(conveningId: string, userId: string, at: string): Promise<void> {
			await kysely
				.updateTable('attendance')
				.set({ left_at: at })
				.where('convening_id', '=', conveningId)
				.where('user_id', '=', userId)
				.where('left_at', 'is', null)
				.execute();
		},
		/** After a restart nobody is connected: close every span still open, at the given time. */
		async closeOpenSpans(conveningId: string, at: string): Promise<void> {
			await kysely
				.updateTable('attendance')
				.set({ left_at: at })
				.where('convening_id', '=', conveningId)
				.where('left_at', 'is', null)
				.execute();
		},
		/** Whether the person has an attendance span still open (scale-out: another instance opened it). */
		async hasOpenSpan(conveningId: string, userId: string): Promise<boolean> {
			const r = await kysely
				.selectFrom('attendance')
				.select('id')
				.where('convening_id', '=', conveningId)
				.where('user_id', '=', userId)
				.where('left_at', 'is', null)
				.executeTakeFirst();
			return r !== undefined;
		},
		/** Closes the open spans of everyone but the people given (those still connected). */
		async closeOpenSpansExcept(conveningId: string, userIds: string[], at: string): Promise<void> {
			let q = kysely.updateTable('attendance').set({ left_at: at }).where('convening_id', '=', conveningId).where('left_at', 'is', null);
			if (userIds.length) q = q.where('user_id', 'not in', userIds);
			await q.execute();
		},
		async attendance(conveningId: string) {
			return kysely
				.selectFrom('attendance')
				.innerJoin('users', 'users.id', 'attendance.user_id')
				.select(['attendance.user_id', 'users.name', 'users.email', 'attendance.joined_at', 'attendance.left_at'])
				.where('attendance.convening_id', '=', conveningId)
				.orderBy('attendance.joined_at')
				.execute();
		},

		async addChat(conveningId: string, m: ChatMessage): Promise<void> {
			await kysely
				.insertInto('chat_messages')
				.values({ id: m.id, convening_id: conveningId, room: m.room, user_id: m.userId, body: m.body, created_at: m.at })
				.execute();
		},
		async chat(conveningId: string, room: string, limit: number): Promise<ChatMessage[]> {
			const rows = await kysely
				.selectFrom('chat_messages')
				.leftJoin('users', 'users.id', 'chat_messages.user_id')
				.select([
					'chat_messages.id',
					'chat_messages.room',
					'chat_messages.user_id',
					'users.name',
					'chat_messages.body',
					'chat_messages.created_at'
				])
				.where('chat_messages.convening_id', '=', conveningId)
				.where('chat_messages.room', '=', room)
				.orderBy('chat_messages.created_at', 'desc')
				.orderBy('chat_messages.id', 'desc')
				.limit(limit)
				.execute();
			return rows
				.reverse()
				.map((r) => ({ id: r.id, room: r.room, userId: r.user_id ?? '', name: r.name ?? 'Former member', body: r.body, at: r.created_at }));
		}
	};
}

export type LiveStore = ReturnType<typeof liveStore>;
