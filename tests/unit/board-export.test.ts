import { readdirSync, readFileSync } from 'node:fs';
import { fromDot } from 'ts-graphviz';
import { describe, it, expect } from 'vitest';
import * as Y from 'yjs';
import { BOARD_SCHEMA_VERSION } from '../../shared/board.ts';
import { BOARD_DOC_KEYS, BoardDoc, BoardDocError, BoardDocErrorCode, applyTemplate } from '../../shared/board-doc.ts';
import type { BoardElement, BoardTemplate } from '../../shared/board-doc.ts';
import {
	BOARD_PALETTE,
	BOARD_THEME_COLORS,
	HEARTH_JSON_LIMITS,
	HearthJsonError,
	HearthJsonErrorCode,
	fromHearthJson,
	importHearthJson,
	svgDimensions,
	toDot,
	toHearthJson,
	toKumu,
	toKumuCsv,
	toSvg
} from '../../shared/board-export.ts';
import type { ExportLoop } from '../../shared/board-export.ts';
import { findLoopsLimited, numberLoops } from '../../shared/loops.ts';
import type { Loop } from '../../shared/loops.ts';

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

/** Ids that sort as they are made: e001, e002, ... */
function counter(prefix = 'e'): () => string {
	let n = 0;
	return () => `${prefix}${String(++n).padStart(3, '0')}`;
}

function newBoard(prefix = 'e'): BoardDoc {
	const board = new BoardDoc(new Y.Doc(), { newId: counter(prefix) });
	board.init();
	return board;
}

function countUpdates(doc: Y.Doc): { readonly count: number } {
	const c = { count: 0 };
	doc.on('update', () => c.count++);
	return c;
}

// ---------------------------------------------------------------------------------------------------------------------
// A strict XML 1.0 well-formedness check: enough of the spec for a generated document (no DTD, no CDATA, no PIs but the
// declaration), refusing anything outside it.

