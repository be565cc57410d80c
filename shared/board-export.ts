/**
 * Exports of a board: SVG (which the browser rasterises to PNG), Graphviz DOT, Kumu's JSON and CSV imports, and Hearth's
 * own JSON, which imports back. Pure: no DOM, no Node; the editor and the HTTP endpoint run the same code.
 *
 * Invariants:
 * - Deterministic: the same elements give the same bytes, whatever their order in the input, the Y.Map's iteration
 *   order or the engine. Elements are sorted (z then id for drawing, id for graphs) before anything is written, and
 *   geometry uses only + - * / and sqrt, which IEEE 754 rounds the same everywhere (no sin, atan2 or hypot, whose last
 *   bit differs between engines); coordinates are written rounded to hundredths. No clock, no random, no locale.
 * - Every text is escaped for its format, after dropping what the format cannot carry: lone surrogates become U+FFFD,
 *   control characters other than tab and line breaks go. An SVG is a well-formed XML document whatever the labels.
 * - Links are exported only when both ends are variables among the elements, as the board draws them.
 * - SVG layers: frames at the back, then links, then variables, notes, text and ink in their own z order, loop labels
 *   on top. The viewBox holds every drawn shape plus a margin. Variable boxes follow the editor's geometry (centre x/y,
 *   height 48, width from the label's length, a curvature of 0 drawn with a slight bend so opposite links part).
 * - Kumu keys elements by label, so labels are made unique (trimmed, compared case-insensitively, later ones by id get
 *   " (2)", " (3)" ... never a label another variable has), and connections name elements by those labels.
 * - CSV follows RFC 4180 (CRLF, quotes doubled, fields with a comma, quote or line break quoted); a cell of two or more
 *   characters starting with = + - @ tab or CR gets a leading ' so spreadsheets do not run it as a formula. A lone
 *   "+" or "-" (a polarity) carries no formula and stays as it is.
 * - Hearth JSON holds every valid element with its id, z and all fields (lone surrogates as U+FFFD, which is what Yjs
 *   stores and sends, so every replica writes the same file). Reading it validates everything before returning
 *   (format, version, each element, unique ids, links joining variables of the file); importing writes all of it in
 *   one transaction or, when a check fails, nothing.
 * Left to the caller: rasterising (canvas), file names and download, limits on the size of an uploaded file, and
 * which loops to label (pass them numbered).
 */
import { DEFAULT_BEND, VAR_CHAR_W, VAR_H, VAR_MAX_W, VAR_MIN_W, VAR_PAD } from './board-geometry.ts';
import { z } from 'zod';
import { BOARD_SCHEMA_VERSION } from './board.ts';
import { BOARD_DOC_KEYS, BoardDoc, boardElementSchema } from './board-doc.ts';
import type { BoardColor, BoardColorToken, BoardElement, Frame, Ink, Link, Note, Text, Variable } from './board-doc.ts';

/** A board, or the elements read from one. */
export type BoardSource = BoardDoc | readonly BoardElement[];

function elementsOf(source: BoardSource): readonly BoardElement[] {
	return source instanceof BoardDoc ? source.elements() : source;
}

