import type { Actions, PageServerLoad } from './$types';
import { can } from '$shared/roles.ts';
import { orError, orFail, requireUser } from '$lib/server/guard';
import { m } from '$lib/i18n';

/** How early before its start a convening can be joined. */
const JOIN_EARLY_MS = 15 * 60_000;

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { hearth } = event.locals;
	const view = await orError(hearth.cohorts.view(user, event.params.cohortId));
	const now = hearth.clock.now();
	const teams = view.teams.map((t) => ({ ...t, members: view.members.filter((m) => m.role === 'member' && m.teamId === t.id) }));
	const strip = (m: (typeof view.members)[number]) => ({ userId: m.userId, name: m.name, timeZone: m.timeZone });
	return {
		serverNow: now,
		next: view.next && {
			...view.next,
			joinable: now >= Date.parse(view.next.startsAt) - JOIN_EARLY_MS
		},
		convenings: view.convenings.map(({ agenda: _a, ...c }) => c),
		teams: teams.map((t) => ({ id: t.id, name: t.name, members: t.members.map(strip) })),
		withoutTeam: view.members.filter((m) => m.role === 'member' && !m.teamId).map(strip),
		facilitators: view.members.filter((m) => m.role === 'facilitator').map(strip),
		observers: view.members.filter((m) => m.role === 'observer').map(strip),
		feedUrl: view.cohort.feedToken ? `${event.url.origin}/feeds/${view.cohort.feedToken}.ics` : null,
		canManageFeed: can(view.role, 'calendar.feed.manage')
	};
};

export const actions: Actions = {
	rotateFeed: async (event) => {
		const user = requireUser(event);
		const r = await orFail(event.locals.hearth.cohorts.rotateFeed(user, event.params.cohortId));
		return r.ok ? { feedMessage: m.cohort_feed_rotated() } : r.failure;
	},
	revokeFeed: async (event) => {
		const user = requireUser(event);
		const r = await orFail(event.locals.hearth.cohorts.revokeFeed(user, event.params.cohortId));
		return r.ok ? { feedMessage: m.cohort_feed_revoked() } : r.failure;
	}
};