interface XmlElement {
	name: string;
	attrs: Record<string, string>;
	children: (XmlElement | string)[];
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isXmlChar(code: number): boolean {
	return (
		code === 0x9 ||
		code === 0xa ||
		code === 0xd ||
		(code >= 0x20 && code <= 0xd7ff) ||
		(code >= 0xe000 && code <= 0xfffd) ||
		code >= 0x10000
	);
}

function parseXml(xml: string): XmlElement {
	for (const ch of xml) {
		const code = ch.codePointAt(0)!;
		// A lone surrogate iterates as itself and fails here, like any other character XML excludes.
		if (!isXmlChar(code) || (code >= 0xd800 && code <= 0xdfff)) throw new Error(`Character U+${code.toString(16)} is not allowed in XML.`);
	}
	let pos = 0;
	const fail = (why: string): never => {
		throw new Error(`${why} at ${pos}: ${JSON.stringify(xml.slice(pos, pos + 40))}`);
	};
	const skipSpace = () => {
		while (pos < xml.length && ' \t\r\n'.includes(xml[pos]!)) pos++;
	};
	const name = (): string => {
		NAME.lastIndex = pos;
		const m = NAME.exec(xml);
		if (!m) return fail('Expected a name');
		pos += m[0].length;
		return m[0];
	};
	const reference = (): string => {
		const end = xml.indexOf(';', pos);
		if (end < 0) return fail('Unterminated reference');
		const body = xml.slice(pos + 1, end);
		pos = end + 1;
		if (Object.hasOwn(PREDEFINED, body)) return PREDEFINED[body]!;
		const m = /^#(?:([0-9]+)|x([0-9a-fA-F]+))$/.exec(body);
		if (!m) return fail(`Unknown entity &${body};`);
		const code = m[1] !== undefined ? parseInt(m[1], 10) : parseInt(m[2]!, 16);
		if (!isXmlChar(code) || (code >= 0xd800 && code <= 0xdfff)) return fail('Reference to a character XML excludes');
		return String.fromCodePoint(code);
	};
	const misc = () => {
		for (;;) {
			skipSpace();
			if (!xml.startsWith('<!--', pos)) return;
			const end = xml.indexOf('-->', pos + 4);
			if (end < 0 || xml.slice(pos + 4, end).includes('--')) fail('Bad comment');
			pos = end + 3;
		}
	};
	const element = (): XmlElement => {
		if (xml[pos] !== '<') fail('Expected an element');
		pos++;
		const el: XmlElement = { name: name(), attrs: {}, children: [] };
		for (;;) {
			const before = pos;
			skipSpace();
			if (xml.startsWith('/>', pos)) {
				pos += 2;
				return el;
			}
			if (xml[pos] === '>') {
				pos++;
				break;
			}
			if (pos === before) fail('Expected space between attributes');
			const key = name();
			if (Object.hasOwn(el.attrs, key)) fail(`Duplicate attribute ${key}`);
			skipSpace();
			if (xml[pos] !== '=') fail('Expected =');
			pos++;
			skipSpace();
			const quote = xml[pos];
			if (quote !== '"' && quote !== "'") return fail('Expected a quoted value');
			pos++;
			let value = '';
			while (xml[pos] !== quote) {
				if (pos >= xml.length || xml[pos] === '<') fail('Bad attribute value');
				if (xml[pos] === '&') value += reference();
				else value += xml[pos++];
			}
			pos++;
			el.attrs[key] = value;
		}
		let text = '';
		const flush = () => {
			if (text !== '') el.children.push(text);
			text = '';
		};
		for (;;) {
			if (pos >= xml.length) fail(`Unclosed <${el.name}>`);
			if (xml.startsWith('</', pos)) {
				flush();
				pos += 2;
				if (name() !== el.name) fail(`Mismatched end tag for <${el.name}>`);
				skipSpace();
				if (xml[pos] !== '>') fail('Expected >');
				pos++;
				return el;
			}
			if (xml.startsWith('<!--', pos)) {
				flush();
				misc();
				continue;
			}
			if (xml[pos] === '<') {
				flush();
				el.children.push(element());
				continue;
			}
			if (xml.startsWith(']]>', pos)) fail(']]> in text');
			if (xml[pos] === '&') text += reference();
			else text += xml[pos++];
		}
	};
	const declaration = /^<\?xml version="1\.0"(?: encoding="UTF-8")?\?>/.exec(xml);
	if (declaration) pos = declaration[0].length;
	misc();
	const root = element();
	misc();
	if (pos !== xml.length) fail('Content after the root element');
	return root;
}

function* walk(el: XmlElement): Generator<XmlElement> {
	yield el;
	for (const child of el.children) if (typeof child !== 'string') yield* walk(child);
}

function textOf(el: XmlElement): string {
	return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

/** A <text>'s lines (its tspans), or its own text. */
function linesOf(el: XmlElement): string[] {
	const spans = el.children.filter((c): c is XmlElement => typeof c !== 'string' && c.name === 'tspan');
	return spans.length > 0 ? spans.map(textOf) : [textOf(el)];
}

function groups(root: XmlElement, cls: string): XmlElement[] {
	return [...walk(root)].filter((el) => el.name === 'g' && el.attrs.class === cls);
}

describe('the XML checker itself', () => {
	it.each([
		['<a>', 'unclosed'],
		['<a></b>', 'mismatched'],
		['<a b="1" b="2"/>', 'duplicate attribute'],
		['<a b="<"/>', 'raw < in a value'],
		['<a>&nbsp;</a>', 'undeclared entity'],
		['<a>x & y</a>', 'bare ampersand'],
		['<a/><b/>', 'two roots'],
		['<a>\u0001</a>', 'control character'],
		['<a>\uD800</a>', 'lone surrogate'],
		['<a b=1/>', 'unquoted value']
	])('refuses %j (%s)', (xml) => {
		expect(() => parseXml(xml)).toThrow();
	});

	it('accepts and decodes a good document', () => {
		const root = parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="&lt;&amp;&quot;&#10;"><!-- c --><b>1 &gt; 0 &#x1F331;</b></a>\n');
		expect(root.attrs.x).toBe('<&"\n');
		expect(textOf(root)).toBe('1 > 0 🌱');
	});
});

// ---------------------------------------------------------------------------------------------------------------------
// RFC 4180, strictly: quoted fields may hold anything with quotes doubled; unquoted ones no quote, comma or line break.

function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let pos = 0;
	if (!text.endsWith('\r\n')) throw new Error('Records end with CRLF.');
	while (pos < text.length) {
		const row: string[] = [];
		for (;;) {
			let field = '';
			if (text[pos] === '"') {
				pos++;
				for (;;) {
					const q = text.indexOf('"', pos);
					if (q < 0) throw new Error('Unterminated quoted field.');
					field += text.slice(pos, q);
					pos = q + 1;
					if (text[pos] === '"') {
						field += '"';
						pos++;
					} else break;
				}
			} else {
				const m = /^[^",\r\n]*/.exec(text.slice(pos))!;
				field = m[0];
				pos += field.length;
			}
			row.push(field);
			if (text[pos] === ',') {
				pos++;
				continue;
			}
			if (text.startsWith('\r\n', pos)) {
				pos += 2;
				break;
			}
			throw new Error(`Unexpected ${JSON.stringify(text[pos])} at ${pos}.`);
		}
		rows.push(row);
	}
	return rows;
}

// ---------------------------------------------------------------------------------------------------------------------
// Boards

const LABELS = {
	births: `Births & <deaths> "quoted" 'single' 🌱`,
	population: 'Population',
	formula: '=HYPERLINK("http://example.test","x")',
	lowerPopulation: 'population',
	population2: 'Population (2)',
	population3: 'Population',
	costs: '-Costs, total',
	backslash: 'C:\\path\\ end\\',
	dirty: 'bell\u0007 and \uD800 lone',
	long: 'A rather long variable name that runs well past the widest box the editor draws so that it has to wrap onto lines'
} as const;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** What a label looks like once exported: dirt removed, whitespace collapsed. */
const shown = (label: string) =>
	label
		.replace(LONE_SURROGATE, '\uFFFD')
		// eslint-disable-next-line no-control-regex
		.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
		.replace(/\s+/g, ' ')
		.trim();

/** What Yjs stores (it encodes strings as UTF-8): lone surrogates as U+FFFD. */
const asStored = (elements: BoardElement[]): BoardElement[] =>
	elements.map((e) => (e.kind === 'variable' ? { ...e, label: e.label.replace(LONE_SURROGATE, '\uFFFD') } : e));

/** One of each kind, and labels that break naive escaping. Ids e001... in the order below. */
function everyKind(board = newBoard()): { board: BoardDoc; v: Record<keyof typeof LABELS, string> } {
	const at: Record<keyof typeof LABELS, [number, number]> = {
		births: [0, 0],
		population: [400, 0],
		formula: [200, 300],
		lowerPopulation: [-350, 250],
		population2: [-350, 450],
		population3: [700, 300],
		costs: [700, 550],
		backslash: [100, 700],
		dirty: [450, 800],
		long: [-500, -300]
	};
	const v = {} as Record<keyof typeof LABELS, string>;
	const colors = { births: 'green', formula: '#336699', population: 'sky' } as const;
	for (const key of Object.keys(LABELS) as (keyof typeof LABELS)[]) {
		const [x, y] = at[key];
		v[key] = board.addVariable({ label: LABELS[key], x, y, color: (colors as Record<string, string | undefined>)[key] });
	}
	board.addLink({ from: v.births, to: v.population, polarity: '+' });
	board.addLink({ from: v.population, to: v.births, polarity: '-', delay: true, curvature: 0.4 });
	board.addLink({ from: v.population, to: v.formula, polarity: 'unknown', curvature: -0.3 });
	board.addLink({ from: v.formula, to: v.formula, polarity: '+' });
	board.addLink({ from: v.population, to: v.lowerPopulation, polarity: '+', delay: true });
	board.addLink({ from: v.costs, to: v.backslash, polarity: '-' });
	board.addNote({ text: '<b>hi</b> & "q"\nsecond line that is long enough to wrap inside the note', x: 900, y: -200, color: 'pink' });
	board.addText({ text: 'Heading <1>\nsub & title', x: -700, y: 900, size: 28 });
	board.addInk({ x: 1200, y: 600, points: [0, 0, 0.5, 40, 30, 0.6, 90, -20, 0.7, 150, 60, 0.5], width: 4, color: 'red' });
	board.addInk({ x: -800, y: -600, points: [0, 0, 1], width: 6 });
	board.addFrame({ name: 'Zone <A> & "B"', x: -100, y: -100, w: 700, h: 500, color: 'teal' });
	return { board, v };
}

function loopsOf(board: BoardDoc): ExportLoop[] {
	const { loops } = findLoopsLimited(board.toGraph());
	const numbering = numberLoops(new Map(), loops);
	return loops.map((loop) => ({ label: numbering.get(loop.key)!, nodes: loop.nodes }));
}

function templateOf(fixture: Fixture): BoardTemplate {
	const n = fixture.nodes.length;
	return {
		variables: fixture.nodes.map((node, i) => ({
			key: node.id,
			label: node.label,
			x: Math.round(400 * Math.cos((2 * Math.PI * i) / n)),
			y: Math.round(300 * Math.sin((2 * Math.PI * i) / n))
		})),
		links: fixture.edges.map((e) => ({ from: e.from, to: e.to, polarity: e.polarity, delay: e.delay, curvature: 0 }))
	};
}

function viewBoxOf(root: XmlElement): { x: number; y: number; w: number; h: number } {
	const [x, y, w, h] = root.attrs.viewBox!.split(' ').map(Number) as [number, number, number, number];
	return { x, y, w, h };
}

/** Every coordinate the drawing uses: path points, rectangles' corners, circles' extents, text anchors. */
function drawnPoints(root: XmlElement): [number, number][] {
	const points: [number, number][] = [];
	const defs = new Set([...walk(root)].filter((el) => el.name === 'defs').flatMap((d) => [...walk(d)]));
	for (const el of walk(root)) {
		if (defs.has(el) || el === root || el.attrs.class === 'background') continue;
		const a = el.attrs;
		if (el.name === 'path') {
			const numbers = a
				.d!.replace(/[MLQCZ,]/g, ' ')
				.trim()
				.split(/\s+/)
				.map(Number);
			for (let i = 0; i + 1 < numbers.length; i += 2) points.push([numbers[i]!, numbers[i + 1]!]);
		} else if (el.name === 'rect') {
			points.push([Number(a.x), Number(a.y)], [Number(a.x) + Number(a.width), Number(a.y) + Number(a.height)]);
		} else if (el.name === 'circle') {
			const r = Number(a.r);
			points.push([Number(a.cx) - r, Number(a.cy) - r], [Number(a.cx) + r, Number(a.cy) + r]);
		} else if ((el.name === 'text' || el.name === 'tspan') && a.x !== undefined) {
			points.push([Number(a.x), Number(a.y)]);
		}
	}
	return points;
}

// ---------------------------------------------------------------------------------------------------------------------

describe('toSvg', () => {
	it('is a well-formed XML document with a title, a viewBox and one group per drawn element', () => {
		const { board } = everyKind();
		const svg = toSvg(board, { title: 'Map <1> & "friends"' });
		const root = parseXml(svg);
		expect(root.name).toBe('svg');
		expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
		const title = root.children.find((c): c is XmlElement => typeof c !== 'string' && c.name === 'title');
		expect(title && textOf(title)).toBe('Map <1> & "friends"');
		expect(groups(root, 'variable')).toHaveLength(Object.keys(LABELS).length);
		expect(groups(root, 'link')).toHaveLength(6);
		expect(groups(root, 'note')).toHaveLength(1);
		expect(groups(root, 'frame')).toHaveLength(1);
		expect([...walk(root)].filter((el) => el.attrs.class === 'ink')).toHaveLength(2);
		expect([...walk(root)].filter((el) => el.attrs.class === 'text')).toHaveLength(1);
	});

	it('shows every label exactly, escaped: markup, quotes, emoji, backslashes; dirt dropped; long ones wrapped', () => {
		const { board } = everyKind();
		const root = parseXml(toSvg(board));
		const shownLabels = groups(root, 'variable').map((g) => linesOf([...walk(g)].find((el) => el.name === 'text')!));
		for (const label of Object.values(LABELS)) {
			const expected = shown(label);
			// Lines break at spaces, or inside a word too long for one.
			expect(shownLabels.some((lines) => lines.join(' ') === expected || lines.join('') === expected)).toBe(true);
		}
		const long = shownLabels.find((lines) => lines.join(' ') === LABELS.long)!;
		expect(long.length).toBeGreaterThan(1);
		expect(shownLabels.some((lines) => lines.join(' ') === 'bell and \uFFFD lone')).toBe(true);
		const frame = groups(root, 'frame')[0]!;
		expect(textOf(frame)).toBe('Zone <A> & "B"');
		const note = linesOf([...walk(groups(root, 'note')[0]!)].find((el) => el.name === 'text')!);
		expect(note[0]).toBe('<b>hi</b> & "q"');
		expect(note.length).toBeGreaterThan(2);
		const text = [...walk(root)].find((el) => el.attrs.class === 'text')!;
		expect(linesOf(text)).toEqual(['Heading <1>', 'sub & title']);
		expect(text.attrs['font-size']).toBe('28');
	});

	it('has a viewBox that holds every element, every drawn point and a margin; svgDimensions reads its size', () => {
		const { board } = everyKind();
		const svg = toSvg(board, { loops: loopsOf(board) });
		const root = parseXml(svg);
		const box = viewBoxOf(root);
		const inside = (x: number, y: number) => x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h;
		for (const e of board.elements()) {
			if (e.kind === 'link') continue;
			expect(inside(e.x, e.y), `${e.kind} ${e.id}`).toBe(true);
			if (e.kind === 'note' || e.kind === 'frame') expect(inside(e.x + e.w, e.y + e.h)).toBe(true);
			if (e.kind === 'ink')
				for (let i = 0; i < e.points.length; i += 3) expect(inside(e.x + e.points[i]!, e.y + e.points[i + 1]!)).toBe(true);
			if (e.kind === 'variable') expect(inside(e.x - 55, e.y - 24) && inside(e.x + 55, e.y + 24)).toBe(true);
		}
		const points = drawnPoints(root);
		expect(points.length).toBeGreaterThan(50);
		for (const [x, y] of points) expect(inside(x, y), `${x},${y}`).toBe(true);
		const margin = Math.min(...points.map(([x]) => x)) - box.x;
		expect(margin).toBeGreaterThanOrEqual(20);
		expect(svgDimensions(svg)).toEqual({ width: box.w, height: box.h });
		expect(root.attrs.width).toBe(String(box.w));
		expect(svgDimensions('<html></html>')).toBeNull();
	});

	it('draws links as curves with the arrow marker, a polarity sign each and a double bar on delayed ones', () => {
		const { board } = everyKind();
		const root = parseXml(toSvg(board));
		const marker = [...walk(root)].find((el) => el.name === 'marker')!;
		const links = groups(root, 'link');
		for (const g of links) {
			const path = [...walk(g)].find((el) => el.name === 'path' && el.attrs.class === undefined)!;
			expect(path.attrs['marker-end']).toBe(`url(#${marker.attrs.id})`);
			expect(path.attrs.d).toMatch(/^M [-\d.]+ [-\d.]+ [QC] /);
		}
		const signs = links.map((g) => textOf([...walk(g)].find((el) => el.name === 'text')!));
		expect(signs.sort()).toEqual(['+', '+', '+', '?', '\u2212', '\u2212'].sort());
		const delays = links.flatMap((g) => [...walk(g)].filter((el) => el.attrs.class === 'delay'));
		expect(delays).toHaveLength(2);
		for (const d of delays) expect(d.attrs.d!.match(/M /g)).toHaveLength(2);
	});

	it('skips links whose ends are missing, as the board does', () => {
		const { board } = everyKind();
		const elements: BoardElement[] = [
			...board.elements(),
			{ id: 'zz-dangling', kind: 'link', z: 99, from: 'e001', to: 'gone', polarity: '+', delay: false, curvature: 0 }
		];
		expect(toSvg(elements)).toBe(toSvg(board));
		expect(toDot(elements)).toBe(toDot(board));
		expect(toKumu(elements)).toEqual(toKumu(board));
	});

	it('maps colour tokens to the palette of the theme, and custom colours to themselves', () => {
		const { board } = everyKind();
		for (const theme of ['light', 'dark'] as const) {
			const root = parseXml(toSvg(board, { theme }));
			const background = [...walk(root)].find((el) => el.attrs.class === 'background')!;
			expect(background.attrs.fill).toBe(BOARD_THEME_COLORS[theme].background);
			const rects = groups(root, 'variable').map((g) => g.children[0] as XmlElement);
			expect(
				rects.some((r) => r.attrs.fill === BOARD_PALETTE[theme].green.fill && r.attrs.stroke === BOARD_PALETTE[theme].green.stroke)
			).toBe(true);
			expect(rects.some((r) => r.attrs.stroke === '#336699')).toBe(true);
			for (const el of walk(root)) {
				for (const key of ['fill', 'stroke']) {
					const value = el.attrs[key];
					if (value !== undefined) expect(value).toMatch(/^(#[0-9a-f]{6}|none)$/);
				}
			}
		}
		expect(toSvg(board, { theme: 'dark' })).not.toBe(toSvg(board, { theme: 'light' }));
		expect(Object.keys(BOARD_PALETTE.dark)).toEqual(Object.keys(BOARD_PALETTE.light));
	});

	it('labels numbered loops at the centre of their variables', () => {
		const { board, v } = everyKind();
		const loops = loopsOf(board);
		expect(loops.map((l) => l.label).sort()).toEqual(['B1', 'R1']);
		const root = parseXml(toSvg(board, { loops }));
		const labels = groups(root, 'loop').map((g) => textOf(g));
		expect(labels.sort()).toEqual(['B1', 'R1']);
		const b1 = groups(root, 'loop').find((g) => textOf(g) === 'B1')!;
		const circle = b1.children[0] as XmlElement;
		const ends = [board.get(v.births), board.get(v.population)] as { x: number; y: number }[];
		expect(Number(circle.attrs.cx)).toBe((ends[0]!.x + ends[1]!.x) / 2);
		expect(parseXml(toSvg(board, { loops: [{ label: 'X<1>', nodes: ['nope'] }] })).name).toBe('svg');
	});

	it('draws an empty board as a small blank document', () => {
		const svg = toSvg([]);
		const root = parseXml(svg);
		expect(viewBoxOf(root).w).toBeGreaterThan(0);
		expect(groups(root, 'variable')).toHaveLength(0);
	});
});

/** Graphviz's escString reading of a label: \\ is a backslash, \n a line break. */
const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

describe('toDot', () => {
	it('parses with a DOT parser into the variables and links, labels and signs intact', () => {
		const { board } = everyKind();
		const dot = toDot(board, { title: 'My "map"' });
		const graph = fromDot(dot);
		expect(graph.directed).toBe(true);
		expect(graph.id).toBe('My "map"');
		const variables = board.variables();
		expect(graph.nodes).toHaveLength(variables.length);
		const nodeToBoard = new Map<string, string>();
		for (const node of graph.nodes) {
			const id = unescape(String(node.attributes.get('id')));
			const v = board.get(id);
			expect(v?.kind).toBe('variable');
			nodeToBoard.set(node.id, id);
			expect(unescape(String(node.attributes.get('label')))).toBe(shown(v?.kind === 'variable' ? v.label : ''));
		}
		const links = board.links();
		expect(graph.edges).toHaveLength(links.length);
		for (const edge of graph.edges) {
			const link = board.get(String(edge.attributes.get('id')));
			if (link?.kind !== 'link') throw new Error('Edge without its link.');
			const [from, to] = edge.targets as unknown as { id: string }[];
			expect(nodeToBoard.get(from!.id)).toBe(link.from);
			expect(nodeToBoard.get(to!.id)).toBe(link.to);
			const sign = { '+': '+', '-': '\u2212', unknown: '?' }[link.polarity];
			expect(edge.attributes.get('label')).toBe(link.delay ? `${sign} ||` : sign);
			expect(edge.attributes.get('style')).toBe(link.delay ? 'dashed' : undefined);
		}
	});

	it('lists nodes and edges in id order', () => {
		const { board } = everyKind();
		const graph = fromDot(toDot(board));
		const ids = graph.nodes.map((n) => String(n.attributes.get('id')));
		expect(ids).toEqual([...ids].sort());
		expect(graph.nodes.map((n) => n.id)).toEqual(ids.map((_, i) => `n${i + 1}`));
		const edgeIds = graph.edges.map((e) => String(e.attributes.get('id')));
		expect(edgeIds).toEqual([...edgeIds].sort());
	});
});

describe('toKumu and toKumuCsv', () => {
	it('gives Kumu elements with unique labels and connections that name them', () => {
		const { board } = everyKind();
		const kumu = toKumu(board);
		expect(kumu.elements.map((e) => e.label)).toEqual([
			shown(LABELS.births),
			'Population',
			'=HYPERLINK("http://example.test","x")',
			'population (3)',
			'Population (2)',
			'Population (4)',
			'-Costs, total',
			'C:\\path\\ end\\',
			'bell and \uFFFD lone',
			LABELS.long
		]);
		expect(new Set(kumu.elements.map((e) => e.label.toLowerCase())).size).toBe(kumu.elements.length);
		expect(kumu.elements.every((e) => e.type === 'Variable')).toBe(true);
		const labels = new Set(kumu.elements.map((e) => e.label));
		for (const c of kumu.connections) expect(labels.has(c.from) && labels.has(c.to)).toBe(true);
		expect(kumu.connections).toEqual([
			{ from: shown(LABELS.births), to: 'Population', type: '+' },
			{ from: 'Population', to: shown(LABELS.births), type: '-', delay: 'yes' },
			{ from: 'Population', to: '=HYPERLINK("http://example.test","x")', type: '?' },
			{ from: '=HYPERLINK("http://example.test","x")', to: '=HYPERLINK("http://example.test","x")', type: '+' },
			{ from: 'Population', to: 'population (3)', type: '+', delay: 'yes' },
			{ from: '-Costs, total', to: 'C:\\path\\ end\\', type: '-' }
		]);
		expect(JSON.parse(JSON.stringify(kumu))).toEqual(kumu);
	});

	it('writes CSVs that parse back under RFC 4180, with formula-like cells neutralised', () => {
		const { board } = everyKind();
		const kumu = toKumu(board);
		const { elements, connections } = toKumuCsv(board);
		const safe = (cell: string) => (cell.length > 1 && /^[=+\-@]/.test(cell) ? `'${cell}` : cell);
		expect(parseCsv(elements)).toEqual([['Label', 'Type', 'Description'], ...kumu.elements.map((e) => [safe(e.label), 'Variable', ''])]);
		expect(parseCsv(connections)).toEqual([['From', 'To', 'Type'], ...kumu.connections.map((c) => [safe(c.from), safe(c.to), c.type])]);
		expect(elements).toContain(`"'=HYPERLINK(""http://example.test"",""x"")",Variable,\r\n`);
		expect(elements).toContain(`"'-Costs, total",Variable,\r\n`);
		expect(connections).toContain(',-\r\n');
		for (const row of parseCsv(connections).slice(1)) for (const cell of row) if (cell.length > 1) expect(cell).not.toMatch(/^[=+\-@]/);
	});
});

describe('Hearth JSON', () => {
	it('round-trips into a fresh board, ids and all, in one transaction (lone surrogates arrive as U+FFFD, as over the wire)', () => {
		const { board } = everyKind();
		const json = toHearthJson(board);
		const file = fromHearthJson(json);
		expect(file).toEqual({ format: 'hearth-board', version: BOARD_SCHEMA_VERSION, elements: asStored(board.elements()) });
		const fresh = newBoard('x');
		const updates = countUpdates(fresh.doc);
		const ids = importHearthJson(fresh, json, { origin: 'import' });
		expect(updates.count).toBe(1);
		expect(fresh.elements()).toEqual(asStored(board.elements()));
		expect(ids.size).toBe(board.elements().length);
		for (const [from, to] of ids) expect(to).toBe(from);
		expect(toHearthJson(fresh)).toBe(json);
		expect(toSvg(fresh)).toBe(toSvg(board));
	});

	it('round-trips with new ids, links following their variables, moved by the offset', () => {
		const { board } = everyKind();
		const fresh = newBoard('n');
		const ids = importHearthJson(fresh, toHearthJson(board), { newIds: true, offset: { x: 10, y: -20 } });
		expect(fresh.elements()).toHaveLength(board.elements().length);
		for (const e of asStored(board.elements())) {
			const id = ids.get(e.id)!;
			expect(id).toMatch(/^n\d{3}$/);
			const expected = { ...e, id } as BoardElement;
			if (expected.kind === 'link' && e.kind === 'link') {
				expected.from = ids.get(e.from)!;
				expected.to = ids.get(e.to)!;
			} else if (expected.kind !== 'link') {
				expected.x += 10;
				expected.y -= 20;
			}
			expect(fresh.get(id)).toEqual(expected);
		}
		expect(toKumu(fresh)).toEqual(toKumu(board));
	});

	it('puts an import above what is already on the board, keeping its own order', () => {
		const { board } = everyKind();
		const target = newBoard('t');
		target.addVariable({ label: 'Already here', x: 0, y: 0, z: 50 });
		importHearthJson(target, toHearthJson(board), { newIds: true });
		const imported = target.elements().filter((e) => e.id !== 't001');
		expect(Math.min(...imported.map((e) => e.z))).toBe(51);
		expect(imported.map((e) => e.z)).toEqual(board.elements().map((e) => e.z + 51));
	});

	it('refuses ids already on the board, and a read-only board, writing nothing', () => {
		const { board } = everyKind();
		const json = toHearthJson(board);
		const updates = countUpdates(board.doc);
		const clash = catchError(() => importHearthJson(board, json));
		expect(HearthJsonError.is(clash) && clash.code).toBe(HearthJsonErrorCode.Invalid);
		expect(updates.count).toBe(0);
		const newer = newBoard('r');
		newer.doc.getMap(BOARD_DOC_KEYS.meta).set(BOARD_DOC_KEYS.schemaVersion, BOARD_SCHEMA_VERSION + 1);
		const newerUpdates = countUpdates(newer.doc);
		const readOnly = catchError(() => importHearthJson(newer, json, { newIds: true }));
		expect(BoardDocError.is(readOnly) && readOnly.code).toBe(BoardDocErrorCode.ReadOnly);
		expect(newerUpdates.count).toBe(0);
		expect(newer.elements()).toEqual([]);
	});

	it('refuses an offset that would push elements off the board', () => {
		const { board } = everyKind();
		const e = catchError(() => importHearthJson(newBoard('o'), toHearthJson(board), { offset: { x: 2e6, y: 0 } }));
		expect(HearthJsonError.is(e) && e.code).toBe(HearthJsonErrorCode.Invalid);
	});

	const variable = { id: 'a', kind: 'variable', z: 0, label: 'A', x: 0, y: 0 };
	const file = (elements: unknown[], extra: Record<string, unknown> = {}) =>
		JSON.stringify({ format: 'hearth-board', version: BOARD_SCHEMA_VERSION, elements, ...extra });

	it.each([
		['not JSON', '{"format":', HearthJsonErrorCode.Syntax, /Not JSON/],
		['another format', JSON.stringify({ format: 'kumu', version: 1, elements: [] }), HearthJsonErrorCode.Format, /format/],
		['no format', JSON.stringify([1, 2]), HearthJsonErrorCode.Format, /format/],
		['a version that is not a number', file([], { version: '1' }), HearthJsonErrorCode.Format, /version/],
		['a newer version', file([], { version: BOARD_SCHEMA_VERSION + 1 }), HearthJsonErrorCode.Version, /newer Hearth/],
		['elements that are not a list', file([], { elements: {} }), HearthJsonErrorCode.Format, /elements/],
		['an element with a bad field', file([{ ...variable, x: 'left' }]), HearthJsonErrorCode.Invalid, /elements\.0\.x: /],
		['an unknown kind', file([{ ...variable, kind: 'sticker' }]), HearthJsonErrorCode.Invalid, /elements\.0\.kind/],
		['two elements with one id', file([variable, { ...variable, label: 'B' }]), HearthJsonErrorCode.Invalid, /used twice/],
		[
			'a link to nothing',
			file([variable, { id: 'l', kind: 'link', z: 1, from: 'a', to: 'b', polarity: '+', delay: false, curvature: 0 }]),
			HearthJsonErrorCode.Invalid,
			/elements\.1\.to: "b" is not a variable/
		],
		[
			'too many elements',
			file(Array.from({ length: HEARTH_JSON_LIMITS.maxElements + 1 }, () => ({}))),
			HearthJsonErrorCode.TooLarge,
			/At most/
		]
	])('refuses %s with a typed error', (_what, text, code, message) => {
		const e = catchError(() => fromHearthJson(text));
		expect(HearthJsonError.is(e)).toBe(true);
		expect((e as HearthJsonError).code).toBe(code);
		expect((e as HearthJsonError).message).toMatch(message);
		const target = newBoard('q');
		const updates = countUpdates(target.doc);
		expect(() => importHearthJson(target, text)).toThrow(HearthJsonError);
		expect(updates.count).toBe(0);
	});
});

/** Adds an element as it is, id (through the board's generator) and z included. */
function addElement(board: BoardDoc, e: BoardElement): string {
	switch (e.kind) {
		case 'variable': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addVariable(fields);
		}
		case 'link': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addLink(fields);
		}
		case 'note': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addNote(fields);
		}
		case 'text': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addText(fields);
		}
		case 'ink': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addInk(fields);
		}
		case 'frame': {
			const { id: _id, kind: _kind, ...fields } = e;
			return board.addFrame(fields);
		}
	}
}

