/** Box selection: which elements of each kind a dragged rectangle takes, by where they are drawn. */
import { describe, expect, it } from 'vitest';
import {
	contains,
	dragRect,
	elementBounds,
	elementsInRect,
	FRAME_LABEL_H,
	linkCurve,
	unionBounds,
	VAR_H,
	varWidth,
	type VariableBox
} from '../../shared/board-geometry.ts';

const a = { kind: 'variable' as const, id: 'a', label: 'Workload', x: 100, y: 100 };
const b = { kind: 'variable' as const, id: 'b', label: 'Stress', x: 400, y: 100 };
const ab = { kind: 'link' as const, id: 'ab', from: 'a', to: 'b', curvature: 0 };
const self = { kind: 'link' as const, id: 'aa', from: 'a', to: 'a', curvature: 0 };
const dangling = { kind: 'link' as const, id: 'ax', from: 'a', to: 'gone', curvature: 0 };
const note = { kind: 'note' as const, id: 'n', x: 600, y: 300, w: 200, h: 160 };
const frame = { kind: 'frame' as const, id: 'f', x: 0, y: 500, w: 300, h: 200 };
const text = { kind: 'text' as const, id: 't', x: 50, y: 800, text: 'Why teachers leave', size: 20 };
const ink = { kind: 'ink' as const, id: 'i', x: 900, y: 900, points: [0, 0, 0.5, 40, -10, 0.5, 80, 30, 0.5], width: 2.5 };
const all = [a, b, ab, self, dangling, note, frame, text, ink];
const vars = new Map<string, VariableBox>([
	['a', a],
	['b', b]
]);

describe('elementBounds', () => {
	it('puts a variable box around its centre, as wide as its label', () => {
		expect(elementBounds(a, vars)).toEqual({ x: 100 - varWidth(a) / 2, y: 100 - VAR_H / 2, w: varWidth(a), h: VAR_H });
	});

	it('takes a frame with its name above it', () => {
		expect(elementBounds(frame, vars)).toEqual({ x: 0, y: 500 - FRAME_LABEL_H, w: 300, h: 200 + FRAME_LABEL_H });
	});

	it('takes an ink stroke from its samples, padded by the drawn width', () => {
		expect(elementBounds(ink, vars)).toEqual({ x: 900 - 5, y: 890 - 5, w: 80 + 10, h: 40 + 10 });
	});

	it('grows free text with its length and size', () => {
		const short = elementBounds(text, vars)!;
		const long = elementBounds({ ...text, text: text.text + text.text }, vars)!;
		const big = elementBounds({ ...text, size: 40 }, vars)!;
		expect(long.w).toBeCloseTo(short.w * 2);
		expect(big.w).toBeCloseTo(short.w * 2);
		expect(big.h).toBeCloseTo(short.h * 2);
	});

	it('bounds a bent link by its curve, which bows off the straight line between the boxes', () => {
		const r = elementBounds(ab, vars)!;
		const curve = linkCurve(ab, a, b);
		if (curve.self) throw new Error('not a self-link');
		// Starts and ends at the boxes' edges, not their centres.
		expect(r.x).toBeCloseTo(Math.min(curve.a.x, curve.b.x));
		expect(r.x + r.w).toBeCloseTo(Math.max(curve.a.x, curve.b.x));
		expect(r.x).toBeGreaterThan(100);
		// Exactly the curve's extent: its lowest point is between the ends, below both.
		const samples = Array.from({ length: 1001 }, (_, i) => {
			const t = i / 1000;
			return {
				x: (1 - t) ** 2 * curve.a.x + 2 * (1 - t) * t * curve.c.x + t * t * curve.b.x,
				y: (1 - t) ** 2 * curve.a.y + 2 * (1 - t) * t * curve.c.y + t * t * curve.b.y
			};
		});
		expect(r.y).toBeCloseTo(Math.min(...samples.map((p) => p.y)), 3);
		expect(r.y + r.h).toBeCloseTo(Math.max(...samples.map((p) => p.y)), 3);
		expect(r.y + r.h).toBeGreaterThan(Math.max(curve.a.y, curve.b.y) + 10);
		expect(elementBounds(self, vars)!.y).toBeLessThan(100 - VAR_H / 2 - 40);
	});

	it('has nothing for a link whose end is gone', () => {
		expect(elementBounds(dangling, vars)).toBeNull();
	});
});

describe('elementsInRect (box selection)', () => {
	const box = (x0: number, y0: number, x1: number, y1: number) => elementsInRect(all, dragRect({ x: x0, y: y0 }, { x: x1, y: y1 }));

	it('takes every kind wholly inside, whichever way the box was dragged', () => {
		const everything = ['a', 'b', 'ab', 'aa', 'n', 'f', 't', 'i'];
		expect(box(-100, -100, 2000, 2000)).toEqual(everything);
		expect(box(2000, 2000, -100, -100)).toEqual(everything);
	});

	it('leaves out what the box only partly covers', () => {
		// Through the middle of the note, the frame and the ink: none of them.
		expect(box(-100, -100, 700, 600)).toEqual(['a', 'b', 'ab', 'aa']);
		// Just Workload's box without its self-link's loop above it.
		expect(box(20, 70, 200, 130)).toEqual(['a']);
	});

	it('takes a link only with its whole curve, but without needing its variables', () => {
		const r = elementBounds(ab, vars)!;
		expect(box(r.x - 1, r.y - 1, r.x + r.w + 1, r.y + r.h + 1)).toEqual(['ab']);
		expect(box(r.x + 5, r.y - 1, r.x + r.w + 1, r.y + r.h + 1)).toEqual([]);
	});

	it('takes one note, one frame, one text, one stroke', () => {
		expect(box(590, 290, 810, 470)).toEqual(['n']);
		expect(box(-5, 460, 305, 705)).toEqual(['f']);
		expect(box(40, 790, 300, 840)).toEqual(['t']);
		expect(box(890, 880, 990, 940)).toEqual(['i']);
		expect(box(890, 880, 980, 940)).toEqual([]);
	});
});

describe('unionBounds and contains', () => {
	it('spans everything drawn', () => {
		const u = unionBounds(all)!;
		for (const e of all) {
			const r = elementBounds(e, vars);
			if (r) expect(contains(u, r), e.id).toBe(true);
		}
		expect(unionBounds([dangling])).toBeNull();
	});
});
