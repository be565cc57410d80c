import type { Actions, PageServerLoad } from './$types';
import { can } from '$shared/roles.ts';
import { formValues, orError, orFail, requireUser } from '$lib/server/guard';
import { m } from '$lib/i18n';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { hearth } = event.locals;
	const view = await orError(hearth.cohorts.view(user, event.params.cohortId));
	const manage = can(view.role, 'people.manage');
	const invites = can(view.role, 'people.invite') ? await hearth.invites.list(user, event.params.cohortId) : [];
	return {
		me: user.id,
		manage,
		teams: view.teams,
		// Email addresses are for facilitators; members see names, roles and teams.
		members: view.members.map((m) => ({
			userId: m.userId,
			name: m.name,
			role: m.role,
			teamId: m.teamId,
			timeZone: m.timeZone,
			email: manage ? m.email : null
		})),
		invites: invites.map((i) => ({ id: i.id, role: i.role, email: i.email, expiresAt: i.expiresAt, state: i.state, usedAt: i.usedAt }))
	};
};

function field(data: FormData, key: string): string {
	const v = data.get(key);
	return typeof v === 'string' ? v : '';
}

export const actions: Actions = {
	invite: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const values = formValues(data);
		const r = await orFail(event.locals.hearth.invites.create(user, event.params.cohortId, values), values);
		if (!r.ok) return r.failure;
		return { inviteUrl: `${event.url.origin}/invite/${r.data.token}`, inviteRole: r.data.invite.role };
	},
	revokeInvite: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const r = await orFail(event.locals.hearth.invites.revoke(user, event.params.cohortId, field(data, 'inviteId')));
		return r.ok ? { message: m.people_revoked() } : r.failure;
	},
	createTeam: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData());
		const r = await orFail(event.locals.hearth.cohorts.createTeam(user, event.params.cohortId, { name: values.name }), values);
		return r.ok ? { message: m.people_team_created({ name: r.data.name }) } : r.failure;
	},
	renameTeam: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const r = await orFail(
			event.locals.hearth.cohorts.renameTeam(user, event.params.cohortId, field(data, 'teamId'), { name: field(data, 'name') })
		);
		return r.ok ? { message: m.people_team_renamed() } : r.failure;
	},
	deleteTeam: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const r = await orFail(event.locals.hearth.cohorts.deleteTeam(user, event.params.cohortId, field(data, 'teamId')));
		return r.ok ? { message: m.people_team_removed() } : r.failure;
	},
	updateMember: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const memberId = field(data, 'userId');
		const teamId = field(data, 'teamId');
		const { cohorts } = event.locals.hearth;
		const r = await orFail(
			(async () => {
				await cohorts.setRole(user, event.params.cohortId, memberId, field(data, 'role'));
				await cohorts.assignTeam(user, event.params.cohortId, memberId, teamId === '' ? null : teamId);
			})()
		);
		return r.ok ? { message: m.common_saved() } : r.failure;
	},
	removeMember: async (event) => {
		const user = requireUser(event);
		const data = await event.request.formData();
		const r = await orFail(event.locals.hearth.cohorts.removeMember(user, event.params.cohortId, field(data, 'userId')));
		return r.ok ? { message: m.people_member_removed() } : r.failure;
	}
};
