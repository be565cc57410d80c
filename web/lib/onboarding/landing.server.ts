/**
 * Where someone lands right after accepting an invitation: a convening that is open now (its doors
 * opened or live) takes them straight to its room, where the device check ends in a "Join" button;
 * otherwise the cohort's home, which shows the next convening and its "Join" once it may be joined.
 */
import type { User } from '../../../server/auth/users.store.ts';

/** How far around its scheduled time a convening is looked at for being open (facilitators run over). */
const AROUND_MS = 3 * 60 * 60_000;

export async function landingFor(hearth: App.Locals['hearth'], user: User, cohortId: string): Promise<string> {
	const home = `/cohorts/${cohortId}`;
	try {
		const view = await hearth.cohorts.view(user, cohortId);
		const now = hearth.clock.now();
		const near = view.convenings.filter((c) => {
			const start = Date.parse(c.startsAt);
			return c.status === 'scheduled' && now >= start - AROUND_MS && now <= start + c.durationMinutes * 60_000 + AROUND_MS;
		});
		for (const c of near) {
			const state = await hearth.live.snapshot(c.id);
			if (state && (state.phase === 'open' || state.phase === 'live')) return `${home}/convenings/${c.id}/live`;
		}
	} catch {
		// Anything unexpected here must not spoil a successful acceptance: the cohort's home always works.
	}
	return home;
}
