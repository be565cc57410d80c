import { readdirSync, readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { enumerateLoops, findLoops, findLoopsLimited, numberLoops, readLoop } from '../../shared/loops.ts';
import type { CldGraph, CldLink, Loop } from '../../shared/loops.ts';

interface Fixture extends CldGraph {
	name: string;
	expected_loops: Loop[];
}

const fixtureDir = new URL('../../../shared/fixtures/cld/', import.meta.url);
const fixtures = readdirSync(fixtureDir)
	.filter((file) => file.endsWith('.json'))
	.sort()
	.map((file) => ({ file, fixture: JSON.parse(readFileSync(new URL(file, fixtureDir), 'utf8')) as Fixture }));

function graph(edges: CldLink[], extraNodes: string[] = []): CldGraph {
	const ids = new Set([...extraNodes, ...edges.flatMap((e) => [e.from, e.to])]);
	return { nodes: [...ids].map((id) => ({ id })), edges };
}

const link = (from: string, to: string, polarity: CldLink['polarity'] = '+', delay = false, id?: string): CldLink =>
	id === undefined ? { from, to, polarity, delay } : { id, from, to, polarity, delay };

/** Every directed cycle by plain depth-first search, as the edge indices along it: the reference Johnson's must match. */
function bruteForceCycles(g: CldGraph): string[] {
	const ids = [...new Set(g.nodes.map((n) => n.id))].sort();
	const out: string[] = [];
	for (const start of ids) {
		const walk = (at: string, seen: Set<string>, edges: number[]) => {
			g.edges.forEach((e, i) => {
				if (e.from !== at || e.to < start) return;
				if (e.to === start) out.push([...edges, i].join(','));
				else if (!seen.has(e.to)) walk(e.to, new Set([...seen, e.to]), [...edges, i]);
			});
		};
		walk(start, new Set([start]), []);
	}
	return out.sort();
}

function complete(n: number): CldGraph {
	const ids = Array.from({ length: n }, (_, i) => `v${String(i).padStart(2, '0')}`);
	return graph(ids.flatMap((a) => ids.filter((b) => b !== a).map((b) => link(a, b, a < b ? '+' : '-'))));
}

describe('findLoops on the system archetype fixtures', () => {
	it('finds the fixtures', () => {
		expect(fixtures.length).toBe(14);
	});

	// README fixes the rotation; it is silent on loop order, but every fixture lists shorter loops first and then by
	// node ids, which is findLoops' own order, so the comparison is exact.
	for (const { file, fixture } of fixtures) {
		it(`${file}: ${fixture.name}`, () => {
			expect(findLoops(fixture)).toEqual(fixture.expected_loops);
		});
	}
});

describe('findLoops', () => {
	it('counts a self-link as a loop of one variable', () => {
		const g = graph([link('a', 'a', '-'), link('a', 'b'), link('b', 'a')]);
		expect(findLoops(g)).toEqual([
			{ nodes: ['a'], type: 'B', delayed: false },
			{ nodes: ['a', 'b'], type: 'R', delayed: false }
		]);
	});

	it('gives parallel links of opposite polarity distinct loops with distinct keys', () => {
		const g = graph([link('b', 'a'), link('a', 'b', '+'), link('a', 'b', '-')]);
		expect(findLoops(g)).toEqual([
			{ nodes: ['a', 'b'], type: 'R', delayed: false },
			{ nodes: ['a', 'b'], type: 'B', delayed: false }
		]);
		const { loops } = findLoopsLimited(g);
		expect(new Set(loops.map((l) => l.key)).size).toBe(2);
		expect(loops.map((l) => l.links.map((x) => x.edge))).toEqual([
			[1, 0],
			[2, 0]
		]);
	});

	it.each([['?'], ['unknown'], [undefined], [null]] as const)('makes a loop with a %s link type unknown', (polarity) => {
		const g = graph([link('a', 'b', '-'), { from: 'b', to: 'a', polarity }]);
		expect(findLoops(g)).toEqual([{ nodes: ['a', 'b'], type: 'U', delayed: false }]);
	});

	it('marks exactly the loops through a delayed link as delayed', () => {
		const g = graph([link('a', 'b'), link('b', 'a', '+', true), link('b', 'c'), link('c', 'b', '-')]);
		expect(findLoops(g)).toEqual([
			{ nodes: ['a', 'b'], type: 'R', delayed: true },
			{ nodes: ['b', 'c'], type: 'B', delayed: false }
		]);
	});

	it('ignores links to variables that are not in the graph', () => {
		const g: CldGraph = { nodes: [{ id: 'a' }], edges: [link('a', 'ghost'), link('ghost', 'a')] };
		expect(findLoops(g)).toEqual([]);
	});

	it('keys a loop the same whatever order the graph lists it in', () => {
		const edges = [link('x', 'y', '+', false, 'e1'), link('y', 'z', '-', false, 'e2'), link('z', 'x', '+', false, 'e3')];
		const [one] = findLoopsLimited(graph(edges)).loops;
		const [two] = findLoopsLimited(graph([...edges].reverse(), ['z', 'y'])).loops;
		expect(one?.key).toBe(JSON.stringify(['e1', 'e2', 'e3']));
		expect(two?.key).toBe(one?.key);
	});

	it('counts every cycle of small complete graphs', () => {
		// sum over k of C(n, k) * (k - 1)!
		expect(findLoops(complete(4))).toHaveLength(20);
		expect(findLoops(complete(5))).toHaveLength(84);
		expect(findLoops(complete(6))).toHaveLength(409);
	});

	it('agrees with a brute-force search on random multigraphs with self-links', () => {
		let seed = 12345;
		const random = () => {
			seed = (seed * 1103515245 + 12345) % 2147483648;
			return seed / 2147483648;
		};
		for (let round = 0; round < 40; round++) {
			const ids = Array.from({ length: 2 + Math.floor(random() * 6) }, (_, i) => `n${i}`);
			const pick = () => ids[Math.floor(random() * ids.length)]!;
			const edges = Array.from({ length: Math.floor(random() * 14) }, () => link(pick(), pick(), random() < 0.5 ? '+' : '-'));
			const g = graph(edges, ids);
			const found = [...enumerateLoops(g)].map((l) => l.links.map((x) => x.edge).join(',')).sort();
			expect(found).toEqual(bruteForceCycles(g));
		}
	});
});

describe('findLoopsLimited', () => {
	it('stops early on a complete graph of 12 variables and says it truncated', () => {
		const started = performance.now();
		const { loops, truncated } = findLoopsLimited(complete(12), { limit: 500 });
		// Listing all ~1.2e8 loops would take minutes; a limit of 500 must take milliseconds.
		expect(performance.now() - started).toBeLessThan(2000);
		expect(loops).toHaveLength(500);
		expect(truncated).toBe(true);
		expect(new Set(loops.map((l) => l.key)).size).toBe(500);
	});

	it('does not report truncation when the limit is exactly met', () => {
		const g = complete(3); // 3 two-variable loops and 2 three-variable loops
		expect(findLoopsLimited(g, { limit: 5 })).toMatchObject({ truncated: false });
		expect(findLoopsLimited(g, { limit: 4 }).loops).toHaveLength(4);
		expect(findLoopsLimited(g, { limit: 4 }).truncated).toBe(true);
		expect(findLoopsLimited(g, { limit: 0 })).toEqual({ loops: [], truncated: true, total: 1, countCapped: true });
		expect(findLoopsLimited(graph([link('a', 'b')]), { limit: 0 })).toEqual({ loops: [], truncated: false, total: 0, countCapped: false });
		expect(findLoops(g, { limit: 2 })).toHaveLength(2);
	});

	it('counts past the limit up to a cap, so the list can say "and N more"', () => {
		// complete(5) has C(5,k)·(k-1)! loops of k variables: 10 + 20 + 30 + 24 = 84.
		expect(findLoopsLimited(complete(5), { limit: 10, countUpTo: 1000 })).toMatchObject({ total: 84, countCapped: false, truncated: true });
		expect(findLoopsLimited(complete(5), { limit: 10, countUpTo: 1000 }).loops).toHaveLength(10);
		expect(findLoopsLimited(complete(5), { limit: 10, countUpTo: 50 })).toMatchObject({ total: 50, countCapped: true, truncated: true });
		// A cap below the limit still finds the limit's loops.
		expect(findLoopsLimited(complete(5), { limit: 10, countUpTo: 3 })).toMatchObject({ total: 11, countCapped: true });
		expect(findLoopsLimited(complete(5))).toMatchObject({ total: 84, countCapped: false, truncated: false });
		// Parallel links multiply: each choice is a loop, and each is counted.
		const parallel = graph([link('a', 'b', '+', false, 'l1'), link('a', 'b', '-', false, 'l2'), link('b', 'a', '+', false, 'l3')]);
		expect(findLoopsLimited(parallel, { limit: 1, countUpTo: 10 })).toMatchObject({ total: 2, countCapped: false, truncated: true });
		const started = performance.now();
		const dense = findLoopsLimited(complete(12), { limit: 60, countUpTo: 10_000 });
		expect(performance.now() - started).toBeLessThan(2000);
		expect(dense).toMatchObject({ total: 10_000, countCapped: true, truncated: true });
		expect(dense.loops).toHaveLength(60);
	});

	it('can be drained a slice at a time', () => {
		const all = findLoopsLimited(complete(5)).loops.map((l) => l.key);
		const generator = enumerateLoops(complete(5));
		const sliced: string[] = [];
		let slices = 0;
		for (let done = false; !done; slices++) {
			for (let i = 0; i < 10 && !done; i++) {
				const step = generator.next();
				if (step.done) done = true;
				else sliced.push(step.value.key);
			}
		}
		expect(slices).toBe(9);
		expect(sliced.sort()).toEqual([...all].sort());
	});
});

describe('numberLoops', () => {
	// Two reinforcing loops, a-b and c-d, and two balancing ones, e-f and g-h.
	const base = [
		link('a', 'b', '+', false, 'ab'),
		link('b', 'a', '+', false, 'ba'),
		link('c', 'd', '+', false, 'cd'),
		link('d', 'c', '+', false, 'dc'),
		link('e', 'f', '-', false, 'ef'),
		link('f', 'e', '+', false, 'fe'),
		link('g', 'h', '-', false, 'gh'),
		link('h', 'g', '+', false, 'hg')
	];
	const labelsOf = (edges: CldLink[], previous: ReadonlyMap<string, string> = new Map()) => {
		const { loops } = findLoopsLimited(graph(edges));
		const labels = numberLoops(previous, loops);
		const byNodes = Object.fromEntries(loops.map((l) => [l.nodes.join('-'), labels.get(l.key)]));
		return { labels, byNodes };
	};

	it('numbers each type from 1', () => {
		expect(labelsOf(base).byNodes).toEqual({ 'a-b': 'R1', 'c-d': 'R2', 'e-f': 'B1', 'g-h': 'B2' });
	});

	it('keeps the labels of loops that remain and gives a new loop the lowest free number', () => {
		const first = labelsOf(base);
		const withoutAB = base.filter((e) => e.id !== 'ba');
		const second = labelsOf(withoutAB, first.labels);
		expect(second.byNodes).toEqual({ 'c-d': 'R2', 'e-f': 'B1', 'g-h': 'B2' });

		const third = labelsOf([...withoutAB, link('i', 'j', '+', false, 'ij'), link('j', 'i', '+', false, 'ji')], second.labels);
		expect(third.byNodes).toEqual({ 'c-d': 'R2', 'e-f': 'B1', 'g-h': 'B2', 'i-j': 'R1' });

		const fourth = labelsOf([...withoutAB, link('0', '1', '-', false, '01'), link('1', '0', '+', false, '10')], second.labels);
		expect(fourth.byNodes).toEqual({ '0-1': 'B3', 'c-d': 'R2', 'e-f': 'B1', 'g-h': 'B2' });
	});

	it('names a loop afresh when a polarity flip changes its type, and numbers unknown loops U', () => {
		// g-h turns unknown and gives up B2, which c-d, now balancing, takes as the lowest free B.
		const first = labelsOf(base);
		const flipped = base.map((e) =>
			e.id === 'cd' ? { ...e, polarity: '-' as const } : e.id === 'gh' ? { ...e, polarity: '?' as const } : e
		);
		expect(labelsOf(flipped, first.labels).byNodes).toEqual({ 'a-b': 'R1', 'c-d': 'B2', 'e-f': 'B1', 'g-h': 'U1' });
	});
});

describe('readLoop', () => {
	const labels = new Map([
		['n1', 'Workload'],
		['n2', 'Stress'],
		['n3', 'Productivity']
	]);

	it('reads a three-variable balancing loop as one sentence', () => {
		const [loop] = findLoopsLimited(graph([link('n1', 'n2', '+'), link('n2', 'n3', '-'), link('n3', 'n1', '+')])).loops;
		expect(readLoop(loop!, labels)).toBe('As Workload rises, Stress rises, which lowers Productivity, which raises Workload: balancing');
	});

	it('mentions delay and unknown polarity, and falls back to ids without labels', () => {
		const [loop] = findLoopsLimited(graph([link('n1', 'n2', '-', true), link('n2', 'n3', '?'), link('n3', 'n1', '+')])).loops;
		expect(readLoop(loop!, { n1: 'Workload', n2: '' })).toBe(
			'As Workload rises, n2 falls, which affects n3, which raises Workload: type unknown (with delay)'
		);
	});
});
