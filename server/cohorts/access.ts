import { AppError, ErrorCode } from '../../shared/errors.ts';
import { can, type Action, type Role } from '../../shared/roles.ts';
import type { Db } from '../db/open.ts';
import { cohortsStore } from './cohorts.store.ts';

/**
 * The one check every cohort page, endpoint and socket event goes through.
 * Someone outside the cohort gets NotFound (they learn nothing, not even that it exists);
 * a member whose role does not allow the action gets Forbidden.
 */
export function accessChecker(db: Db) {
	const cohorts = cohortsStore(db);
	return async function requireAccess(userId: string | undefined, cohortId: string, action: Action): Promise<Role> {
		if (!userId) throw new AppError(ErrorCode.Unauthenticated);
		const role = await cohorts.roleOf(cohortId, userId);
		if (!role) throw new AppError(ErrorCode.NotFound);
		if (!can(role, action)) throw new AppError(ErrorCode.Forbidden);
		return role;
	};
}
export type RequireAccess = ReturnType<typeof accessChecker>;
