/**
 * Who may read and who may write a board. Reading follows cohort membership; writing follows the
 * board's write policy. Observers never write; an archived board is read-only for everyone.
 */
import type { Role } from '../../shared/roles.ts';
import type { Board } from './boards.store.ts';

export type BoardAccess = 'none' | 'read' | 'write';

export function boardAccess(board: Pick<Board, 'writePolicy' | 'archivedAt'>, role: Role | undefined, inGroup: boolean): BoardAccess {
	if (!role) return 'none';
	if (role === 'observer' || board.archivedAt) return 'read';
	switch (board.writePolicy) {
		case 'cohort':
			return 'write';
		case 'group':
			return role === 'facilitator' || inGroup ? 'write' : 'read';
		case 'facilitators':
			return role === 'facilitator' ? 'write' : 'read';
		case 'locked':
			return 'read';
	}
}
