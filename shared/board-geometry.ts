/**
 * The map's drawing rules that both the editor and the exports follow, so an exported map looks
 * like the board: variable box sizes and the default bend of a link.
 */
export const VAR_H = 48;
export const VAR_MIN_W = 110;
export const VAR_MAX_W = 360;
/** About 9.6 px per character of 15 px semibold text (UTF-16 length), plus padding. */
export const VAR_CHAR_W = 9.6;
export const VAR_PAD = 40;
/** A link with curvature 0 is still drawn slightly bent, so two opposite links do not overlap. */
export const DEFAULT_BEND = 0.18;

export function varWidth(v: { label: string }): number {
	return Math.max(VAR_MIN_W, Math.min(VAR_MAX_W, (v.label || 'Untitled').length * VAR_CHAR_W + VAR_PAD));
}

// ---------------------------------------------------------------------------------------------------------------------
// Where elements are: link curves, bounding boxes, and the box selection.

export interface Point {
	x: number;
	y: number;
}

/** An axis-aligned rectangle in map units; w and h are never negative. */
export interface Rect {
	x: number;
	y: number;
	w: number;
	h: number;
}

/** The fields the geometry reads; the board's element types (shared/board-doc.ts) fit them. */
export type VariableBox = { id: string; label: string; x: number; y: number };
type Placed =
	| ({ kind: 'variable' } & VariableBox)
	| { kind: 'link'; id: string; from: string; to: string; curvature: number }
	| { kind: 'note' | 'frame'; id: string; x: number; y: number; w: number; h: number }
	| { kind: 'text'; id: string; x: number; y: number; text: string; size?: number | undefined }
	| { kind: 'ink'; id: string; x: number; y: number; points: readonly number[]; width: number };

/** Frame names sit above the frame, this far up. */
export const FRAME_LABEL_H = 30;
/** Free text is one line; about this many px per character of its font size, for its width. */
export const TEXT_CHAR_W = 0.58;
export const TEXT_DEFAULT_SIZE = 20;

/** Where the line from a box's centre towards `toward` leaves the box (with a small gap for the arrowhead). */
function exitPoint(v: VariableBox, toward: Point): Point {
	const w = varWidth(v) / 2 + 6;
	const h = VAR_H / 2 + 6;
	const dx = toward.x - v.x;
	const dy = toward.y - v.y;
	if (dx === 0 && dy === 0) return { x: v.x, y: v.y };
	const t = Math.min(Math.abs(w / (dx || 1e-9)), Math.abs(h / (dy || 1e-9)));
	return { x: v.x + dx * t, y: v.y + dy * t };
}

/**
 * A link's curve: a quadratic Bézier a → (control c) → b between the boxes' edges, bent off the straight line so two
 * opposite links do not overlap; a self-link is a cubic loop above its box (a, c, c2, b).
 */
export type LinkCurve =
	{ self: false; a: Point; c: Point; b: Point; bend: number } | { self: true; a: Point; c: Point; c2: Point; b: Point };

export function linkCurve(link: { curvature: number }, from: VariableBox, to: VariableBox): LinkCurve {
	if (from.id === to.id) {
		const x = from.x + varWidth(from) / 4;
		const y = from.y - VAR_H / 2;
		return { self: true, a: { x: x - 18, y }, c: { x: x - 40, y: y - 70 }, c2: { x: x + 40, y: y - 70 }, b: { x: x + 18, y } };
	}
	const bend = link.curvature === 0 ? DEFAULT_BEND : link.curvature;
	const dx = to.x - from.x;
	const dy = to.y - from.y;
	const c = { x: (from.x + to.x) / 2 - dy * bend, y: (from.y + to.y) / 2 + dx * bend };
	return { self: false, a: exitPoint(from, c), c, b: exitPoint(to, c), bend };
}

/** The exact extent of a quadratic Bézier along one axis: its ends, and its turning point when it has one inside. */
function quadraticRange(a: number, c: number, b: number): [number, number] {
	let lo = Math.min(a, b);
	let hi = Math.max(a, b);
	const denominator = a - 2 * c + b;
	if (denominator !== 0) {
		const t = (a - c) / denominator;
		if (t > 0 && t < 1) {
			const v = (1 - t) * (1 - t) * a + 2 * (1 - t) * t * c + t * t * b;
			lo = Math.min(lo, v);
			hi = Math.max(hi, v);
		}
	}
	return [lo, hi];
}