function catchError(fn: () => unknown): unknown {
	try {
		fn();
	} catch (e) {
		return e;
	}
	throw new Error('Expected an error.');
}

describe('determinism', () => {
	const exportsOf = (source: BoardDoc | readonly BoardElement[], loops?: ExportLoop[]) => ({
		svg: toSvg(source, { title: 'T', loops }),
		dark: toSvg(source, { theme: 'dark' }),
		dot: toDot(source),
		kumu: JSON.stringify(toKumu(source)),
		csv: toKumuCsv(source),
		json: toHearthJson(source)
	});

	it('gives the same output twice, and for the elements in any order', () => {
		const { board } = everyKind();
		const first = exportsOf(board, loopsOf(board));
		expect(exportsOf(board, loopsOf(board))).toEqual(first);
		const elements = board.elements();
		const shuffled = [...elements].reverse();
		shuffled.push(...shuffled.splice(0, 3));
		expect(exportsOf(shuffled, [...loopsOf(board)].reverse())).toEqual(first);
	});

	it('does not depend on the order elements were added, nor on which replica exports', () => {
		const { board } = everyKind();
		const elements = board.elements();
		// The same elements, same ids and z, added in reverse order (variables still before their links).
		const ordered = [...elements.filter((e) => e.kind !== 'link').reverse(), ...elements.filter((e) => e.kind === 'link').reverse()];
		let next = '';
		const other = new BoardDoc(new Y.Doc(), { newId: () => next });
		other.init();
		for (const e of ordered) {
			next = e.id;
			addElement(other, e);
		}
		expect(other.elements()).toEqual(elements);
		expect(exportsOf(other)).toEqual(exportsOf(board));
		const replica = new Y.Doc();
		Y.applyUpdate(replica, Y.encodeStateAsUpdate(other.doc));
		expect(replica.clientID).not.toBe(board.doc.clientID);
		expect(exportsOf(new BoardDoc(replica))).toEqual(exportsOf(board));
	});
});

