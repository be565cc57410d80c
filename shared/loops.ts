/**
 * Feedback loops of a causal loop diagram. Pure: no Node, no DOM; every client runs it on its own copy of the board.
 *
 * Invariants:
 * - A loop is an elementary directed cycle of the link graph: no variable repeats. A closed walk that passes one
 *   variable twice (the "figure-8" of Escalation) is the two loops it is made of, not a third one.
 * - Parallel links count separately: every choice of link between consecutive variables is its own loop, so two
 *   links a->b of opposite polarity give two loops. A self-link is a loop of one variable.
 * - `nodes` starts at the smallest id by plain string comparison (UTF-16 code units, never locale) and follows the
 *   links; `links[i]` goes from `nodes[i]` to `nodes[i + 1]`, the last one back to `nodes[0]`.
 * - `type` is R when the loop has an even number of '-' links, B when odd, U when any link's polarity is neither
 *   '+' nor '-'. `delayed` is true when any link is delayed.
 * - `key` is the same string for the same loop whatever its rotation or the order of the graph's variables, so labels
 *   survive edits. It names a link by its id, or, without one, by its ends and its rank among the id-less links
 *   between them; either way parallel links give distinct keys. Polarity is not part of it.
 * - Links whose ends are not variables of the graph are ignored: a dangling arrow closes no loop.
 * - Enumeration is lazy: whoever stops pulling (a limit, a time slice) stops the work, since a dense map can have
 *   more loops than anyone could list.
 * What a loop is called (R1, B2) and how it reads are decided here too; where labels are stored is the board's job.
 */

/** '+' and '-' are the only known polarities; anything else, or none, makes the loops through the link unknown. */
export type LinkPolarity = '+' | '-' | '?' | 'unknown';

export interface CldNode {
	id: string;
	label?: string;
}

export interface CldLink {
	/** Board links have ids; without one a link is named by its ends and its rank among parallel links. */
	id?: string;
	from: string;
	to: string;
	polarity?: LinkPolarity | null | undefined;
	delay?: boolean | undefined;
}

export interface CldGraph {
	nodes: readonly CldNode[];
	edges: readonly CldLink[];
}

export type LoopType = 'R' | 'B' | 'U';

/** The shape of `expected_loops` in shared/fixtures/cld. */
export interface Loop {
	nodes: string[];
	type: LoopType;
	delayed: boolean;
}

export interface LoopLink {
	/** Index into `graph.edges`, to highlight the link on the board. */
	edge: number;
	id?: string;
	from: string;
	to: string;
	polarity: '+' | '-' | '?';
	delay: boolean;
}

export interface TracedLoop extends Loop {
	key: string;
	links: LoopLink[];
}

export interface LoopLimit {
	/** At most this many loops; without it, all of them. */
	limit?: number;
	/**
	 * Keep counting (without building the loops) up to this many in all, so the UI can say "and N more". Counting is
	 * still enumeration, so it is capped too; without it, counting stops at `limit + 1`.
	 */
	countUpTo?: number;
}

export interface LimitedLoops {
	loops: TracedLoop[];
	/** True when at least one more loop exists beyond `limit`. */
	truncated: boolean;
	/** How many loops the map has: exact unless `countCapped`, then "at least this many". */
	total: number;
	countCapped: boolean;
}

interface Prepared {
	ids: string[];
	/** Distinct successors of each variable, self excluded, ascending. */
	succ: number[][];
	pred: number[][];
	/** Links from u to v, in graph order, under `u * n + v`. */
	between: Map<number, number[]>;
	links: LoopLink[];
	/** What a link contributes to a loop key: its id, or its ends (and rank among id-less parallel links). */
	refs: (string | [string, string] | [string, string, number])[];
}

