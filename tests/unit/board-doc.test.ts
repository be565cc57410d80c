import { readdirSync, readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import * as Y from 'yjs';
import { BOARD_SCHEMA_VERSION } from '../../shared/board.ts';
import {
	BOARD_DOC_LIMITS,
	BoardDoc,
	BoardDocError,
	applyTemplate,
	inkFromAbsolute,
	migrateBoardDoc,
	readSchemaVersion,
	runMigrations
} from '../../shared/board-doc.ts';
import type { BoardChange, BoardDocErrorCode, BoardDocOptions, BoardTemplate, Migration } from '../../shared/board-doc.ts';
import { findLoops, findLoopsLimited, readLoop } from '../../shared/loops.ts';
import type { CldGraph, Loop } from '../../shared/loops.ts';

interface Fixture {
	name: string;
	nodes: { id: string; label: string }[];
	edges: { from: string; to: string; polarity: '+' | '-'; delay: boolean }[];
	expected_loops: Loop[];
}

const fixtureDir = new URL('../../../shared/fixtures/cld/', import.meta.url);
const fixtures = readdirSync(fixtureDir)
	.filter((file) => file.endsWith('.json'))
	.sort()
	.map((file) => ({ file, fixture: JSON.parse(readFileSync(new URL(file, fixtureDir), 'utf8')) as Fixture }));

/** Readable, predictable ids: e1, e2, ... */
function counter(prefix = 'e'): () => string {
	let n = 0;
	return () => `${prefix}${++n}`;
}

function newBoard(options: BoardDocOptions = {}): { doc: Y.Doc; board: BoardDoc } {
	const doc = new Y.Doc();
	const board = new BoardDoc(doc, { newId: counter(), ...options });
	expect(board.init()).toEqual({ status: 'current', version: BOARD_SCHEMA_VERSION });
	return { doc, board };
}

/** Counts the updates a doc emits, i.e. transactions that changed something. */
function countUpdates(doc: Y.Doc): { readonly count: number } {
	const counter = { count: 0 };
	doc.on('update', () => counter.count++);
	return counter;
}

function refusal(fn: () => unknown): BoardDocError {
	try {
		fn();
	} catch (e) {
		if (BoardDocError.is(e)) return e;
		throw e;
	}
	throw new Error('Expected a BoardDocError.');
}

function expectRefused(code: BoardDocErrorCode, fn: () => unknown): void {
	expect(refusal(fn).code).toBe(code);
}

/** Exchanges what each doc is missing, as a provider would; updates arrive with a non-user origin. */
function sync(a: Y.Doc, b: Y.Doc): void {
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)), 'remote');
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), 'remote');
}

function rawElement(fields: Record<string, unknown>): Y.Map<unknown> {
	return new Y.Map<unknown>(Object.entries(fields));
}

