/**
 * Board templates (shared/templates.ts): each one is a valid BoardTemplate that lands on a board in one transaction; each
 * archetype is exactly its fixture in shared/fixtures/cld, down to the loops found on the board; the thinking tools are
 * in their order; and every layout keeps variables apart, links drawable and everything inside the template's bounds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import * as Y from 'yjs';
import { BoardDoc, boardTemplateSchema } from '../../shared/board-doc.ts';
import type { BoardTemplate } from '../../shared/board-doc.ts';
import { findLoops } from '../../shared/loops.ts';
import type { CldGraph, Loop } from '../../shared/loops.ts';
import {
	ICEBERG_LEVEL_NAMES,
	LADDER_OF_INFERENCE_RUNGS,
	TEMPLATES,
	TEMPLATE_BOUNDS,
	TEMPLATE_VARIABLE_SIZE,
	templateById
} from '../../shared/templates.ts';
import type { TemplateInfo } from '../../shared/templates.ts';

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

/** archetype_04_limits_to_growth.json -> archetype-limits-to-growth */
const templateIdOf = (file: string): string =>
	`archetype-${file
		.replace(/^archetype_\d+_/, '')
		.replace(/\.json$/, '')
		.replaceAll('_', '-')}`;

/** The layout's spacing between variable centres; the floor the issue sets is 180. */
const MIN_CENTRE_DISTANCE = 200;
/** A link's straight line keeps this far from the centre of every variable it does not join. */
const LINK_CLEARANCE = 60;

function counter(prefix = 'e'): () => string {
	let n = 0;
	return () => `${prefix}${++n}`;
}

function apply(template: BoardTemplate): { board: BoardDoc; ids: Map<string, string>; updates: number } {
	const doc = new Y.Doc();
	const board = new BoardDoc(doc, { newId: counter() });
	board.init();
	let updates = 0;
	doc.on('update', () => updates++);
	const ids = board.applyTemplate(template, 'template', { x: 300, y: -200 });
	return { board, ids, updates };
}

/** The loops on the board, named by template keys (the fixtures' node ids) rather than board ids. */
function loopsByKey(board: BoardDoc, ids: ReadonlyMap<string, string>): Loop[] {
	const keyOf = new Map([...ids].map(([key, id]) => [id, key]));
	const graph = board.toGraph();
	const keyed: CldGraph = {
		nodes: graph.nodes.map((node) => ({ id: keyOf.get(node.id)! })),
		edges: graph.edges.map((edge) => ({ ...edge, id: undefined, from: keyOf.get(edge.from)!, to: keyOf.get(edge.to)! }))
	};
	return findLoops(keyed);
}

const parsed = (info: TemplateInfo) => boardTemplateSchema.parse(info.template);

interface Rect {
	what: string;
	x: number;
	y: number;
	w: number;
	h: number;
}

function rects(info: TemplateInfo): Rect[] {
	const t = parsed(info);
	const { w, h } = TEMPLATE_VARIABLE_SIZE;
	return [
		...t.variables.map((v) => ({ what: `variable ${v.key}`, x: v.x - w / 2, y: v.y - h / 2, w, h })),
		...t.frames.map((f) => ({ what: `frame ${f.name}`, x: f.x, y: f.y, w: f.w, h: f.h })),
		...t.notes.map((n) => ({ what: `note ${n.key ?? n.text}`, x: n.x, y: n.y, w: n.w, h: n.h })),
		// Texts have no box: estimate one generously from the length and size.
		...t.texts.map((x) => ({
			what: `text ${x.key ?? x.text}`,
			x: x.x,
			y: x.y,
			w: x.text.length * (x.size ?? 16) * 0.6,
			h: (x.size ?? 16) * 1.4
		}))
	];
}

function distanceToSegment(p: { x: number; y: number }, a: { x: number; y: number }, b: { x: number; y: number }): number {
	const dx = b.x - a.x;
	const dy = b.y - a.y;
	const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy)));
	return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

const inside = (inner: Omit<Rect, 'what'>, outer: Omit<Rect, 'what'>) =>
	inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.w <= outer.x + outer.w && inner.y + inner.h <= outer.y + outer.h;

