/**
 * Breakout assignment: who goes into which group when a facilitator opens a round.
 *
 * Invariants of every result:
 * - a participant appears at most once across `groups` and `unassigned` together, and every
 *   participant appears exactly once in one of them;
 * - no id outside the participant list is ever returned (saved groupings drop absentees);
 * - the random modes produce no empty group and sizes that differ by at most one;
 * - the output depends only on the inputs: randomness comes from the injected `random`,
 *   and everything else follows participant order, so the same inputs give the same groups.
 *
 * Pure: no Node, no DOM, no clock. Roles and persistence are the server's business.
 */
import { z } from 'zod';
import { MAX_NAME } from './schemas.ts';

export const MAX_GROUP_SIZE = 50;
export const MAX_GROUPS = 100;
export const MAX_GROUP_CAP = 100;
export const MAX_GROUPING_IDS = 1000;
export const MAX_ID_LENGTH = 100;

const idSchema = z
	.string({ message: 'Each person is identified by a text id.' })
	.min(1, 'A person id cannot be empty.')
	.max(MAX_ID_LENGTH, `A person id has at most ${MAX_ID_LENGTH} characters.`);

const groupNameSchema = z.string().trim().max(MAX_NAME, `Use at most ${MAX_NAME} characters for a group name.`).optional();

const listedGroupSchema = z.object({
	name: groupNameSchema,
	memberIds: z.array(idSchema).max(MAX_GROUPING_IDS, `A group lists at most ${MAX_GROUPING_IDS} people.`)
});

const listedGroupsSchema = z.array(listedGroupSchema).max(MAX_GROUPS, `Use at most ${MAX_GROUPS} groups.`);

export const groupingModeSchema = z
	.discriminatedUnion('kind', [
		z.object({
			kind: z.literal('random-size'),
			size: z
				.number({ message: 'Enter a group size.' })
				.int('Enter a whole number of people.')
				.min(2, 'A group has at least 2 people.')
				.max(MAX_GROUP_SIZE, `A group has at most ${MAX_GROUP_SIZE} people.`)
		}),
		z.object({
			kind: z.literal('random-count'),
			count: z
				.number({ message: 'Enter a number of groups.' })
				.int('Enter a whole number of groups.')
				.min(1, 'Make at least 1 group.')
				.max(MAX_GROUPS, `Make at most ${MAX_GROUPS} groups.`)
		}),
		z.object({ kind: z.literal('by-team') }),
		z.object({ kind: z.literal('manual'), groups: listedGroupsSchema.min(1, 'Make at least 1 group.') }),
		z.object({
			kind: z.literal('self-select'),
			groupCount: z
				.number({ message: 'Enter a number of groups.' })
				.int('Enter a whole number of groups.')
				.min(1, 'Offer at least 1 group.')
				.max(MAX_GROUPS, `Offer at most ${MAX_GROUPS} groups.`),
			cap: z
				.number({ message: 'Enter how many people fit in a group.' })
				.int('Enter a whole number of people.')
				.min(1, 'A group holds at least 1 person.')
				.max(MAX_GROUP_CAP, `A group holds at most ${MAX_GROUP_CAP} people.`),
			choices: z.record(
				idSchema,
				z
					.number()
					.int('Choose a group by its number.')
					.min(0)
					.max(MAX_GROUPS - 1)
			)
		}),
		z.object({ kind: z.literal('saved'), groups: listedGroupsSchema })
	])
	.superRefine((mode, ctx) => {
		if (mode.kind === 'manual' || mode.kind === 'saved') {
			const total = mode.groups.reduce((n, g) => n + g.memberIds.length, 0);
			if (total > MAX_GROUPING_IDS) ctx.addIssue({ code: 'custom', message: `List at most ${MAX_GROUPING_IDS} people.`, path: ['groups'] });
		} else if (mode.kind === 'self-select') {
			const entries = Object.entries(mode.choices);
			if (entries.length > MAX_GROUPING_IDS) {
				ctx.addIssue({ code: 'custom', message: `At most ${MAX_GROUPING_IDS} choices.`, path: ['choices'] });
			}
			for (const [id, index] of entries) {
				if (index >= mode.groupCount) ctx.addIssue({ code: 'custom', message: 'That group does not exist.', path: ['choices', id] });
			}
		}
	});
export type GroupingMode = z.infer<typeof groupingModeSchema>;
export type GroupingKind = GroupingMode['kind'];

export interface Participant {
	readonly id: string;
	readonly teamId?: string | null;
}