describe('adding elements', () => {
	it('adds a variable with its fields, a kind and a z above the rest', () => {
		const { board } = newBoard();
		const a = board.addVariable({ label: 'Workload', x: 10, y: -20 });
		const b = board.addVariable({ label: 'Stress', x: 0, y: 0, color: 'amber' });
		expect(board.get(a)).toEqual({ id: a, kind: 'variable', z: 0, label: 'Workload', x: 10, y: -20 });
		expect(board.get(b)).toEqual({ id: b, kind: 'variable', z: 1, label: 'Stress', x: 0, y: 0, color: 'amber' });
		expect(board.variables().map((v) => v.id)).toEqual([a, b]);
	});

	it('adds links with defaults (unknown polarity, no delay, straight), self-links included', () => {
		const { board } = newBoard();
		const a = board.addVariable({ label: 'A', x: 0, y: 0 });
		const b = board.addVariable({ label: 'B', x: 100, y: 0, color: '#a0b1c2' });
		const ab = board.addLink({ from: a, to: b });
		const aa = board.addLink({ from: a, to: a, polarity: '-', delay: true, curvature: 0.5 });
		expect(board.get(ab)).toEqual({ id: ab, kind: 'link', z: 2, from: a, to: b, polarity: 'unknown', delay: false, curvature: 0 });
		expect(board.get(aa)).toMatchObject({ from: a, to: a, polarity: '-', delay: true, curvature: 0.5 });
		expect(board.links().map((l) => l.id)).toEqual([ab, aa]);
	});

	it('adds notes, text, ink and frames', () => {
		const { board } = newBoard();
		const note = board.addNote({ text: 'Ask the students', x: 1, y: 2, color: 'yellow' });
		const text = board.addText({ text: 'Iceberg', x: 3, y: 4, size: 32 });
		const stroke = inkFromAbsolute([100, 200, 0.5, 110, 205, 0.7, 130, 190, 1]);
		const ink = board.addInk({ ...stroke, color: 'blue' });
		const frame = board.addFrame({ name: 'Events', x: -500, y: -500, w: 1000, h: 300 });
		expect(board.get(note)).toEqual({
			id: note,
			kind: 'note',
			z: 0,
			text: 'Ask the students',
			x: 1,
			y: 2,
			w: 200,
			h: 160,
			color: 'yellow'
		});
		expect(board.get(text)).toEqual({ id: text, kind: 'text', z: 1, text: 'Iceberg', x: 3, y: 4, size: 32 });
		expect(board.get(ink)).toEqual({
			id: ink,
			kind: 'ink',
			z: 2,
			x: 100,
			y: 200,
			points: [0, 0, 0.5, 10, 5, 0.7, 30, -10, 1],
			width: 2,
			color: 'blue'
		});
		expect(board.get(frame)).toEqual({ id: frame, kind: 'frame', z: 3, name: 'Events', x: -500, y: -500, w: 1000, h: 300 });
		expect(board.elements().map((e) => e.kind)).toEqual(['note', 'text', 'ink', 'frame']);
		expect(board.ofKind('frame').map((f) => f.name)).toEqual(['Events']);
	});

	it('copies ink points in and out, so nobody mutates the doc behind its back', () => {
		const { board } = newBoard();
		const points = [0, 0, 1];
		const id = board.addInk({ x: 0, y: 0, points });
		points[0] = 999;
		const read = board.get(id);
		expect(read?.kind === 'ink' && read.points).toEqual([0, 0, 1]);
		if (read?.kind === 'ink') read.points[0] = 555;
		expect(board.get(id)).toMatchObject({ points: [0, 0, 1] });
	});

	it('uses crypto.randomUUID by default and refuses an id already taken', () => {
		const doc = new Y.Doc();
		const board = new BoardDoc(doc);
		board.init();
		expect(board.addVariable({ label: 'A', x: 0, y: 0 })).toMatch(/^[0-9a-f-]{36}$/);
		const fixed = new BoardDoc(doc, { newId: () => 'same' });
		fixed.addVariable({ label: 'B', x: 0, y: 0 });
		expectRefused('duplicate_id', () => fixed.addVariable({ label: 'C', x: 0, y: 0 }));
	});
});

describe('refusing invalid input, before anything is written', () => {
	const { doc, board } = newBoard();
	const v = board.addVariable({ label: 'V', x: 0, y: 0 });
	const note = board.addNote({ x: 0, y: 0 });
	const cases: [string, BoardDocErrorCode, () => unknown][] = [
		['a colour outside the palette', 'invalid', () => board.addVariable({ label: 'x', x: 0, y: 0, color: 'chartreuse' as 'red' })],
		['a malformed hex colour', 'invalid', () => board.addVariable({ label: 'x', x: 0, y: 0, color: '#12345g' })],
		['a short hex colour', 'invalid', () => board.addNote({ x: 0, y: 0, color: '#fff' })],
		['a NaN position', 'invalid', () => board.addVariable({ label: 'x', x: Number.NaN, y: 0 })],
		['an infinite position', 'invalid', () => board.addText({ text: 'x', x: 0, y: Number.POSITIVE_INFINITY })],
		['a position beyond ±1e6', 'invalid', () => board.addVariable({ label: 'x', x: 1e6 + 1, y: 0 })],
		['a 201-character label', 'invalid', () => board.addVariable({ label: 'x'.repeat(201), x: 0, y: 0 })],
		['a huge note', 'invalid', () => board.addNote({ text: 'x'.repeat(BOARD_DOC_LIMITS.maxText + 1), x: 0, y: 0 })],
		['a misspelt field', 'invalid', () => board.addVariable({ label: 'x', x: 0, y: 0, colour: 'red' } as never)],
		['a zero-width frame', 'invalid', () => board.addFrame({ name: 'F', x: 0, y: 0, w: 0, h: 10 })],
		['a link to a missing variable', 'missing_endpoint', () => board.addLink({ from: v, to: 'nope' })],
		['a link from a note', 'missing_endpoint', () => board.addLink({ from: note, to: v })],
		['an unknown polarity', 'invalid', () => board.addLink({ from: v, to: v, polarity: '?' as '+' })],
		['a curvature beyond ±1', 'invalid', () => board.addLink({ from: v, to: v, curvature: 2 })],
		['more than 5000 ink points', 'invalid', () => board.addInk({ x: 0, y: 0, points: Array.from({ length: 5001 * 3 }, () => 0) })],
		['ink that is not whole points', 'invalid', () => board.addInk({ x: 0, y: 0, points: [0, 0, 1, 2] })],
		['ink without points', 'invalid', () => board.addInk({ x: 0, y: 0, points: [] })],
		['ink pressure above 1', 'invalid', () => board.addInk({ x: 0, y: 0, points: [0, 0, 2] })],
		['a NaN ink point', 'invalid', () => board.addInk({ x: 0, y: 0, points: [Number.NaN, 0, 1] })]
	];
	it.each(cases)('refuses %s', (_name, code, fn) => {
		const updates = countUpdates(doc);
		expectRefused(code, fn);
		expect(updates.count).toBe(0);
		expect(board.elements()).toHaveLength(2);
	});

	it('accepts the limits themselves', () => {
		const { board } = newBoard();
		board.addVariable({ label: 'x'.repeat(200), x: 1e6, y: -1e6 });
		board.addInk({ x: 0, y: 0, points: Array.from({ length: 5000 * 3 }, (_, i) => (i % 3 === 2 ? 1 : i)) });
		expect(board.elements()).toHaveLength(2);
	});

	it('says which field is wrong', () => {
		const error = refusal(() => board.addVariable({ label: 'x', x: 0, y: Number.NaN }));
		expect(error.issues).toHaveLength(1);
		expect(error.issues[0]).toMatch(/^y: /);
	});
});