function compareIds(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

function prepare(graph: CldGraph): Prepared {
	// Sorted indices make Johnson's start vertex (the least index in each cycle) the smallest id: the canonical rotation.
	const ids = [...new Set(graph.nodes.map((node) => node.id))].sort(compareIds);
	const n = ids.length;
	const index = new Map(ids.map((id, i) => [id, i]));
	const succSets = ids.map(() => new Set<number>());
	const predSets = ids.map(() => new Set<number>());
	const between = new Map<number, number[]>();
	const links: LoopLink[] = [];
	const refs: Prepared['refs'] = [];
	const seenIds = new Set<string>();
	const idlessRank = new Map<string, number>();
	graph.edges.forEach((edge, i) => {
		const u = index.get(edge.from);
		const v = index.get(edge.to);
		const link: LoopLink = {
			edge: i,
			from: edge.from,
			to: edge.to,
			polarity: edge.polarity === '+' || edge.polarity === '-' ? edge.polarity : '?',
			delay: edge.delay === true
		};
		if (typeof edge.id === 'string') link.id = edge.id;
		links.push(link);
		if (typeof edge.id === 'string' && edge.id !== '' && !seenIds.has(edge.id)) {
			seenIds.add(edge.id);
			refs.push(edge.id);
		} else {
			// A repeated id is a malformed board; naming the link by its ends keeps keys unique anyway.
			const ends = JSON.stringify([edge.from, edge.to]);
			const rank = idlessRank.get(ends) ?? 0;
			idlessRank.set(ends, rank + 1);
			refs.push(rank === 0 ? [edge.from, edge.to] : [edge.from, edge.to, rank]);
		}
		if (u === undefined || v === undefined) return;
		const pair = u * n + v;
		const list = between.get(pair);
		if (list) list.push(i);
		else between.set(pair, [i]);
		if (u !== v) {
			succSets[u]!.add(v);
			predSets[v]!.add(u);
		}
	});
	const ascending = (set: Set<number>) => [...set].sort((a, b) => a - b);
	return { ids, succ: succSets.map(ascending), pred: predSets.map(ascending), between, links, refs };
}

/**
 * Johnson's algorithm (1975), iterative so that it can stop after any cycle: yields each elementary cycle of length
 * two or more once, as vertex indices starting at its least index. Work between two cycles is O(V + E).
 */
function* vertexCycles(succ: readonly number[][], pred: readonly number[][]): Generator<number[], void, undefined> {
	const n = succ.length;
	const blocked = new Uint8Array(n);
	const blockedBy = succ.map(() => new Set<number>());
	const inComponent = new Uint8Array(n);
	const reached = new Int32Array(n).fill(-1);

	const unblock = (u: number) => {
		const todo = [u];
		while (todo.length > 0) {
			const x = todo.pop()!;
			if (!blocked[x]) continue;
			blocked[x] = 0;
			const waiting = blockedBy[x]!;
			for (const w of waiting) todo.push(w);
			waiting.clear();
		}
	};

	for (let s = 0; s < n; s++) {
		// Cycles whose least vertex is s live in s's strongly connected component among vertices >= s.
		const forward = [s];
		reached[s] = s;
		for (let i = 0; i < forward.length; i++) {
			for (const w of succ[forward[i]!]!) {
				if (w > s && reached[w] !== s) {
					reached[w] = s;
					forward.push(w);
				}
			}
		}
		const component = [s];
		inComponent[s] = 1;
		for (let i = 0; i < component.length; i++) {
			for (const w of pred[component[i]!]!) {
				if (reached[w] === s && !inComponent[w]) {
					inComponent[w] = 1;
					component.push(w);
				}
			}
		}
		if (component.length > 1) {
			for (const v of component) {
				blocked[v] = 0;
				blockedBy[v]!.clear();
			}
			yield* circuits(s);
		}
		for (const v of component) inComponent[v] = 0;
	}

	function* circuits(s: number): Generator<number[], void, undefined> {
		const path = [s];
		const next = [0];
		const found = [false];
		blocked[s] = 1;
		while (path.length > 0) {
			const depth = path.length - 1;
			const v = path[depth]!;
			const neighbours = succ[v]!;
			const i = next[depth]!;
			if (i < neighbours.length) {
				next[depth] = i + 1;
				const w = neighbours[i]!;
				if (!inComponent[w]) continue;
				if (w === s) {
					found[depth] = true;
					yield path.slice();
				} else if (!blocked[w]) {
					blocked[w] = 1;
					path.push(w);
					next.push(0);
					found.push(false);
				}
				continue;
			}
			const closed = found[depth]!;
			if (closed) unblock(v);
			else for (const w of neighbours) if (inComponent[w]) blockedBy[w]!.add(v);
			path.pop();
			next.pop();
			found.pop();
			if (closed && depth > 0) found[depth - 1] = true;
		}
	}
}

function traced(g: Prepared, cycle: readonly number[], edges: readonly number[]): TracedLoop {
	const links = edges.map((e) => g.links[e]!);
	let negatives = 0;
	let unknown = false;
	let delayed = false;
	for (const link of links) {
		if (link.polarity === '-') negatives++;
		else if (link.polarity === '?') unknown = true;
		if (link.delay) delayed = true;
	}
	return {
		nodes: cycle.map((v) => g.ids[v]!),
		type: unknown ? 'U' : negatives % 2 === 0 ? 'R' : 'B',
		delayed,
		key: JSON.stringify(edges.map((e) => g.refs[e])),
		links
	};
}

/** Every choice of parallel link along one vertex cycle (as link indices), odometer style so a long product is never built up front. */
function* parallelChoices(g: Prepared, cycle: readonly number[]): Generator<number[], void, undefined> {
	const n = g.ids.length;
	const choices = cycle.map((v, i) => g.between.get(v * n + cycle[(i + 1) % cycle.length]!)!);
	const pick = choices.map(() => 0);
	for (;;) {
		yield choices.map((c, i) => c[pick[i]!]!);
		let i = choices.length - 1;
		while (i >= 0 && ++pick[i]! === choices[i]!.length) pick[i--] = 0;
		if (i < 0) return;
	}
}

/** Each loop as its vertex cycle and its links, not yet traced: counting need not pay for keys and labels. */
function* rawLoops(g: Prepared): Generator<[cycle: number[], edges: number[]], void, undefined> {
	const n = g.ids.length;
	for (let v = 0; v < n; v++) {
		for (const e of g.between.get(v * n + v) ?? []) yield [[v], [e]];
	}
	for (const cycle of vertexCycles(g.succ, g.pred)) for (const edges of parallelChoices(g, cycle)) yield [cycle, edges];
}

/**
 * Yields every loop once, in no promised order (self-links of a variable, then the longer loops starting there).
 * Pull as many as the time allows; the generator holds no work beyond the next loop.
 */
export function* enumerateLoops(graph: CldGraph): Generator<TracedLoop, void, undefined> {
	const g = prepare(graph);
	for (const [cycle, edges] of rawLoops(g)) yield traced(g, cycle, edges);
}

/** Shorter loops first, then by their variables' ids, then by the links' order in the graph. */
export function compareLoops(a: TracedLoop, b: TracedLoop): number {
	if (a.nodes.length !== b.nodes.length) return a.nodes.length - b.nodes.length;
	for (let i = 0; i < a.nodes.length; i++) {
		const c = compareIds(a.nodes[i]!, b.nodes[i]!);
		if (c !== 0) return c;
	}
	for (let i = 0; i < a.links.length; i++) {
		const c = a.links[i]!.edge - b.links[i]!.edge;
		if (c !== 0) return c;
	}
	return 0;
}

/**
 * The loops with their links and keys, sorted by `compareLoops`. With a limit, enumeration stops after `limit + 1`
 * loops (the extra one only tells whether there are more), or at `countUpTo` when counting; which loops make the cut
 * follows enumeration order.
 */
export function findLoopsLimited(graph: CldGraph, options: LoopLimit = {}): LimitedLoops {
	const limit = options.limit ?? Number.POSITIVE_INFINITY;
	if (!(limit >= 0)) throw new RangeError(`limit must be a non-negative number, got ${limit}`);
	const countUpTo = Math.max(options.countUpTo ?? 0, limit === Number.POSITIVE_INFINITY ? limit : limit + 1);
	const g = prepare(graph);
	const loops: TracedLoop[] = [];
	let total = 0;
	let countCapped = false;
	for (const [cycle, edges] of rawLoops(g)) {
		if (total >= countUpTo) {
			countCapped = true;
			break;
		}
		total++;
		if (loops.length < limit) loops.push(traced(g, cycle, edges));
	}
	loops.sort(compareLoops);
	return { loops, truncated: total > loops.length, total, countCapped };
}

/** The loops in exactly the fixtures' `expected_loops` shape and order. */
export function findLoops(graph: CldGraph, options: LoopLimit = {}): Loop[] {
	return findLoopsLimited(graph, options).loops.map(({ nodes, type, delayed }) => ({ nodes, type, delayed }));
}

const LABEL = /^([RBU])([1-9]\d*)$/;

/**
 * Names loops R1, R2, B1, U1 ... A loop keeps its previous label while it exists and keeps its type (a loop whose
 * link flipped polarity is a different kind of loop, so it is named afresh); a newly named loop takes the lowest number
 * of its type that no current loop holds. The result lists loops in the order given.
 */
export function numberLoops(previous: ReadonlyMap<string, string>, loops: Iterable<Pick<TracedLoop, 'key' | 'type'>>): Map<string, string> {
	const unique = new Map<string, LoopType>();
	for (const loop of loops) if (!unique.has(loop.key)) unique.set(loop.key, loop.type);
	const taken = new Set<string>();
	const kept = new Map<string, string>();
	for (const [key, type] of unique) {
		const label = previous.get(key);
		const match = label === undefined ? null : LABEL.exec(label);
		if (label !== undefined && match?.[1] === type && !taken.has(label)) {
			taken.add(label);
			kept.set(key, label);
		}
	}
	const result = new Map<string, string>();
	const lowest: Record<LoopType, number> = { R: 1, B: 1, U: 1 };
	for (const [key, type] of unique) {
		let label = kept.get(key);
		if (label === undefined) {
			while (taken.has(`${type}${lowest[type]}`)) lowest[type]++;
			label = `${type}${lowest[type]}`;
			taken.add(label);
		}
		result.set(key, label);
	}
	return result;
}

/** The words a loop's reading is made of, so the UI can read loops in its own language. */
export interface LoopWords {
	type: Record<LoopType, string>;
	/** The first link: "As {from} rises, {to} rises". */
	start(from: string, to: string, polarity: '+' | '-' | '?'): string;
	/** Every later link: ", which lowers {to}". */
	then(to: string, polarity: '+' | '-' | '?'): string;
	/** The end: ": balancing", with " (with delay)" when delayed. */
	end(type: string, delayed: boolean): string;
}

const FIRST_VERB = { '+': 'rises', '-': 'falls', '?': 'changes' } as const;
const LATER_VERB = { '+': 'raises', '-': 'lowers', '?': 'affects' } as const;

export const ENGLISH_LOOP_WORDS: LoopWords = {
	type: { R: 'reinforcing', B: 'balancing', U: 'type unknown' },
	start: (from, to, polarity) => `As ${from} rises, ${to} ${FIRST_VERB[polarity]}`,
	then: (to, polarity) => `, which ${LATER_VERB[polarity]} ${to}`,
	end: (type, delayed) => `${type}${delayed ? ' (with delay)' : ''}`
};

/**
 * One sentence telling the loop from its first variable, e.g. "As Workload rises, Stress rises, which lowers
 * Productivity, which raises Workload: balancing". The verbs are each link's polarity, not the accumulated effect.
 */
export function readLoop(
	loop: Pick<TracedLoop, 'nodes' | 'links' | 'type' | 'delayed'>,
	labelsById: ReadonlyMap<string, string> | Readonly<Record<string, string | undefined>> = {},
	words: LoopWords = ENGLISH_LOOP_WORDS
): string {
	const name = (id: string): string => {
		const label =
			typeof labelsById.get === 'function'
				? (labelsById as ReadonlyMap<string, string>).get(id)
				: Object.hasOwn(labelsById, id)
					? (labelsById as Readonly<Record<string, string | undefined>>)[id]
					: undefined;
		return typeof label === 'string' && label.trim() !== '' ? label.trim() : id;
	};
	const [first, ...rest] = loop.links;
	const end = words.end(words.type[loop.type], loop.delayed);
	if (!first) return end;
	let sentence = words.start(name(first.from), name(first.to), first.polarity);
	for (const link of rest) sentence += words.then(name(link.to), link.polarity);
	return `${sentence}: ${end}`;
}
