/**
 * A plausible board history for the load benchmark: one systems map edited through a long run of
 * sessions, each logged update one small change, as the board endpoint stores them.
 *
 * - A new client id every `sessionLength` updates, as if each session were a new browser tab.
 * - Changes: move a node (45 %), type a character in a label (35 %), delete one (8 %), add a node
 *   (7 %), remove a node (5 %, leaving tombstones that compaction can fold away).
 * - Seeded, so every run and both engines store the same bytes.
 */
import * as Y from 'yjs';

export interface History {
	/** Yields each update as the editing doc emitted it. */
	updates: Generator<Uint8Array, void, undefined>;
	/** What a client holding the whole history must see, valid once `updates` is exhausted. */
	expected(): { textLength: number; nodes: number };
}

function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function boardHistory(count: number, opts: { seed?: number; sessionLength?: number } = {}): History {
	const rand = mulberry32(opts.seed ?? 1);
	const sessionLength = opts.sessionLength ?? 500;
	const doc = new Y.Doc();
	const nodes = doc.getMap<Y.Map<unknown>>('nodes');
	const ids: string[] = [];
	let made = 0;
	let last: Uint8Array | undefined;
	doc.on('update', (u: Uint8Array) => (last = u));

	const pick = () => ids[Math.floor(rand() * ids.length)]!;
	const label = (id: string) => nodes.get(id)!.get('label') as Y.Text;

	function change(): void {
		const r = rand();
		if (ids.length < 5 || r < 0.07) {
			const id = `n${made++}`;
			const node = new Y.Map<unknown>();
			node.set('x', Math.round(rand() * 2000));
			node.set('y', Math.round(rand() * 1200));
			node.set('label', new Y.Text(`Node ${made}`));
			nodes.set(id, node);
			ids.push(id);
		} else if (r < 0.12 && ids.length > 20) {
			const i = Math.floor(rand() * ids.length);
			nodes.delete(ids[i]!);
			ids.splice(i, 1);
		} else if (r < 0.57) {
			const node = nodes.get(pick())!;
			node.set('x', Math.round(rand() * 2000));
			node.set('y', Math.round(rand() * 1200));
		} else {
			const text = label(pick());
			if (r < 0.92 || text.length === 0) text.insert(Math.floor(rand() * (text.length + 1)), 'abcdefghij'[Math.floor(rand() * 10)]!);
			else text.delete(Math.floor(rand() * text.length), 1);
		}
	}

	function* updates(): Generator<Uint8Array, void, undefined> {
		for (let i = 0; i < count; i++) {
			if (i > 0 && i % sessionLength === 0) doc.clientID = Math.floor(rand() * 0xffffffff);
			last = undefined;
			doc.transact(change);
			if (!last) throw new Error('a history step changed nothing');
			yield last;
		}
	}

	return {
		updates: updates(),
		expected: () => ({ textLength: ids.reduce((n, id) => n + label(id).length, 0), nodes: nodes.size })
	};
}

/** The same figures, read from a client's copy of the board. */
export function observed(doc: Y.Doc): { textLength: number; nodes: number } {
	const nodes = doc.getMap<Y.Map<unknown>>('nodes');
	let textLength = 0;
	for (const node of nodes.values()) textLength += (node.get('label') as Y.Text).length;
	return { textLength, nodes: nodes.size };
}