describe('updating', () => {
	it('writes the patched fields, validated against the whole element', () => {
		const { board } = newBoard();
		const a = board.addVariable({ label: 'A', x: 0, y: 0, color: 'red' });
		expect(board.update(a, { label: 'Attention', x: 5 })).toBe(true);
		expect(board.get(a)).toEqual({ id: a, kind: 'variable', z: 0, label: 'Attention', x: 5, y: 0, color: 'red' });
		// undefined clears an optional field.
		expect(board.update(a, { color: undefined })).toBe(true);
		expect(board.get(a)).toEqual({ id: a, kind: 'variable', z: 0, label: 'Attention', x: 5, y: 0 });
	});

	it('writes nothing, not even an empty transaction, when nothing changes', () => {
		const { doc, board } = newBoard();
		const a = board.addInk({ x: 0, y: 0, points: [0, 0, 1, 5, 5, 1] });
		const updates = countUpdates(doc);
		expect(board.update(a, { x: 0, points: [0, 0, 1, 5, 5, 1] })).toBe(false);
		expect(board.update(a, { color: undefined })).toBe(false);
		expect(updates.count).toBe(0);
	});

	it('refuses invalid patches and leaves the element as it was', () => {
		const { doc, board } = newBoard();
		const a = board.addVariable({ label: 'A', x: 0, y: 0 });
		const b = board.addVariable({ label: 'B', x: 0, y: 0 });
		const link = board.addLink({ from: a, to: b, polarity: '+' });
		const before = board.elements();
		const updates = countUpdates(doc);
		expectRefused('invalid', () => board.update(a, { color: 'chartreuse' as 'red' }));
		expectRefused('invalid', () => board.update(a, { x: Number.NaN }));
		expectRefused('invalid', () => board.update(a, { label: 'x'.repeat(201) }));
		expectRefused('invalid', () => board.update(a, { label: undefined }));
		expectRefused('invalid', () => board.update(a, { kind: 'note' } as never));
		expectRefused('invalid', () => board.update(a, { polarity: '-' }));
		expectRefused('missing_endpoint', () => board.update(link, { to: 'nope' }));
		expectRefused('not_found', () => board.update('nope', { x: 1 }));
		expect(updates.count).toBe(0);
		expect(board.elements()).toEqual(before);
	});

	it('retargets a link to another variable, or to itself', () => {
		const { board } = newBoard();
		const a = board.addVariable({ label: 'A', x: 0, y: 0 });
		const b = board.addVariable({ label: 'B', x: 0, y: 0 });
		const link = board.addLink({ from: a, to: b });
		board.update(link, { to: a, polarity: '-', delay: true, curvature: -0.3 });
		expect(board.get(link)).toMatchObject({ from: a, to: a, polarity: '-', delay: true, curvature: -0.3 });
	});

	it('reorders by writing one z: bring to front, send to back', () => {
		const { board } = newBoard();
		const [a, b, c] = ['A', 'B', 'C'].map((label) => board.addVariable({ label, x: 0, y: 0 }));
		board.bringToFront(a!);
		expect(board.elements().map((e) => e.id)).toEqual([b, c, a]);
		board.sendToBack(c!);
		expect(board.elements().map((e) => e.id)).toEqual([c, b, a]);
		expect(board.bringToFront('nope')).toBe(false);
	});
});