describe('the template list', () => {
	it('has stable, unique ids in picker order', () => {
		expect(TEMPLATES.map((t) => t.id)).toEqual([
			'iceberg',
			'ladder-of-inference',
			'reinforcing-loop',
			'balancing-loop',
			...fixtures.map(({ file }) => templateIdOf(file))
		]);
		expect(new Set(TEMPLATES.map((t) => t.id)).size).toBe(TEMPLATES.length);
		expect(new Set(TEMPLATES.map((t) => t.name)).size).toBe(TEMPLATES.length);
	});

	it('has two thinking tools, two basic loops and one archetype per fixture', () => {
		const count = (category: TemplateInfo['category']) => TEMPLATES.filter((t) => t.category === category).length;
		expect([count('thinking-tool'), count('loop'), count('archetype')]).toEqual([2, 2, fixtures.length]);
		expect(fixtures.length).toBe(14);
	});

	it('describes each template in one or two plain sentences', () => {
		for (const t of TEMPLATES) {
			const sentences = t.description.split(/(?<=[.!?])\s+/);
			expect(sentences.length, t.id).toBeGreaterThanOrEqual(1);
			expect(sentences.length, t.id).toBeLessThanOrEqual(2);
			expect(t.description, t.id).toMatch(/^[A-Z].*\.$/);
			expect(t.description.length, t.id).toBeLessThanOrEqual(200);
		}
	});

	it('finds templates by id, and nothing for an unknown one', () => {
		for (const t of TEMPLATES) expect(templateById(t.id)).toBe(t);
		expect(templateById('archetype-limits-to-growth')?.name).toBe('Limits to Growth');
		expect(templateById('nope')).toBeUndefined();
		expect(templateById('')).toBeUndefined();
		expect(templateById('__proto__')).toBeUndefined();
	});
});

describe.each(TEMPLATES.map((info) => ({ id: info.id, info })))('$id', ({ info }) => {
	it('validates against boardTemplateSchema', () => {
		expect(boardTemplateSchema.safeParse(info.template).error).toBeUndefined();
	});

	it('applies to a fresh board in one transaction, every element readable', () => {
		const t = parsed(info);
		const { board, ids, updates } = apply(info.template);
		expect(updates).toBe(1);
		const total = t.variables.length + t.links.length + t.frames.length + t.notes.length + t.texts.length;
		expect(board.elements()).toHaveLength(total);
		expect(board.links()).toHaveLength(t.links.length);
		for (const v of t.variables)
			expect(board.get(ids.get(v.key)!)).toMatchObject({ kind: 'variable', label: v.label, x: v.x + 300, y: v.y - 200 });
	});

	it('shows its name as a title', () => {
		expect(parsed(info).texts.find((x) => x.key === 'title')?.text).toMatch(new RegExp(`^(The )?${info.name.replace(/[()]/g, '\\$&')}$`));
	});

	it(`keeps variables at least ${MIN_CENTRE_DISTANCE} apart`, () => {
		const vs = parsed(info).variables;
		for (const [i, a] of vs.entries()) {
			for (const b of vs.slice(i + 1)) {
				expect(Math.hypot(a.x - b.x, a.y - b.y), `${a.key} to ${b.key}`).toBeGreaterThanOrEqual(MIN_CENTRE_DISTANCE);
			}
		}
	});

	it(`fits in ${TEMPLATE_BOUNDS.w} x ${TEMPLATE_BOUNDS.h} from (0, 0)`, () => {
		for (const r of rects(info)) {
			expect(r.x, r.what).toBeGreaterThanOrEqual(0);
			expect(r.y, r.what).toBeGreaterThanOrEqual(0);
			expect(r.x + r.w, r.what).toBeLessThanOrEqual(TEMPLATE_BOUNDS.w);
			expect(r.y + r.h, r.what).toBeLessThanOrEqual(TEMPLATE_BOUNDS.h);
		}
	});

	it('draws every link between two distinct variables, clear of the others, pairs bent apart', () => {
		const t = parsed(info);
		const at = new Map(t.variables.map((v) => [v.key, v]));
		for (const link of t.links) {
			const what = `${link.from} -> ${link.to}`;
			const a = at.get(link.from)!;
			const b = at.get(link.to)!;
			expect(link.from, what).not.toBe(link.to);
			expect(Math.hypot(a.x - b.x, a.y - b.y), what).toBeGreaterThanOrEqual(MIN_CENTRE_DISTANCE);
			expect(Math.abs(link.curvature), what).toBeLessThanOrEqual(0.5);
			for (const v of t.variables) {
				if (v === a || v === b) continue;
				expect(distanceToSegment(v, a, b), `${what} passes ${v.key}`).toBeGreaterThanOrEqual(LINK_CLEARANCE);
			}
			// The same sign on a -> b and b -> a bends them to opposite sides, whichever way the renderer reads the sign.
			const back = t.links.find((other) => other.from === link.to && other.to === link.from);
			if (back) {
				expect(link.curvature, what).not.toBe(0);
				expect(back.curvature, what).toBe(link.curvature);
			}
		}
	});
});

