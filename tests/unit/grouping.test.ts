import { describe, it, expect } from 'vitest';
import {
	assignGroups,
	groupingModeSchema,
	GroupingError,
	placeLateJoiner,
	type Grouping,
	type GroupingMode,
	type Participant
} from '../../shared/grouping.ts';

/** mulberry32: a tiny seeded generator, so "random" groupings are reproducible. */
function seeded(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function people(n: number, prefix = 'p'): Participant[] {
	return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i + 1}` }));
}

function sizes(g: Grouping): number[] {
	return g.groups.map((x) => x.memberIds.length);
}

function everyoneOnce(g: Grouping, participants: readonly Participant[]): void {
	const all = [...g.groups.flatMap((x) => x.memberIds), ...g.unassigned];
	expect([...all].sort()).toEqual(participants.map((p) => p.id).sort());
}

function groupingError(fn: () => unknown): GroupingError {
	try {
		fn();
	} catch (e) {
		expect(e).toBeInstanceOf(GroupingError);
		return e as GroupingError;
	}
	throw new Error('expected a GroupingError');
}

describe('random-size', () => {
	it('splits 7 people asked for groups of 3 into 4 + 3, never leaving one alone', () => {
		const ps = people(7);
		const g = assignGroups({ participants: ps, mode: { kind: 'random-size', size: 3 }, random: seeded(1) });
		expect(sizes(g)).toEqual([4, 3]);
		expect(g.unassigned).toEqual([]);
		everyoneOnce(g, ps);
	});

	it.each([
		[10, 3, [4, 3, 3]],
		[8, 3, [3, 3, 2]],
		[9, 3, [3, 3, 3]],
		[5, 2, [3, 2]],
		[3, 2, [3]],
		[4, 3, [4]],
		[2, 5, [2]],
		[1, 4, [1]],
		[0, 4, []]
	])('%i people, size %i -> %j', (n, size, expected) => {
		const g = assignGroups({ participants: people(n), mode: { kind: 'random-size', size }, random: seeded(n) });
		expect(sizes(g)).toEqual(expected);
	});

	it('keeps sizes within one of each other and avoids groups of one for every count and size', () => {
		for (let n = 0; n <= 60; n++) {
			for (let size = 2; size <= 8; size++) {
				const ps = people(n);
				const g = assignGroups({ participants: ps, mode: { kind: 'random-size', size }, random: seeded(n * 100 + size) });
				const s = sizes(g);
				everyoneOnce(g, ps);
				if (n === 0) continue;
				expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
				if (n > 1) expect(Math.min(...s)).toBeGreaterThanOrEqual(2);
				// "About size": the group count is the nearest to n / size that the rules allow.
				if (n >= 2 * size) expect(Math.abs(s.length - n / size)).toBeLessThanOrEqual(0.5);
			}
		}
	});

	it('names groups Group 1, Group 2, ...', () => {
		const g = assignGroups({ participants: people(9), mode: { kind: 'random-size', size: 3 }, random: seeded(3) });
		expect(g.groups.map((x) => x.name)).toEqual(['Group 1', 'Group 2', 'Group 3']);
	});

	it('is reproducible with the same random source and shuffles with it', () => {
		const ps = people(12);
		const mode: GroupingMode = { kind: 'random-size', size: 4 };
		const a = assignGroups({ participants: ps, mode, random: seeded(42) });
		const b = assignGroups({ participants: ps, mode, random: seeded(42) });
		expect(a).toEqual(b);
		const inOrder = [ps.slice(0, 4), ps.slice(4, 8), ps.slice(8)].map((x) => x.map((p) => p.id));
		expect(a.groups.map((x) => x.memberIds)).not.toEqual(inOrder);
		// A source that always returns 0 is a fixed permutation: the groups follow it exactly.
		const zero = assignGroups({ participants: people(4), mode: { kind: 'random-size', size: 2 }, random: () => 0 });
		expect(zero.groups.map((x) => x.memberIds)).toEqual([
			['p2', 'p3'],
			['p4', 'p1']
		]);
	});

	it('tolerates a random source that returns 1', () => {
		const ps = people(6);
		const g = assignGroups({ participants: ps, mode: { kind: 'random-size', size: 3 }, random: () => 1 });
		everyoneOnce(g, ps);
	});

	it('refuses to run without a random source', () => {
		const e = groupingError(() => assignGroups({ participants: people(4), mode: { kind: 'random-size', size: 2 } }));
		expect(e.code).toBe('missing_random');
	});
});

describe('random-count', () => {
	it('makes exactly count groups with sizes differing by at most one', () => {
		const ps = people(10);
		const g = assignGroups({ participants: ps, mode: { kind: 'random-count', count: 3 }, random: seeded(7) });
		expect(sizes(g)).toEqual([4, 3, 3]);
		everyoneOnce(g, ps);
	});

	it('makes fewer groups than asked when there are fewer people, and never an empty one', () => {
		const g = assignGroups({ participants: people(2), mode: { kind: 'random-count', count: 5 }, random: seeded(7) });
		expect(sizes(g)).toEqual([1, 1]);
		expect(assignGroups({ participants: [], mode: { kind: 'random-count', count: 5 }, random: seeded(7) }).groups).toEqual([]);
	});

	it('holds for many counts', () => {
		for (let n = 1; n <= 40; n++) {
			for (let count = 1; count <= 12; count++) {
				const ps = people(n);
				const g = assignGroups({ participants: ps, mode: { kind: 'random-count', count }, random: seeded(n + count * 1000) });
				const s = sizes(g);
				expect(s.length).toBe(Math.min(n, count));
				expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
				expect(Math.min(...s)).toBeGreaterThanOrEqual(1);
				everyoneOnce(g, ps);
			}
		}
	});
});

describe('by-team', () => {
	const teams = [
		{ id: 'oak', name: 'Oak School' },
		{ id: 'elm', name: 'Elm Collective' },
		{ id: 'ash', name: 'Ash Valley' }
	];

	it('keeps each team together, named after it, in the order the teams are given', () => {
		const ps: Participant[] = [
			{ id: 'a1', teamId: 'ash' },
			{ id: 'o1', teamId: 'oak' },
			{ id: 'e1', teamId: 'elm' },
			{ id: 'o2', teamId: 'oak' },
			{ id: 'o3', teamId: 'oak' },
			{ id: 'e2', teamId: 'elm' }
		];
		const g = assignGroups({ participants: ps, mode: { kind: 'by-team' }, teams });
		expect(g.groups).toEqual([
			{ name: 'Oak School', memberIds: ['o1', 'o2', 'o3'] },
			{ name: 'Elm Collective', memberIds: ['e1', 'e2'] },
			{ name: 'Ash Valley', memberIds: ['a1'] }
		]);
		expect(g.unassigned).toEqual([]);
	});

	it('spreads people without a team into the smallest groups', () => {
		const ps: Participant[] = [
			{ id: 'o1', teamId: 'oak' },
			{ id: 'o2', teamId: 'oak' },
			{ id: 'o3', teamId: 'oak' },
			{ id: 'o4', teamId: 'oak' },
			{ id: 'e1', teamId: 'elm' },
			{ id: 'e2', teamId: 'elm' },
			{ id: 'a1', teamId: 'ash' },
			{ id: 'x1' },
			{ id: 'x2', teamId: null },
			{ id: 'x3' },
			{ id: 'x4' }
		];
		const g = assignGroups({ participants: ps, mode: { kind: 'by-team' }, teams });
		// 4/2/1: x1 -> ash (2); elm and ash tie at 2, the first wins: x2 -> elm; x3 -> ash; tie at 3 again: x4 -> elm.
		expect(g.groups).toEqual([
			{ name: 'Oak School', memberIds: ['o1', 'o2', 'o3', 'o4'] },
			{ name: 'Elm Collective', memberIds: ['e1', 'e2', 'x2', 'x4'] },
			{ name: 'Ash Valley', memberIds: ['a1', 'x1', 'x3'] }
		]);
		everyoneOnce(g, ps);
	});

	it('puts everyone in one group when nobody has a team', () => {
		const ps = people(5);
		const g = assignGroups({ participants: ps, mode: { kind: 'by-team' }, teams });
		expect(g.groups).toEqual([{ name: 'Group 1', memberIds: ['p1', 'p2', 'p3', 'p4', 'p5'] }]);
	});

	it('skips teams with nobody present and names teams it does not know by position', () => {
		const ps: Participant[] = [
			{ id: 'z1', teamId: 'zeta' },
			{ id: 'e1', teamId: 'elm' }
		];
		const g = assignGroups({ participants: ps, mode: { kind: 'by-team' }, teams });
		expect(g.groups).toEqual([
			{ name: 'Elm Collective', memberIds: ['e1'] },
			{ name: 'Group 2', memberIds: ['z1'] }
		]);
	});

	it('works without team names and with nobody at all', () => {
		const ps: Participant[] = [
			{ id: 'b1', teamId: 'b' },
			{ id: 'a1', teamId: 'a' },
			{ id: 'b2', teamId: 'b' }
		];
		const g = assignGroups({ participants: ps, mode: { kind: 'by-team' } });
		expect(g.groups).toEqual([
			{ name: 'Group 1', memberIds: ['b1', 'b2'] },
			{ name: 'Group 2', memberIds: ['a1'] }
		]);
		expect(assignGroups({ participants: [], mode: { kind: 'by-team' }, teams })).toEqual({ groups: [], unassigned: [] });
	});
});

describe('manual', () => {
	const ps = people(5);

	it('uses the groups as given and returns people not listed as unassigned', () => {
		const g = assignGroups({
			participants: ps,
			mode: {
				kind: 'manual',
				groups: [{ name: 'Listeners', memberIds: ['p3', 'p1'] }, { memberIds: ['p5'] }, { name: '  ', memberIds: [] }]
			}
		});
		expect(g.groups).toEqual([
			{ name: 'Listeners', memberIds: ['p3', 'p1'] },
			{ name: 'Group 2', memberIds: ['p5'] },
			{ name: 'Group 3', memberIds: [] }
		]);
		expect(g.unassigned).toEqual(['p2', 'p4']);
	});

	it('refuses an id that is not a participant, naming it', () => {
		const e = groupingError(() =>
			assignGroups({ participants: ps, mode: { kind: 'manual', groups: [{ memberIds: ['p1', 'ghost'] }, { memberIds: ['ghost'] }] } })
		);
		expect(e.code).toBe('unknown_participant');
		expect(e.ids).toEqual(['ghost']);
	});

	it('refuses a person listed twice, within a group or across groups', () => {
		const across = groupingError(() =>
			assignGroups({ participants: ps, mode: { kind: 'manual', groups: [{ memberIds: ['p1', 'p2'] }, { memberIds: ['p2'] }] } })
		);
		expect(across.code).toBe('duplicate_participant');
		expect(across.ids).toEqual(['p2']);
		const within = groupingError(() => assignGroups({ participants: ps, mode: { kind: 'manual', groups: [{ memberIds: ['p4', 'p4'] }] } }));
		expect(within.code).toBe('duplicate_participant');
	});

	it('refuses a mode that does not match the schema', () => {
		const e = groupingError(() => assignGroups({ participants: ps, mode: { kind: 'manual', groups: [] } }));
		expect(e.code).toBe('invalid_mode');
	});
});

describe('self-select', () => {
	it('places people in their chosen group in participant order until it is full; the rest are unassigned', () => {
		const ps = people(6);
		const g = assignGroups({
			participants: ps,
			mode: { kind: 'self-select', groupCount: 3, cap: 2, choices: { p1: 0, p2: 0, p3: 0, p4: 2, p6: 0 } }
		});
		expect(g.groups).toEqual([
			{ name: 'Group 1', memberIds: ['p1', 'p2'] },
			{ name: 'Group 2', memberIds: [] },
			{ name: 'Group 3', memberIds: ['p4'] }
		]);
		// p3 and p6 overflowed group 1; p5 never chose.
		expect(g.unassigned).toEqual(['p3', 'p5', 'p6']);
	});

	it('claims follow the participant order, not the order of the choices object', () => {
		const g = assignGroups({
			participants: [{ id: 'late' }, { id: 'early' }],
			mode: { kind: 'self-select', groupCount: 1, cap: 1, choices: { early: 0, late: 0 } }
		});
		expect(g.groups[0]?.memberIds).toEqual(['late']);
		expect(g.unassigned).toEqual(['early']);
	});

	it('ignores choices from people who are not here', () => {
		const g = assignGroups({ participants: people(1), mode: { kind: 'self-select', groupCount: 1, cap: 1, choices: { gone: 0, p1: 0 } } });
		expect(g).toEqual({ groups: [{ name: 'Group 1', memberIds: ['p1'] }], unassigned: [] });
	});

	it('refuses a choice of a group that does not exist', () => {
		const e = groupingError(() =>
			assignGroups({ participants: people(2), mode: { kind: 'self-select', groupCount: 2, cap: 5, choices: { p1: 2 } } })
		);
		expect(e.code).toBe('invalid_mode');
	});
});

describe('saved', () => {
	it('keeps present people in their saved group, drops absentees and empty groups, and puts newcomers in the smallest', () => {
		const ps: Participant[] = ['a', 'b', 'c', 'e', 'new1', 'new2', 'new3'].map((id) => ({ id }));
		const g = assignGroups({
			participants: ps,
			mode: {
				kind: 'saved',
				groups: [
					{ name: 'Roots', memberIds: ['a', 'b', 'c'] },
					{ name: 'Gone', memberIds: ['x', 'y'] },
					{ name: 'Branches', memberIds: ['d', 'e'] }
				]
			}
		});
		expect(g.groups).toEqual([
			{ name: 'Roots', memberIds: ['a', 'b', 'c', 'new3'] },
			{ name: 'Branches', memberIds: ['e', 'new1', 'new2'] }
		]);
		expect(g.unassigned).toEqual([]);
		everyoneOnce(g, ps);
	});

	it('names unnamed saved groups by their new position', () => {
		const g = assignGroups({
			participants: people(2),
			mode: { kind: 'saved', groups: [{ memberIds: ['absent'] }, { memberIds: ['p2'] }, { memberIds: ['p1'] }] }
		});
		expect(g.groups).toEqual([
			{ name: 'Group 1', memberIds: ['p2'] },
			{ name: 'Group 2', memberIds: ['p1'] }
		]);
	});

	it('gathers newcomers into one group when nobody from the saved grouping is here', () => {
		const g = assignGroups({ participants: people(3), mode: { kind: 'saved', groups: [{ name: 'Old', memberIds: ['q1', 'q2'] }] } });
		expect(g.groups).toEqual([{ name: 'Group 1', memberIds: ['p1', 'p2', 'p3'] }]);
	});

	it('refuses a saved grouping that lists someone twice', () => {
		const e = groupingError(() =>
			assignGroups({ participants: people(2), mode: { kind: 'saved', groups: [{ memberIds: ['p1'] }, { memberIds: ['p1', 'p2'] }] } })
		);
		expect(e.code).toBe('duplicate_participant');
	});
});

describe('participants', () => {
	it('refuses a participant list with the same id twice', () => {
		const e = groupingError(() => assignGroups({ participants: [{ id: 'a' }, { id: 'a' }], mode: { kind: 'by-team' } }));
		expect(e.code).toBe('duplicate_participant');
		expect(e.ids).toEqual(['a']);
	});
});

describe('placeLateJoiner', () => {
	const groups = [{ memberIds: ['a', 'b', 'c'] }, { memberIds: ['d', 'e'] }, { memberIds: ['f', 'g'] }];

	it('picks the group with the most room, the first on a tie', () => {
		expect(placeLateJoiner(groups, 'z')).toBe(1);
		expect(placeLateJoiner([{ memberIds: ['a'] }, { memberIds: [] }], 'z')).toBe(1);
	});

	it('respects the cap and answers -1 when every group is full', () => {
		expect(placeLateJoiner(groups, 'z', 2)).toBe(-1);
		expect(placeLateJoiner(groups, 'z', 3)).toBe(1);
		expect(placeLateJoiner([{ memberIds: ['a', 'b'] }, { memberIds: ['c', 'd', 'e'] }], 'z', 3)).toBe(0);
		expect(placeLateJoiner([], 'z')).toBe(-1);
	});

	it('leaves someone already placed where they are', () => {
		expect(placeLateJoiner(groups, 'b')).toBe(0);
		expect(placeLateJoiner(groups, 'b', 1)).toBe(0);
	});
});

describe('groupingModeSchema', () => {
	const valid = (mode: unknown) => groupingModeSchema.safeParse(mode).success;

	it('accepts every mode', () => {
		expect(valid({ kind: 'random-size', size: 2 })).toBe(true);
		expect(valid({ kind: 'random-size', size: 50 })).toBe(true);
		expect(valid({ kind: 'random-count', count: 1 })).toBe(true);
		expect(valid({ kind: 'random-count', count: 100 })).toBe(true);
		expect(valid({ kind: 'by-team' })).toBe(true);
		expect(valid({ kind: 'manual', groups: [{ name: 'A', memberIds: ['x'] }] })).toBe(true);
		expect(valid({ kind: 'self-select', groupCount: 3, cap: 1, choices: { x: 2 } })).toBe(true);
		expect(valid({ kind: 'saved', groups: [] })).toBe(true);
	});

	it('enforces the bounds', () => {
		expect(valid({ kind: 'random-size', size: 1 })).toBe(false);
		expect(valid({ kind: 'random-size', size: 51 })).toBe(false);
		expect(valid({ kind: 'random-size', size: 2.5 })).toBe(false);
		expect(valid({ kind: 'random-size', size: '3' })).toBe(false);
		expect(valid({ kind: 'random-count', count: 0 })).toBe(false);
		expect(valid({ kind: 'random-count', count: 101 })).toBe(false);
		expect(valid({ kind: 'self-select', groupCount: 3, cap: 0, choices: {} })).toBe(false);
		expect(valid({ kind: 'self-select', groupCount: 3, cap: 101, choices: {} })).toBe(false);
		expect(valid({ kind: 'self-select', groupCount: 0, cap: 2, choices: {} })).toBe(false);
		expect(valid({ kind: 'self-select', groupCount: 3, cap: 2, choices: { x: 3 } })).toBe(false);
		expect(valid({ kind: 'self-select', groupCount: 3, cap: 2, choices: { '': 0 } })).toBe(false);
		expect(valid({ kind: 'manual', groups: [{ memberIds: [''] }] })).toBe(false);
		expect(valid({ kind: 'manual', groups: [{ memberIds: ['x'.repeat(101)] }] })).toBe(false);
		expect(valid({ kind: 'manual', groups: [{ memberIds: ['x'.repeat(100)] }] })).toBe(true);
		expect(valid({ kind: 'shuffle' })).toBe(false);
	});

	it('allows at most 1000 ids in all', () => {
		const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `id${from + i}`);
		expect(valid({ kind: 'manual', groups: [{ memberIds: ids(500) }, { memberIds: ids(500, 500) }] })).toBe(true);
		expect(valid({ kind: 'manual', groups: [{ memberIds: ids(500) }, { memberIds: ids(501, 500) }] })).toBe(false);
		expect(valid({ kind: 'saved', groups: [{ memberIds: ids(1001) }] })).toBe(false);
		const choices = Object.fromEntries(ids(1001).map((id) => [id, 0]));
		expect(valid({ kind: 'self-select', groupCount: 1, cap: 1, choices })).toBe(false);
	});

	it('trims group names', () => {
		const parsed = groupingModeSchema.parse({ kind: 'manual', groups: [{ name: '  Roots ', memberIds: [] }] });
		expect(parsed).toEqual({ kind: 'manual', groups: [{ name: 'Roots', memberIds: [] }] });
	});
});