describe('removing', () => {
	it('removes a variable together with its links, in one transaction', () => {
		const { doc, board } = newBoard();
		const a = board.addVariable({ label: 'A', x: 0, y: 0 });
		const b = board.addVariable({ label: 'B', x: 0, y: 0 });
		const c = board.addVariable({ label: 'C', x: 0, y: 0 });
		board.addLink({ from: a, to: b });
		board.addLink({ from: c, to: a });
		board.addLink({ from: a, to: a });
		const bc = board.addLink({ from: b, to: c });
		const updates = countUpdates(doc);
		expect(board.remove(a)).toBe(true);
		expect(updates.count).toBe(1);
		expect(board.elements().map((e) => e.id)).toEqual([b, c, bc]);
	});

	it('removes a link or a note alone, and answers false for what is already gone', () => {
		const { board } = newBoard();
		const a = board.addVariable({ label: 'A', x: 0, y: 0 });
		const link = board.addLink({ from: a, to: a });
		const note = board.addNote({ x: 0, y: 0 });
		expect(board.remove(link)).toBe(true);
		expect(board.remove(note)).toBe(true);
		expect(board.remove(note)).toBe(false);
		expect(board.elements().map((e) => e.id)).toEqual([a]);
	});
});

describe('one element per Y.Map', () => {
	it("an update touches only that element's map, and only the keys that changed", () => {
		const { doc, board } = newBoard();
		const a = board.addVariable({ label: 'A', x: 0, y: 0 });
		const b = board.addVariable({ label: 'B', x: 0, y: 0 });
		const elements = doc.getMap<Y.Map<unknown>>('elements');
		const seen: { target: unknown; keys: string[] }[] = [];
		elements.observeDeep((events) => {
			for (const event of events) seen.push({ target: event.target, keys: [...event.keys.keys()].sort() });
		});
		const vector = Y.encodeStateVector(doc);
		board.update(a, { label: 'A', x: 12, y: 34 });
		expect(seen).toEqual([{ target: elements.get(a), keys: ['x', 'y'] }]);
		expect(seen[0]!.target).not.toBe(elements.get(b));
		// The update carries two numbers, not the element (or the board) again.
		expect(Y.encodeStateAsUpdate(doc, vector).byteLength).toBeLessThan(40);
	});

	it('observe() summarises each transaction by element id, with its origin', () => {
		const { board } = newBoard();
		const a = board.addVariable({ label: 'A', x: 0, y: 0 });
		const b = board.addVariable({ label: 'B', x: 0, y: 0 });
		const changes: BoardChange[] = [];
		const stop = board.observe((change) => changes.push(change));
		const link = board.addLink({ from: a, to: b }, 'me');
		board.update(b, { x: 9, color: 'teal' }, 'me');
		board.remove(a, 'you');
		stop();
		board.update(b, { x: 10 });
		expect(changes).toEqual([
			{ added: new Set([link]), updated: new Map(), removed: new Set(), origin: 'me', local: true },
			{ added: new Set(), updated: new Map([[b, new Set(['x', 'color'])]]), removed: new Set(), origin: 'me', local: true },
			{ added: new Set(), updated: new Map(), removed: new Set([a, link]), origin: 'you', local: true }
		]);
	});

	it('transact() groups several calls into one update', () => {
		const { doc, board } = newBoard();
		const updates = countUpdates(doc);
		const [a, b] = board.transact((t) => [t.addVariable({ label: 'A', x: 0, y: 0 }), t.addVariable({ label: 'B', x: 0, y: 0 })]);
		expect(updates.count).toBe(1);
		expect(board.variables().map((v) => v.id)).toEqual([a, b]);
	});
});