function compareStrings(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

function byZThenId(a: BoardElement, b: BoardElement): number {
	return a.z - b.z || compareStrings(a.id, b.id);
}

function byId(a: { id: string }, b: { id: string }): number {
	return compareStrings(a.id, b.id);
}

/** Variables by id, and the links between them by id: the graph every format below writes. */
function graphOf(elements: readonly BoardElement[]): { variables: Variable[]; links: Link[] } {
	const variables = elements.filter((e): e is Variable => e.kind === 'variable').sort(byId);
	const ids = new Set(variables.map((v) => v.id));
	const links = elements.filter((e): e is Link => e.kind === 'link' && ids.has(e.from) && ids.has(e.to)).sort(byId);
	return { variables, links };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g;

/** What any text format can carry: well-formed UTF-16, no control characters but tab, LF and CR. */
function clean(text: string): string {
	return text.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '');
}

// ---------------------------------------------------------------------------------------------------------------------
// Colours

export const EXPORT_THEMES = ['light', 'dark'] as const;
export type ExportTheme = (typeof EXPORT_THEMES)[number];

/** One colour token as drawn: the shape's fill, its outline (and lines, ink), and text on the fill. */
export interface Swatch {
	fill: string;
	stroke: string;
	text: string;
}

/** The board's colour tokens as concrete colours, per theme: pale fills in light, deep ones in dark. */
export const BOARD_PALETTE: Readonly<Record<ExportTheme, Readonly<Record<BoardColorToken, Swatch>>>> = {
	light: {
		default: { fill: '#ffffff', stroke: '#292524', text: '#1c1917' },
		stone: { fill: '#f5f5f4', stroke: '#57534e', text: '#1c1917' },
		red: { fill: '#fee2e2', stroke: '#dc2626', text: '#7f1d1d' },
		orange: { fill: '#ffedd5', stroke: '#ea580c', text: '#7c2d12' },
		amber: { fill: '#fef3c7', stroke: '#d97706', text: '#78350f' },
		yellow: { fill: '#fef9c3', stroke: '#ca8a04', text: '#713f12' },
		lime: { fill: '#ecfccb', stroke: '#65a30d', text: '#365314' },
		green: { fill: '#dcfce7', stroke: '#16a34a', text: '#14532d' },
		teal: { fill: '#ccfbf1', stroke: '#0d9488', text: '#134e4a' },
		sky: { fill: '#e0f2fe', stroke: '#0284c7', text: '#0c4a6e' },
		blue: { fill: '#dbeafe', stroke: '#2563eb', text: '#1e3a8a' },
		violet: { fill: '#ede9fe', stroke: '#7c3aed', text: '#4c1d95' },
		pink: { fill: '#fce7f3', stroke: '#db2777', text: '#831843' }
	},
	dark: {
		default: { fill: '#1c1917', stroke: '#e7e5e4', text: '#fafaf9' },
		stone: { fill: '#292524', stroke: '#a8a29e', text: '#f5f5f4' },
		red: { fill: '#450a0a', stroke: '#f87171', text: '#fee2e2' },
		orange: { fill: '#431407', stroke: '#fb923c', text: '#ffedd5' },
		amber: { fill: '#451a03', stroke: '#fbbf24', text: '#fef3c7' },
		yellow: { fill: '#422006', stroke: '#facc15', text: '#fef9c3' },
		lime: { fill: '#1a2e05', stroke: '#a3e635', text: '#ecfccb' },
		green: { fill: '#052e16', stroke: '#4ade80', text: '#dcfce7' },
		teal: { fill: '#042f2e', stroke: '#2dd4bf', text: '#ccfbf1' },
		sky: { fill: '#082f49', stroke: '#38bdf8', text: '#e0f2fe' },
		blue: { fill: '#172554', stroke: '#60a5fa', text: '#dbeafe' },
		violet: { fill: '#2e1065', stroke: '#a78bfa', text: '#ede9fe' },
		pink: { fill: '#500724', stroke: '#f472b6', text: '#fce7f3' }
	}
};

/** The canvas around the elements, per theme. */
export const BOARD_THEME_COLORS: Readonly<Record<ExportTheme, { background: string; foreground: string; muted: string; link: string }>> = {
	light: { background: '#fafaf9', foreground: '#1c1917', muted: '#78716c', link: '#44403c' },
	dark: { background: '#0c0a09', foreground: '#f5f5f4', muted: '#a8a29e', link: '#d6d3d1' }
};

function isToken(color: string): color is BoardColorToken {
	return Object.hasOwn(BOARD_PALETTE.light, color);
}

/** `#rrggbb` mixed with `#rrggbb`, `percent` of the first; integer arithmetic, so exact everywhere. */
function mix(a: string, b: string, percent: number): string {
	let out = '#';
	for (let i = 1; i < 7; i += 2) {
		const channel = Math.floor((parseInt(a.slice(i, i + 2), 16) * percent + parseInt(b.slice(i, i + 2), 16) * (100 - percent) + 50) / 100);
		out += channel.toString(16).padStart(2, '0');
	}
	return out;
}

function swatchOf(theme: ExportTheme, color: BoardColor | undefined, fallback: BoardColorToken): Swatch {
	const token = color ?? fallback;
	if (isToken(token)) return BOARD_PALETTE[theme][token];
	const hex = token.toLowerCase();
	const ui = BOARD_THEME_COLORS[theme];
	return { fill: mix(hex, ui.background, theme === 'light' ? 18 : 30), stroke: hex, text: ui.foreground };
}

// ---------------------------------------------------------------------------------------------------------------------
// SVG

/** A numbered loop to label at the centre of its variables, e.g. `{ label: 'R1', nodes: loop.nodes }`. */
export interface ExportLoop {
	label: string;
	nodes: readonly string[];
}

export interface SvgOptions {
	/** The document's <title>, for screen readers and file browsers. */
	title?: string;
	theme?: ExportTheme;
	loops?: readonly ExportLoop[];
}

// The editor's variable geometry (shared/board-geometry.ts), so that an export looks like the board.
const VAR_LINE_H = 18;
const VAR_FONT = 15;
const VAR_RADIUS = 24;
/** Labels longer than fit the widest box wrap onto more lines, rather than run out of it. */
const VAR_LINE_CHARS = Math.floor((VAR_MAX_W - VAR_PAD) / VAR_CHAR_W);
const NOTE_FONT = 14;
const NOTE_PAD = 12;
const TEXT_SIZE = 16;
const LINE_HEIGHT = 1.3;
/** Average glyph width as a share of the font size: an estimate, as the exporter has no fonts to measure. */
const GLYPH = 0.56;
const FRAME_FONT = 14;
const LOOP_R = 16;
const MARGIN = 40;
const FONT_FAMILY = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';
const MARKER_ID = 'hearth-arrow';

interface Point {
	x: number;
	y: number;
}

/** Rounded to hundredths; never "-0". */
function num(value: number): string {
	const rounded = Math.round(value * 100) / 100;
	return String(rounded === 0 ? 0 : rounded);
}

function escapeXml(text: string): string {
	return clean(text)
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&apos;')
		.replace(/\t/g, '&#9;')
		.replace(/\n/g, '&#10;')
		.replace(/\r/g, '&#13;');
}

function attrs(values: Record<string, string | number | undefined>): string {
	let out = '';
	for (const [key, value] of Object.entries(values)) {
		if (value === undefined) continue;
		out += ` ${key}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`;
	}
	return out;
}

/** Words onto lines of at most `width` characters; longer words are cut between code points, never inside one. */
function wrap(text: string, width: number): string[] {
	const lines: string[] = [];
	for (const paragraph of text.split(/\r\n|\r|\n/)) {
		let line: string[] = [];
		for (const word of paragraph.split(' ')) {
			const chars = Array.from(word);
			if (line.length > 0 && line.length + 1 + chars.length <= width) {
				line.push(' ', ...chars);
				continue;
			}
			if (line.length > 0) lines.push(line.join(''));
			while (chars.length > width) lines.push(chars.splice(0, width).join(''));
			line = chars;
		}
		lines.push(line.join(''));
	}
	return lines;
}

function variableLabel(v: Variable): string {
	return clean(v.label).replace(/\s+/g, ' ').trim() || 'Untitled';
}

interface VariableBox {
	v: Variable;
	label: string;
	w: number;
	h: number;
	lines: string[];
}

function variableBox(v: Variable): VariableBox {
	const label = variableLabel(v);
	// Same width rule as the editor (UTF-16 length), so the box matches the board's.
	const natural = label.length * VAR_CHAR_W + VAR_PAD;
	const w = Math.max(VAR_MIN_W, Math.min(VAR_MAX_W, natural));
	const lines = natural <= VAR_MAX_W ? [label] : wrap(label, VAR_LINE_CHARS);
	return { v, label, w, h: Math.max(VAR_H, lines.length * VAR_LINE_H + 14), lines };
}

/** Where the line from the box's centre towards `toward` leaves the box, with a little air. */
function exitPoint(box: VariableBox, toward: Point): Point {
	const hw = box.w / 2 + 6;
	const hh = box.h / 2 + 6;
	const dx = toward.x - box.v.x;
	const dy = toward.y - box.v.y;
	if (dx === 0 && dy === 0) return { x: box.v.x, y: box.v.y };
	const tx = dx === 0 ? Number.POSITIVE_INFINITY : Math.abs(hw / dx);
	const ty = dy === 0 ? Number.POSITIVE_INFINITY : Math.abs(hh / dy);
	const t = Math.min(tx, ty);
	return { x: box.v.x + dx * t, y: box.v.y + dy * t };
}

function unit(x: number, y: number): Point {
	const length = Math.sqrt(x * x + y * y);
	return length === 0 ? { x: 1, y: 0 } : { x: x / length, y: y / length };
}

interface LinkShape {
	d: string;
	sign: Point;
	mid: Point;
	/** Direction of the link at `mid`, unit length. */
	tangent: Point;
	/** Points whose hull holds the curve. */
	hull: Point[];
}

function linkShape(link: Link, from: VariableBox, to: VariableBox): LinkShape {
	if (from.v.id === to.v.id) {
		// A loop of one: a lobe above the box, as the editor draws it.
		const x = from.v.x + from.w / 4;
		const y = from.v.y - from.h / 2;
		const p0 = { x: x - 18, y };
		const c1 = { x: x - 40, y: y - 70 };
		const c2 = { x: x + 40, y: y - 70 };
		const p1 = { x: x + 18, y };
		return {
			d: `M ${num(p0.x)} ${num(p0.y)} C ${num(c1.x)} ${num(c1.y)}, ${num(c2.x)} ${num(c2.y)}, ${num(p1.x)} ${num(p1.y)}`,
			sign: { x: x + 30, y: y - 40 },
			mid: { x, y: y - 52.5 },
			tangent: { x: 1, y: 0 },
			hull: [p0, c1, c2, p1]
		};
	}
	const bend = link.curvature === 0 ? DEFAULT_BEND : link.curvature;
	const dx = to.v.x - from.v.x;
	const dy = to.v.y - from.v.y;
	// The control point sits off the straight line, to the side the curvature's sign picks.
	const c = { x: (from.v.x + to.v.x) / 2 - dy * bend, y: (from.v.y + to.v.y) / 2 + dx * bend };
	const a = exitPoint(from, c);
	const b = exitPoint(to, c);
	const t = 0.8;
	const near = {
		x: (1 - t) * (1 - t) * a.x + 2 * (1 - t) * t * c.x + t * t * b.x,
		y: (1 - t) * (1 - t) * a.y + 2 * (1 - t) * t * c.y + t * t * b.y
	};
	// A quadratic's tangent half-way is parallel to its chord.
	const tangent = unit(b.x - a.x, b.y - a.y);
	const side = bend >= 0 ? 1 : -1;
	return {
		d: `M ${num(a.x)} ${num(a.y)} Q ${num(c.x)} ${num(c.y)} ${num(b.x)} ${num(b.y)}`,
		sign: { x: near.x - tangent.y * 14 * side, y: near.y + tangent.x * 14 * side },
		mid: { x: 0.25 * a.x + 0.5 * c.x + 0.25 * b.x, y: 0.25 * a.y + 0.5 * c.y + 0.25 * b.y },
		tangent,
		hull: [a, c, b]
	};
}

const SIGNS = { '+': '+', '-': '\u2212', unknown: '?' } as const;

class Bounds {
	minX = Number.POSITIVE_INFINITY;
	minY = Number.POSITIVE_INFINITY;
	maxX = Number.NEGATIVE_INFINITY;
	maxY = Number.NEGATIVE_INFINITY;

	add(x: number, y: number, pad = 0): void {
		this.minX = Math.min(this.minX, x - pad);
		this.minY = Math.min(this.minY, y - pad);
		this.maxX = Math.max(this.maxX, x + pad);
		this.maxY = Math.max(this.maxY, y + pad);
	}

	rect(x: number, y: number, w: number, h: number): void {
		this.add(x, y);
		this.add(x + w, y + h);
	}

	get empty(): boolean {
		return this.minX > this.maxX;
	}
}

function textLines(text: string): string[] {
	return clean(text).split(/\r\n|\r|\n/);
}

function tspans(lines: readonly string[], x: number, firstBaseline: number, lineHeight: number): string {
	return lines.map((line, i) => `<tspan${attrs({ x, y: firstBaseline + i * lineHeight })}>${escapeXml(line)}</tspan>`).join('');
}

function drawFrame(frame: Frame, theme: ExportTheme, bounds: Bounds): string {
	const swatch = swatchOf(theme, frame.color, 'stone');
	bounds.rect(frame.x, frame.y - FRAME_FONT * 2, frame.w, frame.h + FRAME_FONT * 2);
	const name = clean(frame.name).replace(/\s+/g, ' ').trim();
	bounds.add(frame.x + name.length * FRAME_FONT * GLYPH, frame.y);
	const rect = `<rect${attrs({ x: frame.x, y: frame.y, width: frame.w, height: frame.h, rx: 16, fill: swatch.fill, 'fill-opacity': '0.5', stroke: swatch.stroke, 'stroke-width': 1.5, 'stroke-dasharray': '6 4' })}/>`;
	const label =
		name === ''
			? ''
			: `<text${attrs({ x: frame.x + 4, y: frame.y - 8, 'font-size': FRAME_FONT, 'font-weight': 'bold', fill: swatch.stroke })}>${escapeXml(name)}</text>`;
	return `<g class="frame">${rect}${label}</g>`;
}

function drawLink(link: Link, from: VariableBox, to: VariableBox, theme: ExportTheme, bounds: Bounds): string {
	const shape = linkShape(link, from, to);
	const color = BOARD_THEME_COLORS[theme].link;
	for (const p of shape.hull) bounds.add(p.x, p.y, 8);
	bounds.add(shape.sign.x, shape.sign.y, 12);
	let out = `<path${attrs({ d: shape.d, fill: 'none', stroke: color, 'stroke-width': 2, 'marker-end': `url(#${MARKER_ID})` })}/>`;
	out += `<text${attrs({ x: shape.sign.x, y: shape.sign.y, dy: '0.35em', 'text-anchor': 'middle', 'font-size': 18, 'font-weight': 'bold', fill: color })}>${SIGNS[link.polarity]}</text>`;
	if (link.delay) {
		// Two short bars across the link half-way: the usual mark for a delay.
		const n = { x: -shape.tangent.y, y: shape.tangent.x };
		let d = '';
		for (const k of [-3.5, 3.5]) {
			const cx = shape.mid.x + shape.tangent.x * k;
			const cy = shape.mid.y + shape.tangent.y * k;
			d += `M ${num(cx - n.x * 10)} ${num(cy - n.y * 10)} L ${num(cx + n.x * 10)} ${num(cy + n.y * 10)} `;
		}
		bounds.add(shape.mid.x, shape.mid.y, 14);
		out += `<path class="delay"${attrs({ d: d.trim(), fill: 'none', stroke: color, 'stroke-width': 2 })}/>`;
	}
	return `<g class="link">${out}</g>`;
}

function drawVariable(box: VariableBox, theme: ExportTheme, bounds: Bounds): string {
	const { v, w, h, lines } = box;
	const swatch = swatchOf(theme, v.color, 'default');
	bounds.rect(v.x - w / 2, v.y - h / 2, w, h);
	const rect = `<rect${attrs({ x: v.x - w / 2, y: v.y - h / 2, width: w, height: h, rx: VAR_RADIUS, fill: swatch.fill, stroke: swatch.stroke, 'stroke-width': 2 })}/>`;
	const first = v.y - ((lines.length - 1) * VAR_LINE_H) / 2;
	const text = `<text${attrs({ 'text-anchor': 'middle', dy: '0.35em', 'font-size': VAR_FONT, fill: swatch.text })}>${tspans(lines, v.x, first, VAR_LINE_H)}</text>`;
	return `<g class="variable">${rect}${text}</g>`;
}

function drawNote(note: Note, theme: ExportTheme, bounds: Bounds): string {
	const swatch = swatchOf(theme, note.color, 'yellow');
	bounds.rect(note.x, note.y, note.w, note.h);
	const perLine = Math.max(1, Math.floor((note.w - 2 * NOTE_PAD) / (NOTE_FONT * GLYPH)));
	const maxLines = Math.max(1, Math.floor((note.h - 2 * NOTE_PAD) / (NOTE_FONT * LINE_HEIGHT)));
	let lines = wrap(clean(note.text), perLine);
	if (lines.length > maxLines) {
		// Cut where the note ends, as the board does; the whole text is in the Hearth JSON.
		lines = lines.slice(0, maxLines);
		const last = Array.from(lines[maxLines - 1] ?? '');
		lines[maxLines - 1] = `${last.slice(0, Math.max(0, perLine - 1)).join('')}\u2026`;
	}
	const rect = `<rect${attrs({ x: note.x, y: note.y, width: note.w, height: note.h, rx: 4, fill: swatch.fill, stroke: swatch.stroke, 'stroke-width': 1 })}/>`;
	const text = `<text${attrs({ 'font-size': NOTE_FONT, fill: swatch.text })}>${tspans(lines, note.x + NOTE_PAD, note.y + NOTE_PAD + NOTE_FONT, NOTE_FONT * LINE_HEIGHT)}</text>`;
	return `<g class="note">${rect}${text}</g>`;
}

function drawText(text: Text, theme: ExportTheme, bounds: Bounds): string {
	const size = text.size ?? TEXT_SIZE;
	const color =
		text.color === undefined || text.color === 'default'
			? BOARD_THEME_COLORS[theme].foreground
			: swatchOf(theme, text.color, 'default').stroke;
	const lines = textLines(text.text);
	const widest = Math.max(0, ...lines.map((line) => line.length));
	bounds.rect(text.x, text.y, widest * size * GLYPH, lines.length * size * LINE_HEIGHT);
	return `<text class="text"${attrs({ 'font-size': size, fill: color })}>${tspans(lines, text.x, text.y + size, size * LINE_HEIGHT)}</text>`;
}

/** The stroke through its points' midpoints, each sample a quadratic control point: smooth, and through both ends. */
function inkPath(ink: Ink): { d: string; points: Point[] } {
	const points: Point[] = [];
	for (let i = 0; i + 2 < ink.points.length; i += 3) points.push({ x: ink.x + ink.points[i]!, y: ink.y + ink.points[i + 1]! });
	const first = points[0]!;
	// A single sample: a zero-length segment, which the round cap draws as a dot.
	if (points.length === 1) return { d: `M ${num(first.x)} ${num(first.y)} L ${num(first.x)} ${num(first.y)}`, points };
	let d = `M ${num(first.x)} ${num(first.y)}`;
	for (let i = 1; i < points.length - 1; i++) {
		const p = points[i]!;
		const q = points[i + 1]!;
		d += ` Q ${num(p.x)} ${num(p.y)} ${num((p.x + q.x) / 2)} ${num((p.y + q.y) / 2)}`;
	}
	const last = points[points.length - 1]!;
	d += ` L ${num(last.x)} ${num(last.y)}`;
	return { d, points };
}

function drawInk(ink: Ink, theme: ExportTheme, bounds: Bounds): string {
	const color =
		ink.color === undefined || ink.color === 'default'
			? BOARD_THEME_COLORS[theme].foreground
			: swatchOf(theme, ink.color, 'default').stroke;
	const { d, points } = inkPath(ink);
	for (const p of points) bounds.add(p.x, p.y, ink.width / 2);
	return `<path class="ink"${attrs({ d, fill: 'none', stroke: color, 'stroke-width': ink.width, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })}/>`;
}

function drawLoops(loops: readonly ExportLoop[], boxes: ReadonlyMap<string, VariableBox>, theme: ExportTheme, bounds: Bounds): string {
	const ui = BOARD_THEME_COLORS[theme];
	const sorted = [...loops].sort((a, b) => compareStrings(a.label, b.label) || compareStrings(a.nodes.join('\n'), b.nodes.join('\n')));
	const used = new Map<string, number>();
	let out = '';
	for (const loop of sorted) {
		const found = loop.nodes.map((id) => boxes.get(id)).filter((box): box is VariableBox => box !== undefined);
		if (found.length === 0) continue;
		let x = 0;
		let y = 0;
		for (const box of found) {
			x += box.v.x;
			y += box.v.y;
		}
		x /= found.length;
		y /= found.length;
		if (found.length === 1) {
			// A loop of one would sit on its variable's label: put it beside the self-link's lobe instead.
			const box = found[0]!;
			x = box.v.x + box.w / 4 - 60;
			y = box.v.y - box.h / 2 - 36;
		}
		// Loops over the same variables share a centre: stack their labels.
		const at = `${num(x)},${num(y)}`;
		const repeat = used.get(at) ?? 0;
		used.set(at, repeat + 1);
		y += repeat * (LOOP_R * 2 + 4);
		bounds.add(x, y, LOOP_R + 2);
		const circle = `<circle${attrs({ cx: x, cy: y, r: LOOP_R, fill: ui.background, stroke: ui.muted, 'stroke-width': 1.5 })}/>`;
		const text = `<text${attrs({ x, y, dy: '0.35em', 'text-anchor': 'middle', 'font-size': 13, 'font-weight': 'bold', fill: ui.foreground })}>${escapeXml(loop.label)}</text>`;
		out += `<g class="loop">${circle}${text}</g>`;
	}
	return out;
}

/**
 * The whole map as a standalone SVG document, sized to its content (see `svgDimensions`). The same elements give the same
 * string in the browser and on the server.
 */
export function toSvg(source: BoardSource, options: SvgOptions = {}): string {
	const theme = options.theme ?? 'light';
	const ui = BOARD_THEME_COLORS[theme];
	const elements = [...elementsOf(source)].sort(byZThenId);
	const boxes = new Map<string, VariableBox>();
	for (const e of elements) if (e.kind === 'variable') boxes.set(e.id, variableBox(e));
	const bounds = new Bounds();
	let frames = '';
	let links = '';
	let shapes = '';
	for (const e of elements) {
		switch (e.kind) {
			case 'frame':
				frames += drawFrame(e, theme, bounds);
				break;
			case 'link': {
				const from = boxes.get(e.from);
				const to = boxes.get(e.to);
				if (from && to) links += drawLink(e, from, to, theme, bounds);
				break;
			}
			case 'variable':
				shapes += drawVariable(boxes.get(e.id)!, theme, bounds);
				break;
			case 'note':
				shapes += drawNote(e, theme, bounds);
				break;
			case 'text':
				shapes += drawText(e, theme, bounds);
				break;
			case 'ink':
				shapes += drawInk(e, theme, bounds);
				break;
		}
	}
	const loops = options.loops ? drawLoops(options.loops, boxes, theme, bounds) : '';
	if (bounds.empty) bounds.rect(0, 0, 320, 220);
	const x = Math.floor(bounds.minX - MARGIN);
	const y = Math.floor(bounds.minY - MARGIN);
	const width = Math.ceil(bounds.maxX + MARGIN) - x;
	const height = Math.ceil(bounds.maxY + MARGIN) - y;
	const title = options.title === undefined ? '' : `<title>${escapeXml(options.title)}</title>`;
	return (
		'<?xml version="1.0" encoding="UTF-8"?>\n' +
		`<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width, height, viewBox: `${x} ${y} ${width} ${height}`, role: 'img', 'font-family': FONT_FAMILY })}>` +
		title +
		`<defs><marker${attrs({ id: MARKER_ID, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 12, markerHeight: 12, markerUnits: 'userSpaceOnUse', orient: 'auto' })}>` +
		`<path${attrs({ d: 'M 0 0 L 10 5 L 0 10 Z', fill: ui.link })}/></marker></defs>` +
		`<rect class="background"${attrs({ x, y, width, height, fill: ui.background })}/>` +
		`<g class="frames">${frames}</g><g class="links">${links}</g><g class="elements">${shapes}</g><g class="loops">${loops}</g>` +
		'</svg>\n'
	);
}

/** The pixel size toSvg gave a document (its root's width and height), to size a canvas; null for anything else. */
export function svgDimensions(svg: string): { width: number; height: number } | null {
	const root = /<svg\b[^>]*>/.exec(svg)?.[0];
	if (root === undefined) return null;
	const width = Number(/\swidth="([0-9.]+)"/.exec(root)?.[1]);
	const height = Number(/\sheight="([0-9.]+)"/.exec(root)?.[1]);
	return width > 0 && height > 0 ? { width, height } : null;
}

// ---------------------------------------------------------------------------------------------------------------------
// Graphviz DOT

/** A DOT quoted string. Labels are escStrings for Graphviz, so a backslash is doubled and a line break becomes \n. */
function dotString(text: string): string {
	return `"${clean(text)
		.replace(/\\/g, '\\\\')
		.replace(/"/g, '\\"')
		.replace(/\r\n|\r|\n/g, '\\n')
		.replace(/\t/g, ' ')}"`;
}

const DOT_SIGNS = { '+': '+', '-': '\u2212', unknown: '?' } as const;

/**
 * The variables and links as a Graphviz digraph. Nodes are named n1, n2 ... in id order (any id is safe that way) and
 * carry the board id in `id`; a delayed link is dashed and its label ends in "||".
 */
export function toDot(source: BoardSource, options: { title?: string } = {}): string {
	const { variables, links } = graphOf(elementsOf(source));
	const names = new Map(variables.map((v, i) => [v.id, `n${i + 1}`]));
	const palette = BOARD_PALETTE.light;
	const lines = [
		`digraph ${dotString(options.title ?? 'Hearth board')} {`,
		'\tgraph [rankdir=LR];',
		`\tnode [shape=box, style="rounded,filled", fontname="Helvetica", fillcolor="${palette.default.fill}", color="${palette.default.stroke}"];`,
		`\tedge [fontname="Helvetica", color="${BOARD_THEME_COLORS.light.link}"];`
	];
	for (const v of variables) {
		const swatch = swatchOf('light', v.color, 'default');
		const colors = v.color === undefined || v.color === 'default' ? '' : `, fillcolor="${swatch.fill}", color="${swatch.stroke}"`;
		lines.push(`\t${names.get(v.id)!} [label=${dotString(variableLabel(v))}, id=${dotString(v.id)}${colors}];`);
	}
	for (const link of links) {
		const label = `${DOT_SIGNS[link.polarity]}${link.delay ? ' ||' : ''}`;
		const style = link.delay ? ', style=dashed' : '';
		lines.push(`\t${names.get(link.from)!} -> ${names.get(link.to)!} [label=${dotString(label)}, id=${dotString(link.id)}${style}];`);
	}
	lines.push('}');
	return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------------
// Kumu

export interface KumuElement {
	label: string;
	type: 'Variable';
}

export interface KumuConnection {
	from: string;
	to: string;
	type: '+' | '-' | '?';
	delay?: 'yes';
}

/** Kumu's JSON import ("blueprint"): connections name elements by label. */
export interface KumuBlueprint {
	elements: KumuElement[];
	connections: KumuConnection[];
}

const KUMU_TYPES = { '+': '+', '-': '-', unknown: '?' } as const;

/** Variable id -> a label no other variable has, even ignoring case: the first by id keeps its own. */
function uniqueLabels(variables: readonly Variable[]): Map<string, string> {
	const fold = (label: string) => label.toLowerCase();
	const wanted = variables.map((v) => ({ id: v.id, label: variableLabel(v) }));
	// Every label some variable has is off limits as a suffixed name, so no rename takes a real label.
	const reserved = new Set(wanted.map((w) => fold(w.label)));
	const taken = new Set<string>();
	const out = new Map<string, string>();
	for (const { id, label } of wanted) {
		let name = label;
		if (taken.has(fold(name))) {
			let n = 2;
			while (reserved.has(fold(`${label} (${n})`)) || taken.has(fold(`${label} (${n})`))) n++;
			name = `${label} (${n})`;
		}
		taken.add(fold(name));
		out.set(id, name);
	}
	return out;
}

/** The variables and links in Kumu's JSON import format, elements by id, connections by id. */
export function toKumu(source: BoardSource): KumuBlueprint {
	const { variables, links } = graphOf(elementsOf(source));
	const labels = uniqueLabels(variables);
	return {
		elements: variables.map((v) => ({ label: labels.get(v.id)!, type: 'Variable' })),
		connections: links.map((link) => {
			const connection: KumuConnection = { from: labels.get(link.from)!, to: labels.get(link.to)!, type: KUMU_TYPES[link.polarity] };
			if (link.delay) connection.delay = 'yes';
			return connection;
		})
	};
}

/** What spreadsheets read as the start of a formula, full-width forms included (some locales' spreadsheets accept them). */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** One RFC 4180 field, neutralised against formula injection. */
function csvCell(value: string): string {
	let text = clean(value);
	if (text.length > 1 && FORMULA_START.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(rows: readonly (readonly string[])[]): string {
	return rows.map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}

/** The same as toKumu as Kumu's two spreadsheet imports: elements (Label, Type, Description) and connections (From, To, Type). */
export function toKumuCsv(source: BoardSource): { elements: string; connections: string } {
	const kumu = toKumu(source);
	return {
		elements: csv([['Label', 'Type', 'Description'], ...kumu.elements.map((e) => [e.label, e.type, ''])]),
		connections: csv([['From', 'To', 'Type'], ...kumu.connections.map((c) => [c.from, c.to, c.type])])
	};
}

// ---------------------------------------------------------------------------------------------------------------------
// Hearth JSON

export const HEARTH_JSON_FORMAT = 'hearth-board';

export const HEARTH_JSON_LIMITS = {
	/** Elements in one file: far above any board a group draws, low enough that one upload cannot flood a document. */
	maxElements: 20_000
} as const;

export interface HearthBoardFile {
	format: typeof HEARTH_JSON_FORMAT;
	version: number;
	elements: BoardElement[];
}

export const HearthJsonErrorCode = {
	/** Not JSON at all. */
	Syntax: 'syntax',
	/** JSON, but not a Hearth board file. */
	Format: 'format',
	/** A Hearth board file of a version this code cannot read (a newer Hearth wrote it). */
	Version: 'version',
	/** An element fails its schema, two share an id, or a link does not join two variables of the file. */
	Invalid: 'invalid',
	TooLarge: 'too_large'
} as const;
export type HearthJsonErrorCode = (typeof HearthJsonErrorCode)[keyof typeof HearthJsonErrorCode];

const HEARTH_JSON_ERROR = Symbol.for('hearth.HearthJsonError');

export class HearthJsonError extends Error {
	readonly [HEARTH_JSON_ERROR] = true;

	static is(e: unknown): e is HearthJsonError {
		return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[HEARTH_JSON_ERROR] === true;
	}

	constructor(
		readonly code: HearthJsonErrorCode,
		message: string,
		/** `path: message` per problem, for Invalid. */
		readonly issues: string[] = []
	) {
		super(message);
		this.name = 'HearthJsonError';
	}
}

/** Every valid element, in drawing order, one a line, ids included: a full copy of the board. */
export function toHearthJson(source: BoardSource): string {
	// Parsing again puts each element's keys in schema order, so hand-built elements serialise like read ones.
	const elements = [...elementsOf(source)].sort(byZThenId).map((e) => boardElementSchema.parse(e));
	const body = elements.map((e) => `\t\t${JSON.stringify(e, wellFormed)}`).join(',\n');
	return `{\n\t"format": ${JSON.stringify(HEARTH_JSON_FORMAT)},\n\t"version": ${BOARD_SCHEMA_VERSION},\n\t"elements": [${body === '' ? '' : `\n${body}\n\t`}]\n}\n`;
}

/** Lone surrogates as U+FFFD, as Yjs' UTF-8 encoding stores them: the file is the same from any replica. */
function wellFormed(_key: string, value: unknown): unknown {
	return typeof value === 'string' ? value.replace(LONE_SURROGATE, '\uFFFD') : value;
}

const headerSchema = z.object({ format: z.string(), version: z.unknown(), elements: z.unknown() });

/**
 * Reads a Hearth board file, checking everything; throws a HearthJsonError saying what is wrong. Files of versions 1 to
 * BOARD_SCHEMA_VERSION are read; every version so far has the same element shape (a change to it must bring an upgrade
 * step here as well as a board migration).
 */
export function fromHearthJson(text: string): HearthBoardFile {
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (e) {
		throw new HearthJsonError(HearthJsonErrorCode.Syntax, `Not JSON: ${e instanceof Error ? e.message : String(e)}`);
	}
	return readHearthBoard(data);
}

/** fromHearthJson for a value already parsed, e.g. an HTTP body. */
export function readHearthBoard(data: unknown): HearthBoardFile {
	const header = headerSchema.safeParse(data);
	if (!header.success || header.data.format !== HEARTH_JSON_FORMAT) {
		throw new HearthJsonError(HearthJsonErrorCode.Format, `Not a Hearth board file: "format" must be "${HEARTH_JSON_FORMAT}".`);
	}
	const { version, elements } = header.data;
	if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
		throw new HearthJsonError(HearthJsonErrorCode.Format, 'Not a Hearth board file: "version" must be a positive integer.');
	}
	if (version > BOARD_SCHEMA_VERSION) {
		throw new HearthJsonError(
			HearthJsonErrorCode.Version,
			`This file is from a newer Hearth (board version ${version}); this one reads up to version ${BOARD_SCHEMA_VERSION}.`
		);
	}
	if (!Array.isArray(elements))
		throw new HearthJsonError(HearthJsonErrorCode.Format, 'Not a Hearth board file: "elements" must be a list.');
	if (elements.length > HEARTH_JSON_LIMITS.maxElements) {
		throw new HearthJsonError(
			HearthJsonErrorCode.TooLarge,
			`At most ${HEARTH_JSON_LIMITS.maxElements} elements; this file has ${elements.length}.`
		);
	}
	const issues: string[] = [];
	const out: BoardElement[] = [];
	const ids = new Set<string>();
	elements.forEach((raw: unknown, i) => {
		const parsed = boardElementSchema.safeParse(raw);
		if (!parsed.success) {
			for (const issue of parsed.error.issues) issues.push(`elements.${[i, ...issue.path].join('.')}: ${issue.message}`);
			return;
		}
		if (ids.has(parsed.data.id)) issues.push(`elements.${i}.id: ${JSON.stringify(parsed.data.id)} is used twice.`);
		ids.add(parsed.data.id);
		out.push(parsed.data);
	});
	if (issues.length === 0) {
		const variables = new Set(out.filter((e) => e.kind === 'variable').map((e) => e.id));
		out.forEach((e, i) => {
			if (e.kind !== 'link') return;
			for (const end of ['from', 'to'] as const) {
				if (!variables.has(e[end])) issues.push(`elements.${i}.${end}: ${JSON.stringify(e[end])} is not a variable of this file.`);
			}
		});
	}
	if (issues.length > 0) {
		const shown = issues.slice(0, 5).join('; ');
		const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
		throw new HearthJsonError(HearthJsonErrorCode.Invalid, `Invalid board file: ${shown}${more}`, issues);
	}
	return { format: HEARTH_JSON_FORMAT, version, elements: out.sort(byZThenId) };
}

export interface HearthImportOptions {
	/** Transaction origin, e.g. the user's, so that one undo removes the whole import. */
	origin?: unknown;
	/** Give every element a fresh id from the board's generator (links follow); otherwise ids are kept. */
	newIds?: boolean;
	/** Moves every positioned element by this much. */
	offset?: { x: number; y: number };
}

/**
 * Adds a Hearth board file's elements to `board` in one transaction (one update, one undo step) and returns file id ->
 * board id. On an empty board z values are kept; otherwise the import goes above everything, in its own order. All
 * checks run first, so a refusal writes nothing: HearthJsonError for the file, an offset that moves elements off the
 * board or a kept id already on it; BoardDocError for a board this code may not write (newer, or not migrated).
 */
export function importHearthJson(board: BoardDoc, input: string | HearthBoardFile, options: HearthImportOptions = {}): Map<string, string> {
	const file = typeof input === 'string' ? fromHearthJson(input) : readHearthBoard(input);
	const offset = options.offset ?? { x: 0, y: 0 };
	if (!Number.isFinite(offset.x) || !Number.isFinite(offset.y))
		throw new HearthJsonError(HearthJsonErrorCode.Invalid, 'Invalid import offset.');
	const existing = board.elements();
	const imported = file.elements;
	let dz = 0;
	if (existing.length > 0 && imported.length > 0) {
		const top = existing.reduce((max, e) => Math.max(max, e.z), Number.NEGATIVE_INFINITY);
		const bottom = imported.reduce((min, e) => Math.min(min, e.z), Number.POSITIVE_INFINITY);
		if (bottom <= top) dz = top + 1 - bottom;
	}
	const issues: string[] = [];
	const moved = imported.map((e, i) => {
		const shifted = { ...e, z: e.z + dz } as BoardElement;
		if (shifted.kind !== 'link') {
			shifted.x += offset.x;
			shifted.y += offset.y;
		}
		const check = boardElementSchema.safeParse(shifted);
		if (!check.success) for (const issue of check.error.issues) issues.push(`elements.${[i, ...issue.path].join('.')}: ${issue.message}`);
		return shifted;
	});
	if (issues.length > 0) {
		throw new HearthJsonError(
			HearthJsonErrorCode.Invalid,
			`The import does not fit on the board: ${issues.slice(0, 5).join('; ')}`,
			issues
		);
	}
	if (!options.newIds) {
		// Read-only look at the raw map: an id taken even by an unreadable element would make the add throw half-way.
		const stored = board.doc.getMap<unknown>(BOARD_DOC_KEYS.elements);
		const clash = moved.find((e) => stored.has(e.id));
		if (clash) {
			throw new HearthJsonError(
				HearthJsonErrorCode.Invalid,
				`Element ${JSON.stringify(clash.id)} is already on this board; import with new ids.`
			);
		}
	}
	// Kept ids go through a second accessor whose generator hands out the id of the element being added.
	let pending = '';
	const writer = options.newIds ? board : new BoardDoc(board.doc, { newId: () => pending, origin: options.origin });
	const ids = new Map<string, string>();
	const ordered = [...moved.filter((e) => e.kind !== 'link'), ...moved.filter((e) => e.kind === 'link')];
	board.transact(() => {
		for (const e of ordered) {
			pending = e.id;
			ids.set(e.id, add(writer, e, ids, options.origin));
		}
	}, options.origin);
	return ids;
}

function add(board: BoardDoc, e: BoardElement, ids: ReadonlyMap<string, string>, origin: unknown): string {
	switch (e.kind) {
		case 'variable': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addVariable(fields, origin);
		}
		case 'link': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addLink({ ...fields, from: ids.get(e.from) ?? e.from, to: ids.get(e.to) ?? e.to }, origin);
		}
		case 'note': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addNote(fields, origin);
		}
		case 'text': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addText(fields, origin);
		}
		case 'ink': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addInk(fields, origin);
		}
		case 'frame': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addFrame(fields, origin);
		}
	}
}
