/**
 * Media presence from LiveKit webhooks: who had a LiveKit connection in which room of a convening,
 * and when. It sits next to attendance (which counts socket connections) and follows the same shape:
 * one span per connection, closed when it ends.
 *
 * - [LK6] A span is keyed by LiveKit's participant sid, so a retried `participant_joined` records
 *   nothing new; `participant_left` closes the open span of that sid (or, when the join was never
 *   seen, of that person in that room); `room_finished` closes every span still open in the room.
 */
import type { Db } from '../db/open.ts';

export interface PresenceSpan {
	room: string;
	userId: string;
	participantSid: string;
	joinedAt: string;
	leftAt: string | null;
}

export function mediaPresenceStore({ kysely }: Db) {
	return {
		/** Whether the convening and the user exist: LiveKit rooms may also hold agents or egress with other identities. */
		async knows(conveningId: string, userId: string): Promise<boolean> {
			const [convening, user] = await Promise.all([
				kysely.selectFrom('convenings').select('id').where('id', '=', conveningId).executeTakeFirst(),
				kysely.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst()
			]);
			return convening !== undefined && user !== undefined;
		},

		/** False when the span was already recorded (a retried webhook). */
		async joined(span: {
			id: string;
			conveningId: string;
			room: string;
			userId: string;
			participantSid: string;
			at: string;
		}): Promise<boolean> {
			return kysely.transaction().execute(async (trx) => {
				const seen = await trx
					.selectFrom('media_presence')
					.select('id')
					.where('participant_sid', '=', span.participantSid)
					.executeTakeFirst();
				if (seen) return false;
				await trx
					.insertInto('media_presence')
					.values({
						id: span.id,
						convening_id: span.conveningId,
						room: span.room,
						user_id: span.userId,
						participant_sid: span.participantSid,
						joined_at: span.at,
						left_at: null
					})
					.execute();
				return true;
			});
		},

		async left(span: { conveningId: string; room: string; userId: string; participantSid: string; at: string }): Promise<void> {
			const bySid = await kysely
				.updateTable('media_presence')
				.set({ left_at: span.at })
				.where('participant_sid', '=', span.participantSid)
				.where('left_at', 'is', null)
				.executeTakeFirst();
			if (Number(bySid.numUpdatedRows) > 0) return;
			await kysely
				.updateTable('media_presence')
				.set({ left_at: span.at })
				.where('convening_id', '=', span.conveningId)
				.where('room', '=', span.room)
				.where('user_id', '=', span.userId)
				.where('left_at', 'is', null)
				.execute();
		},

		async roomFinished(conveningId: string, room: string, at: string): Promise<void> {
			await kysely
				.updateTable('media_presence')
				.set({ left_at: at })
				.where('convening_id', '=', conveningId)
				.where('room', '=', room)
				.where('left_at', 'is', null)
				.execute();
		},

		async forConvening(conveningId: string): Promise<PresenceSpan[]> {
			const rows = await kysely
				.selectFrom('media_presence')
				.selectAll()
				.where('convening_id', '=', conveningId)
				.orderBy('joined_at')
				.orderBy('id')
				.execute();
			return rows.map((r) => ({
				room: r.room,
				userId: r.user_id,
				participantSid: r.participant_sid,
				joinedAt: r.joined_at,
				leftAt: r.left_at
			}));
		}
	};
}

export type MediaPresenceStore = ReturnType<typeof mediaPresenceStore>;
