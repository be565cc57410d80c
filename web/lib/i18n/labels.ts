/** Names of shared enums (roles, write policies, phases, reactions) in the viewer's language. */
import type { Role } from '../../../shared/roles.ts';
import type { WritePolicy } from '../../../shared/board.ts';
import type { ConveningPhase, Reaction } from '../../../shared/live.ts';
import { m } from './index.ts';

export const roleLabel = (role: Role): string =>
	({ facilitator: m.role_facilitator, member: m.role_member, observer: m.role_observer })[role]();

export const writePolicyLabel = (policy: WritePolicy): string =>
	({ cohort: m.policy_cohort, group: m.policy_group, facilitators: m.policy_facilitators, locked: m.policy_locked })[policy]();

export const phaseLabel = (phase: ConveningPhase): string =>
	({ scheduled: m.phase_scheduled, open: m.phase_open, live: m.phase_live, ended: m.phase_ended })[phase]();

export const reactionLabel = (reaction: Reaction): string =>
	({ heart: m.reaction_heart, clap: m.reaction_clap, smile: m.reaction_smile, bulb: m.reaction_bulb, hands: m.reaction_hands })[reaction]();