export interface Team {
	readonly id: string;
	readonly name: string;
}

export interface Group {
	name: string;
	memberIds: string[];
}

export interface Grouping {
	groups: Group[];
	/** Participants the grouping leaves for the server to place (manual, self-select). In participant order. */
	unassigned: string[];
}

export interface GroupingInput {
	/** Order matters: it is the tie-break everywhere (self-select claims, newcomer placement, team order without `teams`). */
	readonly participants: readonly Participant[];
	readonly mode: GroupingMode;
	/** Names and order of the teams for `by-team`. */
	readonly teams?: readonly Team[];
	/** Returns a number in [0, 1). Required by the random modes; injected so tests and replays are reproducible. */
	readonly random?: () => number;
}

export type GroupingErrorCode = 'invalid_mode' | 'duplicate_participant' | 'unknown_participant' | 'missing_random';

export class GroupingError extends Error {
	constructor(
		readonly code: GroupingErrorCode,
		message: string,
		/** The offending participant ids, so a facilitator's form can point at them. */
		readonly ids: readonly string[] = []
	) {
		super(message);
		this.name = 'GroupingError';
	}
}

export function defaultGroupName(index: number): string {
	return `Group ${index + 1}`;
}

export function assignGroups(input: GroupingInput): Grouping {
	const parsed = groupingModeSchema.safeParse(input.mode);
	if (!parsed.success) throw new GroupingError('invalid_mode', parsed.error.issues[0]?.message ?? 'Invalid grouping.');
	const mode = parsed.data;
	const participants = input.participants;
	const duplicates = findDuplicates(participants.map((p) => p.id));
	if (duplicates.length) throw new GroupingError('duplicate_participant', 'A participant is listed twice.', duplicates);

	switch (mode.kind) {
		case 'random-size': {
			const n = participants.length;
			// Rounding keeps sizes nearest the one asked for; the floor(n / 2) cap is what rules out a group of one.
			const count = n === 0 ? 0 : Math.max(1, Math.min(Math.round(n / mode.size), Math.floor(n / 2)));
			return { groups: deal(shuffle(ids(participants), needRandom(input)), count), unassigned: [] };
		}
		case 'random-count': {
			const count = Math.min(mode.count, participants.length);
			return { groups: deal(shuffle(ids(participants), needRandom(input)), count), unassigned: [] };
		}
		case 'by-team':
			return { groups: byTeam(participants, input.teams ?? []), unassigned: [] };
		case 'manual':
			return manual(participants, mode.groups);
		case 'self-select':
			return selfSelect(participants, mode.groupCount, mode.cap, mode.choices);
		case 'saved':
			return saved(participants, mode.groups);
	}
}

/**
 * Where a late joiner goes: the group with the most room (fewest members; the first on a tie),
 * or -1 when every group is at `cap`. Someone already in a group stays there, so a reconnect is harmless.
 */
export function placeLateJoiner(groups: readonly { readonly memberIds: readonly string[] }[], participantId: string, cap?: number): number {
	const current = groups.findIndex((g) => g.memberIds.includes(participantId));
	if (current !== -1) return current;
	let best = -1;
	groups.forEach((g, i) => {
		if (cap !== undefined && g.memberIds.length >= cap) return;
		const bestGroup = groups[best];
		if (!bestGroup || g.memberIds.length < bestGroup.memberIds.length) best = i;
	});
	return best;
}

function ids(participants: readonly Participant[]): string[] {
	return participants.map((p) => p.id);
}

function needRandom(input: GroupingInput): () => number {
	if (!input.random) throw new GroupingError('missing_random', `A ${input.mode.kind} grouping needs a random source.`);
	return input.random;
}

function findDuplicates(list: readonly string[]): string[] {
	const seen = new Set<string>();
	const dup = new Set<string>();
	for (const id of list) (seen.has(id) ? dup : seen).add(id);
	return [...dup];
}

/** Fisher–Yates on a copy. */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		// The clamp guards against a random source that can return exactly 1.
		const j = Math.min(i, Math.floor(random() * (i + 1)));
		[out[i], out[j]] = [out[j] as T, out[i] as T];
	}
	return out;
}

/** Cuts `list` into `count` consecutive runs whose lengths differ by at most one, larger runs first. */
function deal(list: readonly string[], count: number): Group[] {
	const groups: Group[] = [];
	if (count <= 0) return groups;
	const base = Math.floor(list.length / count);
	const larger = list.length % count;
	let at = 0;
	for (let i = 0; i < count; i++) {
		const size = base + (i < larger ? 1 : 0);
		groups.push({ name: defaultGroupName(i), memberIds: list.slice(at, at + size) });
		at += size;
	}
	return groups;
}