function rectOf(x0: number, y0: number, x1: number, y1: number): Rect {
	return { x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
}

/** The rectangle a drag from one corner to the other spans, whichever way it went. */
export function dragRect(from: Point, to: Point): Rect {
	return rectOf(from.x, from.y, to.x, to.y);
}

/**
 * Where an element is drawn, as a box in map units; null for a link whose ends are not both variables (it is not
 * drawn). Text and frame names are estimated from their length, as the browser is not asked.
 */
export function elementBounds(element: Placed, variables: ReadonlyMap<string, VariableBox>): Rect | null {
	switch (element.kind) {
		case 'variable': {
			const w = varWidth(element);
			return { x: element.x - w / 2, y: element.y - VAR_H / 2, w, h: VAR_H };
		}
		case 'note':
			return { x: element.x, y: element.y, w: element.w, h: element.h };
		case 'frame':
			return { x: element.x, y: element.y - FRAME_LABEL_H, w: element.w, h: element.h + FRAME_LABEL_H };
		case 'text': {
			const size = element.size ?? TEXT_DEFAULT_SIZE;
			return { x: element.x, y: element.y, w: Math.max(1, element.text.length) * size * TEXT_CHAR_W, h: size * 1.3 };
		}
		case 'ink': {
			let minX = Infinity;
			let minY = Infinity;
			let maxX = -Infinity;
			let maxY = -Infinity;
			for (let i = 0; i + 1 < element.points.length; i += 3) {
				minX = Math.min(minX, element.points[i]!);
				maxX = Math.max(maxX, element.points[i]!);
				minY = Math.min(minY, element.points[i + 1]!);
				maxY = Math.max(maxY, element.points[i + 1]!);
			}
			if (minX === Infinity) return null;
			// The drawn outline is up to twice the pen width either side of the samples (ink.ts draws size = width * 4).
			const pad = element.width * 2;
			return rectOf(element.x + minX - pad, element.y + minY - pad, element.x + maxX + pad, element.y + maxY + pad);
		}
		case 'link': {
			const from = variables.get(element.from);
			const to = variables.get(element.to);
			if (!from || !to) return null;
			const curve = linkCurve(element, from, to);
			if (curve.self) {
				// A cubic lies within its control points' hull: a little generous at the top, never too small.
				const xs = [curve.a.x, curve.c.x, curve.c2.x, curve.b.x];
				const ys = [curve.a.y, curve.c.y, curve.c2.y, curve.b.y];
				return rectOf(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys));
			}
			const [x0, x1] = quadraticRange(curve.a.x, curve.c.x, curve.b.x);
			const [y0, y1] = quadraticRange(curve.a.y, curve.c.y, curve.b.y);
			return rectOf(x0, y0, x1, y1);
		}
	}
}

export function contains(outer: Rect, inner: Rect): boolean {
	return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.w <= outer.x + outer.w && inner.y + inner.h <= outer.y + outer.h;
}

/** The ids of the elements drawn wholly inside `box` (a box selection), in the order given. */
export function elementsInRect(elements: readonly Placed[], box: Rect): string[] {
	const variables = new Map<string, VariableBox>();
	for (const e of elements) if (e.kind === 'variable') variables.set(e.id, e);
	const ids: string[] = [];
	for (const e of elements) {
		const bounds = elementBounds(e, variables);
		if (bounds && contains(box, bounds)) ids.push(e.id);
	}
	return ids;
}

/** The box around all of them; null when none is drawn. */
export function unionBounds(elements: readonly Placed[]): Rect | null {
	const variables = new Map<string, VariableBox>();
	for (const e of elements) if (e.kind === 'variable') variables.set(e.id, e);
	let minX = Infinity;
	let minY = Infinity;
	let maxX = -Infinity;
	let maxY = -Infinity;
	for (const e of elements) {
		const r = elementBounds(e, variables);
		if (!r) continue;
		minX = Math.min(minX, r.x);
		minY = Math.min(minY, r.y);
		maxX = Math.max(maxX, r.x + r.w);
		maxY = Math.max(maxY, r.y + r.h);
	}
	return minX === Infinity ? null : rectOf(minX, minY, maxX, maxY);
}