describe('collaboration', () => {
	it('two synced docs converge, and concurrent edits of different elements (or fields) all survive', () => {
		const docA = new Y.Doc();
		const docB = new Y.Doc();
		const a = new BoardDoc(docA, { newId: counter('a') });
		const b = new BoardDoc(docB, { newId: counter('b') });
		a.init();
		const x = a.addVariable({ label: 'X', x: 0, y: 0 });
		const y = a.addVariable({ label: 'Y', x: 0, y: 0 });
		sync(docA, docB);
		expect(b.migrate().status).toBe('current');
		// Concurrent: A edits X's label, B edits Y's label and X's position, and B adds a link.
		a.update(x, { label: 'X from A' });
		b.update(y, { label: 'Y from B' });
		b.update(x, { x: 42 });
		const link = b.addLink({ from: x, to: y, polarity: '-' });
		sync(docA, docB);
		expect(a.elements()).toEqual(b.elements());
		expect(a.get(x)).toMatchObject({ label: 'X from A', x: 42 });
		expect(a.get(y)).toMatchObject({ label: 'Y from B' });
		expect(a.get(link)).toMatchObject({ from: x, to: y, polarity: '-' });
	});

	it("Y.UndoManager with a tracked origin undoes only that user's edits", () => {
		const doc = new Y.Doc();
		const userA = new BoardDoc(doc, { newId: counter('a'), origin: 'user-a' });
		const userB = new BoardDoc(doc, { newId: counter('b'), origin: 'user-b' });
		userA.init();
		const v = userA.addVariable({ label: 'Shared', x: 0, y: 0 });
		const undoA = userA.createUndoManager('user-a', { captureTimeout: 0 });
		userA.update(v, { label: 'Renamed by A' });
		userB.update(v, { x: 50 });
		const w = userB.addVariable({ label: 'B made this', x: 0, y: 0 });
		const mine = userA.addNote({ text: 'A note', x: 0, y: 0 });
		undoA.undo();
		expect(userA.get(mine)).toBeUndefined();
		undoA.undo();
		expect(userA.get(v)).toMatchObject({ label: 'Shared', x: 50 });
		expect(userA.get(w)).toMatchObject({ label: 'B made this' });
		expect(undoA.canUndo()).toBe(false);
		undoA.redo();
		expect(userA.get(v)).toMatchObject({ label: 'Renamed by A', x: 50 });
	});

	it('undo across synced docs: A undoes on its copy and B keeps its own edit', () => {
		const docA = new Y.Doc();
		const docB = new Y.Doc();
		const a = new BoardDoc(docA, { newId: counter('a'), origin: 'local' });
		const b = new BoardDoc(docB, { newId: counter('b'), origin: 'local' });
		a.init();
		const v = a.addVariable({ label: 'V', x: 0, y: 0 });
		const w = a.addVariable({ label: 'W', x: 0, y: 0 });
		sync(docA, docB);
		const undoA = a.createUndoManager('local', { captureTimeout: 0 });
		a.update(v, { label: 'V by A' });
		b.update(w, { label: 'W by B' });
		sync(docA, docB);
		undoA.undo();
		sync(docA, docB);
		for (const board of [a, b]) {
			expect(board.get(v)).toMatchObject({ label: 'V' });
			expect(board.get(w)).toMatchObject({ label: 'W by B' });
		}
	});

	it('one undo brings back a removed variable and its links', () => {
		const { board } = newBoard({ origin: 'me' });
		const a = board.addVariable({ label: 'A', x: 0, y: 0 });
		const b = board.addVariable({ label: 'B', x: 0, y: 0 });
		board.addLink({ from: a, to: b, polarity: '+' });
		board.addLink({ from: b, to: a, polarity: '-' });
		const undo = board.createUndoManager('me', { captureTimeout: 0 });
		board.remove(a);
		expect(board.links()).toHaveLength(0);
		undo.undo();
		expect(findLoops(board.toGraph())).toEqual([{ nodes: [a, b], type: 'B', delayed: false }]);
	});

	it('a link stranded by a concurrent removal is left out by readers, and pruned', () => {
		const docA = new Y.Doc();
		const docB = new Y.Doc();
		const a = new BoardDoc(docA, { newId: counter('a') });
		const b = new BoardDoc(docB, { newId: counter('b') });
		a.init();
		const v = a.addVariable({ label: 'V', x: 0, y: 0 });
		const w = a.addVariable({ label: 'W', x: 0, y: 0 });
		sync(docA, docB);
		const link = a.addLink({ from: v, to: w });
		b.remove(w);
		sync(docA, docB);
		for (const board of [a, b]) {
			expect(board.get(link)).toBeDefined();
			expect(board.links()).toEqual([]);
			expect(board.toGraph()).toEqual({ nodes: [{ id: v, label: 'V' }], edges: [] });
		}
		expect(b.pruneDanglingLinks()).toBe(1);
		sync(docA, docB);
		expect(a.get(link)).toBeUndefined();
	});
});