function smallestIndex(groups: readonly Group[]): number {
	let best = 0;
	groups.forEach((g, i) => {
		if (g.memberIds.length < (groups[best]?.memberIds.length ?? Infinity)) best = i;
	});
	return best;
}

function byTeam(participants: readonly Participant[], teams: readonly Team[]): Group[] {
	// Known teams keep the order the caller gave; teams missing from `teams` follow in order of first appearance.
	const teamOrder: string[] = teams.map((t) => t.id);
	const members = new Map<string, string[]>();
	const teamless: string[] = [];
	for (const p of participants) {
		if (p.teamId == null) {
			teamless.push(p.id);
			continue;
		}
		let list = members.get(p.teamId);
		if (!list) {
			list = [];
			members.set(p.teamId, list);
			if (!teamOrder.includes(p.teamId)) teamOrder.push(p.teamId);
		}
		list.push(p.id);
	}
	const names = new Map(teams.map((t) => [t.id, t.name]));
	const groups: Group[] = [];
	for (const teamId of teamOrder) {
		const list = members.get(teamId);
		if (!list) continue;
		groups.push({ name: names.get(teamId)?.trim() || defaultGroupName(groups.length), memberIds: [...list] });
	}
	if (groups.length === 0) return teamless.length ? [{ name: defaultGroupName(0), memberIds: teamless }] : [];
	for (const id of teamless) groups[smallestIndex(groups)]?.memberIds.push(id);
	return groups;
}

type ListedGroup = { name?: string | undefined; memberIds: string[] };

function manual(participants: readonly Participant[], listed: readonly ListedGroup[]): Grouping {
	const known = new Set(ids(participants));
	const all = listed.flatMap((g) => g.memberIds);
	const unknown = [...new Set(all.filter((id) => !known.has(id)))];
	if (unknown.length) throw new GroupingError('unknown_participant', 'Someone in the groups is not in this convening.', unknown);
	const duplicates = findDuplicates(all);
	if (duplicates.length) throw new GroupingError('duplicate_participant', 'Someone is in more than one group.', duplicates);
	const placed = new Set(all);
	return {
		// Empty groups are kept: a facilitator may open a room now and move people into it later.
		groups: listed.map((g, i) => ({ name: g.name || defaultGroupName(i), memberIds: [...g.memberIds] })),
		unassigned: ids(participants).filter((id) => !placed.has(id))
	};
}

function selfSelect(participants: readonly Participant[], groupCount: number, cap: number, choices: Record<string, number>): Grouping {
	const groups: Group[] = Array.from({ length: groupCount }, (_, i) => ({ name: defaultGroupName(i), memberIds: [] }));
	const unassigned: string[] = [];
	// Choices are claimed in participant order, so the caller decides who is first (e.g. by when they chose);
	// choices from people no longer present are ignored rather than refused, since they may just have left.
	for (const { id } of participants) {
		const choice = Object.hasOwn(choices, id) ? choices[id] : undefined;
		const group = choice === undefined ? undefined : groups[choice];
		if (group && group.memberIds.length < cap) group.memberIds.push(id);
		else unassigned.push(id);
	}
	return { groups, unassigned };
}

function saved(participants: readonly Participant[], listed: readonly ListedGroup[]): Grouping {
	const duplicates = findDuplicates(listed.flatMap((g) => g.memberIds));
	if (duplicates.length) throw new GroupingError('duplicate_participant', 'Someone is in more than one saved group.', duplicates);
	const present = new Set(ids(participants));
	const kept = listed
		.map((g) => ({ name: g.name, memberIds: g.memberIds.filter((id) => present.has(id)) }))
		.filter((g) => g.memberIds.length > 0);
	const groups: Group[] = kept.map((g, i) => ({ name: g.name || defaultGroupName(i), memberIds: g.memberIds }));
	const placed = new Set(groups.flatMap((g) => g.memberIds));
	const newcomers = ids(participants).filter((id) => !placed.has(id));
	if (groups.length === 0) return { groups: newcomers.length ? [{ name: defaultGroupName(0), memberIds: newcomers }] : [], unassigned: [] };
	for (const id of newcomers) groups[smallestIndex(groups)]?.memberIds.push(id);
	return { groups, unassigned: [] };
}