describe('archetypes', () => {
	it.each(fixtures)('$file: the fixture as a template, its expected loops on the board', ({ file, fixture }) => {
		const info = templateById(templateIdOf(file));
		expect(info?.category).toBe('archetype');
		const t = parsed(info!);
		// The fixture's standard names and structure, in its order: node ids are the keys.
		expect(t.variables.map(({ key, label }) => ({ id: key, label }))).toEqual(fixture.nodes);
		expect(t.links.map(({ from, to, polarity, delay }) => ({ from, to, polarity, delay }))).toEqual(fixture.edges);
		expect(fixture.name.toLowerCase()).toContain(info!.name.replace(/ \(.*\)$/, '').toLowerCase());
		const { board, ids } = apply(info!.template);
		expect(loopsByKey(board, ids)).toEqual(fixture.expected_loops);
	});
});

describe('the basic loops', () => {
	it.each([
		['reinforcing-loop', 'R'],
		['balancing-loop', 'B']
	] as const)('%s makes one %s loop through all its variables', (id, type) => {
		const info = templateById(id)!;
		const { board, ids } = apply(info.template);
		const loops = loopsByKey(board, ids);
		expect(loops).toHaveLength(1);
		expect(loops[0]).toMatchObject({ type, delayed: false });
		expect(loops[0]!.nodes).toHaveLength(parsed(info).variables.length);
	});

	it('uses everyday names', () => {
		expect(parsed(templateById('reinforcing-loop')!).variables.map((v) => v.label)).toEqual(['Trust', 'Collaboration', 'Shared success']);
		expect(parsed(templateById('balancing-loop')!).variables.map((v) => v.label)).toContain('Workload');
	});
});

describe('thinking tools', () => {
	it('iceberg: four named levels top to bottom, widening downward, each with its prompt inside', () => {
		const t = parsed(templateById('iceberg')!);
		expect(ICEBERG_LEVEL_NAMES).toEqual(['Events', 'Patterns', 'Structures', 'Mental models']);
		expect(t.frames.map((f) => f.name)).toEqual(ICEBERG_LEVEL_NAMES);
		expect(t.variables).toEqual([]);
		t.frames.forEach((frame, i) => {
			const above = t.frames[i - 1];
			if (above) {
				expect(frame.y, frame.name).toBeGreaterThanOrEqual(above.y + above.h);
				expect(frame.w, frame.name).toBeGreaterThan(above.w);
				expect(frame.x + frame.w / 2, frame.name).toBeCloseTo(above.x + above.w / 2);
			}
			const notes = t.notes.filter((note) => inside(note, frame));
			expect(notes, frame.name).toHaveLength(1);
			expect(notes[0]!.text, frame.name).toContain('?');
		});
		expect(t.notes.find((n) => inside(n, t.frames[0]!))?.text).toMatch(/^What happened\?/);
		expect(t.notes.find((n) => inside(n, t.frames[3]!))?.text).toMatch(/assumptions, beliefs and values/);
		expect(t.texts.find((x) => x.key === 'title')?.text).toBe('The Iceberg');
	});

	it('ladder of inference: the rungs bottom to top, each with its prompt, and the reflexive loop', () => {
		const t = parsed(templateById('ladder-of-inference')!);
		expect(LADDER_OF_INFERENCE_RUNGS).toEqual([
			'Observable data and experiences',
			'Selected data',
			'Added meanings',
			'Assumptions',
			'Conclusions',
			'Beliefs',
			'Actions'
		]);
		const bottomUp = [...t.frames].sort((a, b) => b.y - a.y);
		expect(bottomUp.map((f) => f.name)).toEqual(LADDER_OF_INFERENCE_RUNGS);
		bottomUp.forEach((rung, i) => {
			const below = bottomUp[i - 1];
			if (below) expect(rung.y + rung.h, rung.name).toBeLessThanOrEqual(below.y);
			expect(
				t.notes.filter((note) => inside(note, rung)),
				rung.name
			).toHaveLength(1);
		});
		const reflexive = t.notes.find((note) => note.key === 'reflexive-loop');
		expect(reflexive?.text).toMatch(/beliefs affect what data we select/);
		expect(t.frames.some((rung) => inside(reflexive!, rung))).toBe(false);
	});
});