describe('reading what other clients wrote', () => {
	it('skips corrupted elements instead of crashing', () => {
		const { doc, board } = newBoard();
		const a = board.addVariable({ label: 'A', x: 0, y: 0 });
		const b = board.addVariable({ label: 'B', x: 0, y: 0 });
		const good = board.addLink({ from: a, to: b, polarity: '+' });
		const elements = doc.getMap<unknown>('elements');
		doc.transact(() => {
			elements.set('label-not-string', rawElement({ kind: 'variable', z: 0, label: 42, x: 0, y: 0 }));
			elements.set('not-a-map', 'hello');
			elements.set('plain-object', { kind: 'variable', z: 0, label: 'sneaky', x: 0, y: 0 });
			elements.set('unknown-kind', rawElement({ kind: 'spaceship', z: 0 }));
			elements.set('bad-polarity', rawElement({ kind: 'link', z: 0, from: a, to: b, polarity: 'maybe', delay: false, curvature: 0 }));
			elements.set('bad-ink', rawElement({ kind: 'ink', z: 0, x: 0, y: 0, points: [0, 0, 1, 2], width: 2 }));
			elements.set('nan-x', rawElement({ kind: 'note', z: 0, text: '', x: Number.NaN, y: 0, w: 1, h: 1 }));
		});
		expect(board.elements().map((e) => e.id)).toEqual([a, b, good]);
		expect(board.get('label-not-string')).toBeUndefined();
		expect(board.get('not-a-map')).toBeUndefined();
		expect(board.toGraph().edges.map((e) => e.id)).toEqual([good]);
		expectRefused('invalid', () => board.update('unknown-kind', { x: 1 } as never));
		expectRefused('not_found', () => board.update('not-a-map', { x: 1 }));
		// A corrupted variable is no endpoint, and removing corrupted entries works.
		expectRefused('missing_endpoint', () => board.addLink({ from: a, to: 'label-not-string' }));
		expect(board.remove('not-a-map')).toBe(true);
		// A patch that makes the element valid again is accepted.
		expect(board.update('label-not-string', { label: 'Fixed' })).toBe(true);
		expect(board.get('label-not-string')).toMatchObject({ kind: 'variable', label: 'Fixed' });
	});

	it('ignores unknown extra fields, so a newer client adding one does not hide the element', () => {
		const { doc, board } = newBoard();
		doc.getMap<unknown>('elements').set('v', rawElement({ kind: 'variable', z: 0, label: 'V', x: 0, y: 0, glow: true }));
		expect(board.get('v')).toEqual({ id: 'v', kind: 'variable', z: 0, label: 'V', x: 0, y: 0 });
	});
});

describe('loops from the board', () => {
	it('toGraph → findLoops names a 3-variable loop built through the accessors', () => {
		const { board } = newBoard();
		const workload = board.addVariable({ label: 'Workload', x: 0, y: 0 });
		const stress = board.addVariable({ label: 'Stress', x: 100, y: 0 });
		const productivity = board.addVariable({ label: 'Productivity', x: 50, y: 80 });
		board.addLink({ from: workload, to: stress, polarity: '+' });
		board.addLink({ from: stress, to: productivity, polarity: '-' });
		const back = board.addLink({ from: productivity, to: workload, polarity: '+' });
		board.addNote({ text: 'not part of the graph', x: 0, y: 0 });
		const graph: CldGraph = board.toGraph();
		expect(graph.nodes).toHaveLength(3);
		expect(findLoops(graph)).toEqual([{ nodes: [workload, stress, productivity], type: 'B', delayed: false }]);
		const [loop] = findLoopsLimited(graph).loops;
		const labels = new Map(board.variables().map((v) => [v.id, v.label]));
		expect(readLoop(loop!, labels)).toBe('As Workload rises, Stress rises, which lowers Productivity, which raises Workload: balancing');

		board.update(back, { polarity: '-', delay: true });
		expect(findLoops(board.toGraph())).toEqual([{ nodes: [workload, stress, productivity], type: 'R', delayed: true }]);
		board.update(back, { polarity: 'unknown' });
		expect(findLoops(board.toGraph())[0]?.type).toBe('U');
	});
});

