/** Breakout rounds as stored: a round, its groups (with circle state), and who is in which group. */
import type { Db } from '../db/open.ts';
import type { CircleState } from '../../shared/circle.ts';

export interface StoredGroup {
	id: string;
	position: number;
	name: string;
	boardId: string | null;
	circle: CircleState | null;
	keeperId: string | null;
}

export interface StoredRound {
	id: string;
	conveningId: string;
	kind: 'circle' | 'open';
	prompt: string;
	grouping: unknown;
	status: 'open' | 'closing' | 'closed';
	openedAt: string;
	deadlineAt: string;
	closesAt: string | null;
	closedAt: string | null;
	options: { turnLimitMs: number | null; listenOnly: boolean; cap: number | null };
	groups: StoredGroup[];
	/** userId -> groupId (null: waiting to be placed). */
	assignments: Map<string, string | null>;
}

export function roundsStore({ kysely }: Db) {
	async function groupsAndAssignments(roundId: string) {
		const groups = await kysely.selectFrom('round_groups').selectAll().where('round_id', '=', roundId).orderBy('position').execute();
		const rows = await kysely.selectFrom('round_assignments').selectAll().where('round_id', '=', roundId).execute();
		return {
			groups: groups.map((g) => ({
				id: g.id,
				position: g.position,
				name: g.name,
				boardId: g.board_id,
				circle: g.circle ? (JSON.parse(g.circle) as CircleState) : null,
				keeperId: g.keeper_id
			})),
			assignments: new Map(rows.map((r) => [r.user_id, r.group_id]))
		};
	}

	function toRound(r: {
		id: string;
		convening_id: string;
		kind: 'circle' | 'open';
		prompt: string;
		grouping: string;
		status: 'open' | 'closing' | 'closed';
		opened_at: string;
		deadline_at: string;
		closes_at: string | null;
		closed_at: string | null;
		options: string;
	}): Omit<StoredRound, 'groups' | 'assignments'> {
		return {
			id: r.id,
			conveningId: r.convening_id,
			kind: r.kind,
			prompt: r.prompt,
			grouping: JSON.parse(r.grouping) as unknown,
			status: r.status,
			openedAt: r.opened_at,
			deadlineAt: r.deadline_at,
			closesAt: r.closes_at,
			closedAt: r.closed_at,
			options: JSON.parse(r.options) as StoredRound['options']
		};
	}

	return {
		/** The round, its groups and every assignment, in one transaction. */
		async insert(round: StoredRound): Promise<void> {
			await kysely.transaction().execute(async (trx) => {
				await trx
					.insertInto('rounds')
					.values({
						id: round.id,
						convening_id: round.conveningId,
						kind: round.kind,
						prompt: round.prompt,
						grouping: JSON.stringify(round.grouping),
						status: round.status,
						opened_at: round.openedAt,
						deadline_at: round.deadlineAt,
						closes_at: round.closesAt,
						closed_at: round.closedAt,
						options: JSON.stringify(round.options)
					})
					.execute();
				if (round.groups.length) {
					await trx
						.insertInto('round_groups')
						.values(
							round.groups.map((g) => ({
								id: g.id,
								round_id: round.id,
								position: g.position,
								name: g.name,
								board_id: g.boardId,
								circle: g.circle ? JSON.stringify(g.circle) : null,
								keeper_id: g.keeperId
							}))
						)
						.execute();
				}
				if (round.assignments.size) {
					await trx
						.insertInto('round_assignments')
						.values([...round.assignments].map(([user_id, group_id]) => ({ round_id: round.id, user_id, group_id })))
						.execute();
				}
			});
		},
		async setTimes(
			roundId: string,
			t: { status: StoredRound['status']; deadlineAt: string; closesAt: string | null; closedAt: string | null }
		) {
			await kysely
				.updateTable('rounds')
				.set({ status: t.status, deadline_at: t.deadlineAt, closes_at: t.closesAt, closed_at: t.closedAt })
				.where('id', '=', roundId)
				.execute();
		},
		async assign(roundId: string, userId: string, groupId: string | null) {
			await kysely.transaction().execute(async (trx) => {
				await trx.deleteFrom('round_assignments').where('round_id', '=', roundId).where('user_id', '=', userId).execute();
				await trx.insertInto('round_assignments').values({ round_id: roundId, user_id: userId, group_id: groupId }).execute();
			});
		},
		/** Each group's board, in one transaction. */
		async setBoards(boards: { groupId: string; boardId: string }[]) {
			await kysely.transaction().execute(async (trx) => {
				for (const { groupId, boardId } of boards)
					await trx.updateTable('round_groups').set({ board_id: boardId }).where('id', '=', groupId).execute();
			});
		},
		async setKeeper(groupId: string, userId: string | null) {
			await kysely.updateTable('round_groups').set({ keeper_id: userId }).where('id', '=', groupId).execute();
		},
		async setCircle(groupId: string, circle: unknown) {
			await kysely
				.updateTable('round_groups')
				.set({ circle: JSON.stringify(circle) })
				.where('id', '=', groupId)
				.execute();
		},
		/** The round still open (or winding down) in a convening, if any. */
		async current(conveningId: string): Promise<StoredRound | undefined> {
			const r = await kysely
				.selectFrom('rounds')
				.selectAll()
				.where('convening_id', '=', conveningId)
				.where('status', '!=', 'closed')
				.executeTakeFirst();
			if (!r) return undefined;
			return { ...toRound(r), ...(await groupsAndAssignments(r.id)) };
		},
		/** A closed round of the same cohort, to reuse its groups. */
		async byId(roundId: string): Promise<(StoredRound & { cohortId: string }) | undefined> {
			const r = await kysely
				.selectFrom('rounds')
				.innerJoin('convenings', 'convenings.id', 'rounds.convening_id')
				.selectAll('rounds')
				.select('convenings.cohort_id')
				.where('rounds.id', '=', roundId)
				.executeTakeFirst();
			if (!r) return undefined;
			return { ...toRound(r), cohortId: r.cohort_id, ...(await groupsAndAssignments(r.id)) };
		}
	};
}

export type RoundsStore = ReturnType<typeof roundsStore>;