describe('the system archetypes', () => {
	it.each(fixtures)('$file: every format carries the fixture', ({ fixture }) => {
		const board = newBoard();
		const keys = applyTemplate(board, templateOf(fixture));
		const idOf = (key: string) => keys.get(key)!;
		const loops = loopsOf(board);
		expect(loops).toHaveLength(fixture.expected_loops.length);

		const root = parseXml(toSvg(board, { title: fixture.name, loops }));
		expect(groups(root, 'variable')).toHaveLength(fixture.nodes.length);
		expect(groups(root, 'link')).toHaveLength(fixture.edges.length);
		expect(groups(root, 'loop')).toHaveLength(fixture.expected_loops.length);
		const box = viewBoxOf(root);
		for (const [x, y] of drawnPoints(root)) expect(x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h).toBe(true);

		const graph = fromDot(toDot(board));
		expect(graph.nodes.map((n) => n.attributes.get('label')).sort()).toEqual(fixture.nodes.map((n) => n.label).sort());
		expect(graph.edges).toHaveLength(fixture.edges.length);
		expect(graph.edges.filter((e) => e.attributes.get('style') === 'dashed')).toHaveLength(fixture.edges.filter((e) => e.delay).length);

		const kumu = toKumu(board);
		const label = new Map(fixture.nodes.map((n) => [idOf(n.id), n.label]));
		expect(kumu.elements.map((e) => e.label).sort()).toEqual(fixture.nodes.map((n) => n.label).sort());
		expect(kumu.connections.map((c) => `${c.from}>${c.to}${c.type}${c.delay ?? ''}`).sort()).toEqual(
			fixture.edges.map((e) => `${label.get(idOf(e.from))}>${label.get(idOf(e.to))}${e.polarity}${e.delay ? 'yes' : ''}`).sort()
		);

		const fresh = newBoard('f');
		importHearthJson(fresh, toHearthJson(board));
		expect(fresh.elements()).toEqual(board.elements());
	});
});