describe('migrations', () => {
	/** A board as written before `meta` existed: elements, no version. */
	function versionZeroDoc(): Y.Doc {
		const doc = new Y.Doc();
		const elements = doc.getMap<unknown>('elements');
		elements.set('v1', rawElement({ kind: 'variable', z: 0, label: 'Old', x: 1, y: 2 }));
		elements.set('v2', rawElement({ kind: 'variable', z: 1, label: 'Older', x: 3, y: 4 }));
		elements.set('l1', rawElement({ kind: 'link', z: 2, from: 'v1', to: 'v2', polarity: '+', delay: false, curvature: 0 }));
		return doc;
	}

	it('brings a version-0 document to the current version, keeping its elements; writes wait for it', () => {
		const doc = versionZeroDoc();
		const board = new BoardDoc(doc, { newId: counter() });
		expect(board.schemaVersion).toBe(0);
		expect(board.readOnly).toBe(false);
		expectRefused('needs_migration', () => board.addVariable({ label: 'New', x: 0, y: 0 }));
		const updates = countUpdates(doc);
		expect(board.init()).toEqual({ status: 'migrated', from: 0, to: BOARD_SCHEMA_VERSION, applied: [1] });
		expect(updates.count).toBe(1);
		expect(readSchemaVersion(doc)).toBe(BOARD_SCHEMA_VERSION);
		expect(board.elements().map((e) => e.id)).toEqual(['v1', 'v2', 'l1']);
		expect(migrateBoardDoc(doc)).toEqual({ status: 'current', version: BOARD_SCHEMA_VERSION });
		board.addVariable({ label: 'New', x: 0, y: 0 });
	});

	it('stamps an empty document without migrating, and only an empty one', () => {
		const doc = new Y.Doc();
		const board = new BoardDoc(doc);
		expect(board.init()).toEqual({ status: 'current', version: BOARD_SCHEMA_VERSION });
		expect(readSchemaVersion(doc)).toBe(BOARD_SCHEMA_VERSION);
	});

	it('leaves a document from a newer version untouched and reports it read-only', () => {
		const doc = versionZeroDoc();
		doc.getMap<unknown>('meta').set('schemaVersion', BOARD_SCHEMA_VERSION + 1);
		const before = Y.encodeStateAsUpdate(doc);
		const board = new BoardDoc(doc, { newId: counter() });
		expect(board.init()).toEqual({ status: 'read-only', version: BOARD_SCHEMA_VERSION + 1, known: BOARD_SCHEMA_VERSION, reason: 'newer' });
		expect(board.readOnly).toBe(true);
		expectRefused('read_only', () => board.addVariable({ label: 'New', x: 0, y: 0 }));
		expectRefused('read_only', () => board.update('v1', { label: 'Changed' }));
		expectRefused('read_only', () => board.remove('v1'));
		expectRefused('read_only', () => board.applyTemplate({ variables: [] }));
		expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
		expect(readSchemaVersion(doc)).toBe(BOARD_SCHEMA_VERSION + 1);
		// Still shown, as far as this code can read it.
		expect(board.variables().map((v) => v.label)).toEqual(['Old', 'Older']);
	});

	it('treats an unreadable version as read-only too', () => {
		const doc = versionZeroDoc();
		doc.getMap<unknown>('meta').set('schemaVersion', 'two');
		const before = Y.encodeStateAsUpdate(doc);
		expect(migrateBoardDoc(doc)).toEqual({ status: 'read-only', version: null, known: BOARD_SCHEMA_VERSION, reason: 'unreadable' });
		expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
	});

	describe('the runner, with a synthetic two-step list', () => {
		// 0 -> 1: variables used `title` for their label; 1 -> 2: links gain `weight`.
		const steps: Migration[] = [
			{
				version: 1,
				description: 'rename title to label',
				migrate(doc) {
					doc.getMap<unknown>('elements').forEach((value) => {
						if (value instanceof Y.Map && value.has('title')) {
							value.set('label', value.get('title'));
							value.delete('title');
						}
					});
				}
			},
			{
				version: 2,
				description: 'links get a weight',
				migrate(doc) {
					doc.getMap<unknown>('elements').forEach((value) => {
						if (value instanceof Y.Map && value.get('kind') === 'link' && !value.has('weight')) value.set('weight', 1);
					});
				}
			}
		];

		function oldDoc(): Y.Doc {
			const doc = new Y.Doc();
			const elements = doc.getMap<unknown>('elements');
			elements.set('v', rawElement({ kind: 'variable', z: 0, title: 'T', x: 0, y: 0 }));
			elements.set('l', rawElement({ kind: 'link', z: 1, from: 'v', to: 'v', polarity: '+', delay: false, curvature: 0 }));
			return doc;
		}

		it('runs every step in order in one transaction and records the target', () => {
			const doc = oldDoc();
			const updates = countUpdates(doc);
			expect(runMigrations(doc, steps, 2, 'migration')).toEqual({ status: 'migrated', from: 0, to: 2, applied: [1, 2] });
			expect(updates.count).toBe(1);
			expect(readSchemaVersion(doc)).toBe(2);
			const elements = doc.getMap<Y.Map<unknown>>('elements');
			expect(elements.get('v')!.toJSON()).toEqual({ kind: 'variable', z: 0, label: 'T', x: 0, y: 0 });
			expect(elements.get('l')!.get('weight')).toBe(1);
			expect(runMigrations(doc, steps, 2)).toEqual({ status: 'current', version: 2 });
		});

		it('runs only the steps after the current version, and stops at the target', () => {
			const doc = oldDoc();
			expect(runMigrations(doc, steps, 1)).toEqual({ status: 'migrated', from: 0, to: 1, applied: [1] });
			expect(doc.getMap<Y.Map<unknown>>('elements').get('l')!.has('weight')).toBe(false);
			expect(runMigrations(doc, steps, 2)).toEqual({ status: 'migrated', from: 1, to: 2, applied: [2] });
			expect(runMigrations(doc, steps, 1)).toEqual({ status: 'read-only', version: 2, known: 1, reason: 'newer' });
		});

		it('converges when two clients migrate the same document at once', () => {
			const docA = oldDoc();
			const docB = new Y.Doc();
			sync(docA, docB);
			runMigrations(docA, steps, 2);
			runMigrations(docB, steps, 2);
			sync(docA, docB);
			expect(docA.getMap('elements').toJSON()).toEqual(docB.getMap('elements').toJSON());
			expect(docA.getMap('elements').size).toBe(2);
			expect(readSchemaVersion(docA)).toBe(2);
			expect(docA.getMap<Y.Map<unknown>>('elements').get('v')!.toJSON()).toMatchObject({ label: 'T' });
		});

		it('refuses a list with a gap, or a target beyond the list', () => {
			expect(() => runMigrations(oldDoc(), [steps[1]!], 1)).toThrow(/numbered/);
			expect(() => runMigrations(oldDoc(), steps, 3)).toThrow(/No migration path/);
		});
	});
});

describe('templates', () => {
	/** The fixture as a template: node ids become keys, variables on a circle. */
	function templateOf(fixture: Fixture): BoardTemplate {
		const n = fixture.nodes.length;
		return {
			variables: fixture.nodes.map((node, i) => ({
				key: node.id,
				label: node.label,
				x: Math.round(300 * Math.cos((2 * Math.PI * i) / n)),
				y: Math.round(300 * Math.sin((2 * Math.PI * i) / n))
			})),
			links: fixture.edges.map(({ from, to, polarity, delay }) => ({ from, to, polarity, delay })),
			frames: [{ key: 'frame', name: fixture.name.slice(0, 200), x: -400, y: -400, w: 800, h: 800 }]
		};
	}

	it.each(fixtures)('$file: one transaction, and the loops the fixture expects', ({ fixture }) => {
		const { doc, board } = newBoard();
		board.addVariable({ label: 'Already here', x: 0, y: 0 });
		const updates = countUpdates(doc);
		const ids = applyTemplate(doc, templateOf(fixture), 'template', { x: 1000, y: 0 }, { newId: counter('t') });
		expect(updates.count).toBe(1);
		expect(ids.size).toBe(fixture.nodes.length + 1);
		// Back from board ids to fixture ids, whose rotation convention expected_loops follows.
		const keyOf = new Map([...ids].map(([key, id]) => [id, key]));
		const graph = board.toGraph();
		const keyed: CldGraph = {
			nodes: graph.nodes.filter((node) => keyOf.has(node.id)).map((node) => ({ id: keyOf.get(node.id)! })),
			edges: graph.edges.map((edge) => ({ ...edge, id: undefined, from: keyOf.get(edge.from)!, to: keyOf.get(edge.to)! }))
		};
		expect(keyed.edges).toHaveLength(fixture.edges.length);
		expect(findLoops(keyed)).toEqual(fixture.expected_loops);
		const first = fixture.nodes[0]!;
		expect(board.get(ids.get(first.id)!)).toMatchObject({ kind: 'variable', label: first.label, x: 1300, y: 0 });
		// Frames go under what they frame, and everything above what was there.
		expect(board.elements()[0]).toMatchObject({ label: 'Already here' });
		expect(board.elements()[1]).toMatchObject({ kind: 'frame', x: 600 });
	});

	it('refuses a bad template without writing anything', () => {
		const { doc, board } = newBoard();
		const updates = countUpdates(doc);
		const good = { key: 'a', label: 'A', x: 0, y: 0 };
		expectRefused('invalid', () => board.applyTemplate({ variables: [good], links: [{ from: 'a', to: 'nope', polarity: '+' }] }));
		expectRefused('invalid', () => board.applyTemplate({ variables: [good, { ...good }] }));
		expectRefused('invalid', () => board.applyTemplate({ variables: [good] }, undefined, { x: 2e6, y: 0 }));
		expectRefused('invalid', () => board.applyTemplate({ variables: [good] }, undefined, { x: Number.NaN, y: 0 }));
		expect(updates.count).toBe(0);
		expect(board.elements()).toEqual([]);
	});

	it('places notes and text too, and one undo removes the whole template', () => {
		const { board } = newBoard({ origin: 'me' });
		const undo = board.createUndoManager('me');
		const ids = board.applyTemplate({
			variables: [],
			frames: [{ name: 'Events', x: 0, y: 0, w: 600, h: 100 }],
			texts: [{ key: 'title', text: 'Iceberg', x: 0, y: -50, size: 40 }],
			notes: [{ text: 'What happened?', x: 10, y: 10 }]
		});
		expect([...ids.keys()]).toEqual(['title']);
		expect(board.elements().map((e) => e.kind)).toEqual(['frame', 'note', 'text']);
		undo.undo();
		expect(board.elements()).toEqual([]);
	});
});
