/**
 * The board document: how a systems map lives in a Y.Doc, and the only code that touches its keys. Pure: no DOM, no Node.
 *
 * Layout:
 * - root Y.Map `meta`: `schemaVersion`, an integer. Documents written before `meta` existed have none: version 0.
 * - root Y.Map `elements`: element id -> one Y.Map per element, holding `kind` ('variable' | 'link' | 'note' | 'text' |
 *   'ink' | 'frame'), `z` (stacking order) and that kind's fields as plain values. The id is the key, never a field, so
 *   the two cannot disagree.
 *
 * Invariants:
 * - One Y.Map per element, one key per field: an edit writes only the keys whose values change, in that element's map
 *   only. Concurrent edits of different elements, or of different fields of one element, all survive; concurrent edits
 *   of one field resolve by Yjs' map rule (one write wins, the same one on every client).
 * - Every element a writer stores passes its kind's schema, all checks done before the first write (Yjs does not roll
 *   a transaction back). Readers validate again, because other clients (older, newer, buggy) write too, and skip what
 *   fails: a bad element is invisible, never a crash.
 * - A link's ends are variables when the link is written. A concurrent removal can still strand one; readers leave such
 *   links out (`links()`, `toGraph()`) and `pruneDanglingLinks()` deletes them.
 * - Removing a variable removes its links in the same transaction, so one undo step brings all of them back.
 * - Stacking order is each element's own `z`: reordering writes one key of one element. Equal `z` (two clients adding at
 *   once) breaks by id, and lists come sorted, so every client draws and numbers the same way whatever Y.Map's local
 *   iteration order.
 * - Writes happen only while the document is at BOARD_SCHEMA_VERSION, so each element has the shape of the document's
 *   version and a migration knows what it transforms. A newer document is read-only for this code, never downgraded.
 * - Migrations have stable numbers and are never edited once released. They run in one transaction, are deterministic
 *   and idempotent: two clients migrating at once write the same values under the same keys (new elements get ids
 *   derived from old ones) and converge, and a migration that threw half-way can simply run again.
 * Left to the caller: running `init()` only after the provider's first sync (an empty local copy is not an empty board),
 * user-facing wording of errors, and where loop labels are stored.
 */
import * as Y from 'yjs';
import { z } from 'zod';
import { BOARD_SCHEMA_VERSION } from './board.ts';
import type { CldGraph } from './loops.ts';

export const BOARD_DOC_KEYS = { meta: 'meta', elements: 'elements', schemaVersion: 'schemaVersion' } as const;

export const ELEMENT_KINDS = ['variable', 'link', 'note', 'text', 'ink', 'frame'] as const;
export type ElementKind = (typeof ELEMENT_KINDS)[number];

export const BOARD_DOC_LIMITS = {
	maxId: 100,
	/** Variable labels and frame names. */
	maxLabel: 200,
	/** Sticky-note and text bodies: a paragraph or two, not a document. */
	maxText: 4000,
	/** Positions, sizes and ink offsets, in board units. Keeps a stray value from throwing the view to infinity. */
	maxCoordinate: 1e6,
	maxInkPoints: 5000,
	maxInkWidth: 100,
	minTextSize: 4,
	maxTextSize: 400,
	/** Template size, so one paste cannot flood the document. */
	maxTemplateElements: 2000
} as const;

/**
 * Theme tokens rather than colours, so that light and dark themes each render them readably; `#rrggbb` is accepted too,
 * for maps imported from other tools.
 */
export const BOARD_COLORS = [
	'default',
	'stone',
	'red',
	'orange',
	'amber',
	'yellow',
	'lime',
	'green',
	'teal',
	'sky',
	'blue',
	'violet',
	'pink'
] as const;
export type BoardColorToken = (typeof BOARD_COLORS)[number];

/** The board's polarities; loops.ts reads 'unknown' as neither + nor -, which makes a loop through it type U. */
export const LINK_POLARITIES = ['+', '-', 'unknown'] as const;
export type BoardLinkPolarity = (typeof LINK_POLARITIES)[number];

const L = BOARD_DOC_LIMITS;

export const elementIdSchema = z.string().min(1).max(L.maxId);
export const boardColorSchema = z.union([z.enum(BOARD_COLORS), z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Not a palette colour or #rrggbb.')]);
export type BoardColor = z.infer<typeof boardColorSchema>;

// zod 4's z.number() already refuses NaN and ±Infinity; the bounds keep values drawable.
const coordinate = z.number().min(-L.maxCoordinate).max(L.maxCoordinate);
const extent = z.number().positive().max(L.maxCoordinate);
const zIndex = z.number();
// Labels and bodies are plain strings, not Y.Text: they are short and edited in one input at a time, so last writer wins
// per field is acceptable, and a flat map of plain values is what the schemas validate and the undo manager restores.
// Character-level merging of notes, if wanted later, is a migration away.
const label = z.string().max(L.maxLabel);
const body = z.string().max(L.maxText);
const color = boardColorSchema.optional();

/** Flat [x0, y0, p0, x1, y1, p1, ...], offsets from the stroke's x/y (so moving a stroke writes two numbers), p in 0..1. */
export const inkPointsSchema = z.custom<number[]>(
	(value) => {
		if (!Array.isArray(value) || value.length === 0 || value.length % 3 !== 0 || value.length > L.maxInkPoints * 3) return false;
		for (let i = 0; i < value.length; i++) {
			const v: unknown = value[i];
			if (typeof v !== 'number' || !Number.isFinite(v)) return false;
			if (i % 3 === 2 ? v < 0 || v > 1 : Math.abs(v) > L.maxCoordinate) return false;
		}
		return true;
	},
	{ message: `Ink is 1 to ${L.maxInkPoints} points of [x, y, pressure 0..1], coordinates within ±${L.maxCoordinate}.` }
);

const variableFields = { label, x: coordinate, y: coordinate, color };
const linkFields = {
	from: elementIdSchema,
	to: elementIdSchema,
	polarity: z.enum(LINK_POLARITIES),
	delay: z.boolean(),
	/** Bend of the arrow: 0 straight, ±1 strongly bent to either side; the renderer picks the geometry. */
	curvature: z.number().min(-1).max(1)
};
const noteFields = { text: body, x: coordinate, y: coordinate, w: extent, h: extent, color };
const textFields = { text: body, x: coordinate, y: coordinate, size: z.number().min(L.minTextSize).max(L.maxTextSize).optional(), color };
const inkFields = { x: coordinate, y: coordinate, points: inkPointsSchema, width: z.number().positive().max(L.maxInkWidth), color };
const frameFields = { name: label, x: coordinate, y: coordinate, w: extent, h: extent, color };

const base = { id: elementIdSchema, z: zIndex };
// Reading strips unknown keys (a newer client's extra field does not hide the element); inputs below are strict.
export const variableSchema = z.object({ ...base, kind: z.literal('variable'), ...variableFields });
export const linkSchema = z.object({ ...base, kind: z.literal('link'), ...linkFields });
export const noteSchema = z.object({ ...base, kind: z.literal('note'), ...noteFields });
export const textSchema = z.object({ ...base, kind: z.literal('text'), ...textFields });
export const inkSchema = z.object({ ...base, kind: z.literal('ink'), ...inkFields });
export const frameSchema = z.object({ ...base, kind: z.literal('frame'), ...frameFields });
export const boardElementSchema = z.discriminatedUnion('kind', [
	variableSchema,
	linkSchema,
	noteSchema,
	textSchema,
	inkSchema,
	frameSchema
]);

export type Variable = z.infer<typeof variableSchema>;
export type Link = z.infer<typeof linkSchema>;
export type Note = z.infer<typeof noteSchema>;
export type Text = z.infer<typeof textSchema>;
export type Ink = z.infer<typeof inkSchema>;
export type Frame = z.infer<typeof frameSchema>;
export type BoardElement = z.infer<typeof boardElementSchema>;
export type ElementOf<K extends ElementKind> = Extract<BoardElement, { kind: K }>;

const ELEMENT_SCHEMAS = {
	variable: variableSchema,
	link: linkSchema,
	note: noteSchema,
	text: textSchema,
	ink: inkSchema,
	frame: frameSchema
} satisfies Record<ElementKind, z.ZodType>;

// Inputs are strict so that a misspelt field is an error rather than silently dropped; `z` defaults to the top.
const optionalZ = { z: zIndex.optional() };
export const variableInputSchema = z.strictObject({ ...variableFields, ...optionalZ });
export const linkInputSchema = z.strictObject({
	...linkFields,
	...optionalZ,
	// A new arrow has no sign until someone gives it one, as in other CLD tools; its loops read as type U meanwhile.
	polarity: linkFields.polarity.default('unknown'),
	delay: linkFields.delay.default(false),
	curvature: linkFields.curvature.default(0)
});
export const noteInputSchema = z.strictObject({
	...noteFields,
	...optionalZ,
	text: body.default(''),
	w: extent.default(200),
	h: extent.default(160)
});
export const textInputSchema = z.strictObject({ ...textFields, ...optionalZ });
export const inkInputSchema = z.strictObject({ ...inkFields, ...optionalZ, width: inkFields.width.default(2) });
export const frameInputSchema = z.strictObject({ ...frameFields, ...optionalZ });

export type VariableInput = z.input<typeof variableInputSchema>;
export type LinkInput = z.input<typeof linkInputSchema>;
export type NoteInput = z.input<typeof noteInputSchema>;
export type TextInput = z.input<typeof textInputSchema>;
export type InkInput = z.input<typeof inkInputSchema>;
export type FrameInput = z.input<typeof frameInputSchema>;

// Patches: any subset of a kind's fields (never `kind` or `id`); `undefined` clears an optional field.
const PATCH_SCHEMAS = {
	variable: z.strictObject({ ...variableFields, z: zIndex }).partial(),
	link: z.strictObject({ ...linkFields, z: zIndex }).partial(),
	note: z.strictObject({ ...noteFields, z: zIndex }).partial(),
	text: z.strictObject({ ...textFields, z: zIndex }).partial(),
	ink: z.strictObject({ ...inkFields, z: zIndex }).partial(),
	frame: z.strictObject({ ...frameFields, z: zIndex }).partial()
} satisfies Record<ElementKind, z.ZodType>;

export type PatchOf<K extends ElementKind> = z.input<(typeof PATCH_SCHEMAS)[K]>;
export type ElementPatch = { [K in ElementKind]: PatchOf<K> }[ElementKind];

export const BoardDocErrorCode = {
	/** The input or the patched element fails its schema; `issues` says where. */
	Invalid: 'invalid',
	NotFound: 'not_found',
	/** A link end is not a variable of the board. */
	MissingEndpoint: 'missing_endpoint',
	/** The id generator returned an id already in use. */
	DuplicateId: 'duplicate_id',
	/** The document is older than this code: migrate before writing. */
	NeedsMigration: 'needs_migration',
	/** The document is newer than this code, or its version is unreadable. */
	ReadOnly: 'read_only'
} as const;
export type BoardDocErrorCode = (typeof BoardDocErrorCode)[keyof typeof BoardDocErrorCode];

/** Marks errors across module copies (the web bundle and the server each hold one), as AppError does. */
const BOARD_DOC_ERROR = Symbol.for('hearth.BoardDocError');

/** Refusals are thrown: they are programming or input errors the editor checks for before calling, not outcomes to branch on. */
export class BoardDocError extends Error {
	readonly [BOARD_DOC_ERROR] = true;

	static is(e: unknown): e is BoardDocError {
		return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BOARD_DOC_ERROR] === true;
	}

	constructor(
		readonly code: BoardDocErrorCode,
		message: string,
		/** `path: message` per schema issue, for Invalid. */
		readonly issues: string[] = []
	) {
		super(message);
		this.name = 'BoardDocError';
	}
}

function invalid(what: string, error: z.ZodError): BoardDocError {
	const issues = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
	return new BoardDocError(BoardDocErrorCode.Invalid, `Invalid ${what}: ${issues.join('; ')}`, issues);
}

// ---------------------------------------------------------------------------------------------------------------------
// Versions and migrations

function metaOf(doc: Y.Doc): Y.Map<unknown> {
	return doc.getMap<unknown>(BOARD_DOC_KEYS.meta);
}

function elementsOf(doc: Y.Doc): Y.Map<unknown> {
	return doc.getMap<unknown>(BOARD_DOC_KEYS.elements);
}

/** The document's schema version: 0 when `meta` has none, null when what is there is not a version at all. */
export function readSchemaVersion(doc: Y.Doc): number | null {
	const version = metaOf(doc).get(BOARD_DOC_KEYS.schemaVersion);
	if (version === undefined) return 0;
	return typeof version === 'number' && Number.isSafeInteger(version) && version >= 0 ? version : null;
}

/**
 * Stamps the current version on a document with nothing in it; true when it did. A document with elements but no version
 * is left to `migrateBoardDoc` as version 0. Call after the provider's first sync, or an empty local copy of a full board
 * would be stamped as if it were new.
 */
export function initBoardDoc(doc: Y.Doc, origin?: unknown): boolean {
	const meta = metaOf(doc);
	if (meta.has(BOARD_DOC_KEYS.schemaVersion) || elementsOf(doc).size > 0) return false;
	doc.transact(() => meta.set(BOARD_DOC_KEYS.schemaVersion, BOARD_SCHEMA_VERSION), origin);
	return true;
}

export interface Migration {
	/** The version this step brings a document to, from `version - 1`. Stable: never renumbered or edited once released. */
	version: number;
	description: string;
	/** Runs inside the runner's transaction; deterministic and idempotent (see the invariants above). */
	migrate(doc: Y.Doc): void;
}

export type MigrationResult =
	| { status: 'current'; version: number }
	| { status: 'migrated'; from: number; to: number; applied: number[] }
	/** Newer than this code (or an unreadable version): shown as it is, never written, never downgraded. */
	| { status: 'read-only'; version: number | null; known: number; reason: 'newer' | 'unreadable' };

/** The board's migrations, oldest first. */
export const BOARD_MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		// Version 0 is the shape before `meta` existed: elements already as today, only the version missing, which the
		// runner writes. Kept as a real step so that the runner's path from 0 is exercised from day one.
		description: 'documents written before meta existed: record the schema version',
		migrate: () => {}
	}
];

/**
 * Brings `doc` from its version up to `target` by running the steps after its version in order, and records `target`,
 * all in one transaction (one update for the other clients, one entry in the log). A newer or unreadable version is
 * reported and the document left untouched.
 */
export function runMigrations(doc: Y.Doc, migrations: readonly Migration[], target: number, origin?: unknown): MigrationResult {
	migrations.forEach((m, i) => {
		if (m.version !== i + 1) throw new Error(`Migrations must be numbered 1, 2, 3... in order; found ${m.version} at position ${i}.`);
	});
	if (!Number.isSafeInteger(target) || target < 0 || target > migrations.length) {
		throw new Error(`No migration path to version ${target}: the list ends at ${migrations.length}.`);
	}
	const version = readSchemaVersion(doc);
	if (version === null) return { status: 'read-only', version, known: target, reason: 'unreadable' };
	if (version > target) return { status: 'read-only', version, known: target, reason: 'newer' };
	if (version === target) return { status: 'current', version };
	const steps = migrations.slice(version, target);
	doc.transact(() => {
		for (const step of steps) step.migrate(doc);
		// Written once, after every step: a step that throws leaves the old version, so the whole path runs again.
		metaOf(doc).set(BOARD_DOC_KEYS.schemaVersion, target);
	}, origin);
	return { status: 'migrated', from: version, to: target, applied: steps.map((s) => s.version) };
}

export function migrateBoardDoc(doc: Y.Doc, origin?: unknown): MigrationResult {
	return runMigrations(doc, BOARD_MIGRATIONS, BOARD_SCHEMA_VERSION, origin);
}

// ---------------------------------------------------------------------------------------------------------------------
// Reading

/** One stored element, validated; undefined for anything that is not a valid element (skipped, never thrown). */
export function readElement(id: string, value: unknown): BoardElement | undefined {
	if (!(value instanceof Y.Map)) return undefined;
	const parsed = boardElementSchema.safeParse({ ...(value.toJSON() as Record<string, unknown>), id });
	if (!parsed.success) return undefined;
	// The stored array is Yjs' own; a reader mutating it would change the local doc without an update.
	if (parsed.data.kind === 'ink') parsed.data.points = parsed.data.points.slice();
	return parsed.data;
}

function byId(a: { id: string }, b: { id: string }): number {
	return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function byZThenId(a: BoardElement, b: BoardElement): number {
	return a.z - b.z || byId(a, b);
}

/** The variables, and the links whose both ends are among them, in the order given. */
function connected(elements: readonly BoardElement[]): { variables: Variable[]; links: Link[] } {
	const variables = elements.filter((e): e is Variable => e.kind === 'variable');
	const ids = new Set(variables.map((v) => v.id));
	const links = elements.filter((e): e is Link => e.kind === 'link' && ids.has(e.from) && ids.has(e.to));
	return { variables, links };
}

function sameValue(a: unknown, b: unknown): boolean {
	if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
	return Object.is(a, b);
}

/** What changed in one transaction, by element id. */
export interface BoardChange {
	/** New elements, and elements whose whole map was replaced. */
	added: Set<string>;
	/** Existing elements, with the fields written. */
	updated: Map<string, Set<string>>;
	removed: Set<string>;
	origin: unknown;
	local: boolean;
}

export interface TemplateOffset {
	x: number;
	y: number;
}

const templateKey = z.string().min(1).max(L.maxId);
const keyed = { key: templateKey.optional() };

/** A template: elements named by keys local to it; links name variables by key. Positions are relative to the offset. */
export const boardTemplateSchema = z
	.strictObject({
		variables: z.array(z.strictObject({ key: templateKey, label, x: coordinate, y: coordinate, color })),
		links: z
			.array(
				z.strictObject({
					from: templateKey,
					to: templateKey,
					polarity: linkInputSchema.shape.polarity,
					delay: linkInputSchema.shape.delay,
					curvature: linkInputSchema.shape.curvature
				})
			)
			.default([]),
		frames: z.array(z.strictObject({ ...keyed, ...frameFields })).default([]),
		notes: z.array(noteInputSchema.omit({ z: true }).extend(keyed)).default([]),
		texts: z.array(textInputSchema.omit({ z: true }).extend(keyed)).default([])
	})
	.superRefine((t, ctx) => {
		const total = t.variables.length + t.links.length + t.frames.length + t.notes.length + t.texts.length;
		if (total > L.maxTemplateElements) ctx.addIssue({ code: 'custom', message: `At most ${L.maxTemplateElements} elements.` });
		const keys = new Set<string>();
		const variableKeys = new Set(t.variables.map((v) => v.key));
		for (const { key } of [...t.variables, ...t.frames, ...t.notes, ...t.texts]) {
			if (key === undefined) continue;
			if (keys.has(key)) ctx.addIssue({ code: 'custom', message: `Key ${JSON.stringify(key)} is used twice.` });
			keys.add(key);
		}
		t.links.forEach((link, i) => {
			for (const end of ['from', 'to'] as const) {
				if (!variableKeys.has(link[end])) {
					ctx.addIssue({ code: 'custom', path: ['links', i, end], message: `No variable with key ${JSON.stringify(link[end])}.` });
				}
			}
		});
	});
export type BoardTemplate = z.input<typeof boardTemplateSchema>;

export interface BoardDocOptions {
	/** Makes element ids; defaults to crypto.randomUUID (browsers and Node 20 alike). */
	newId?: () => string;
	/** Transaction origin for writes that pass none, e.g. this user's origin that their UndoManager tracks. */
	origin?: unknown;
}

type Fields = Record<string, unknown>;

/** Typed access to one board document. Holds no state of its own beyond options: every read goes to the Y.Doc. */
export class BoardDoc {
	readonly doc: Y.Doc;
	readonly #elements: Y.Map<unknown>;
	readonly #newId: () => string;
	readonly #origin: unknown;

	constructor(doc: Y.Doc, options: BoardDocOptions = {}) {
		this.doc = doc;
		this.#elements = elementsOf(doc);
		this.#newId = options.newId ?? (() => globalThis.crypto.randomUUID());
		this.#origin = options.origin ?? null;
	}

	/** Stamps an empty document, then migrates an older one: the editor's one call once the provider has synced. */
	init(origin?: unknown): MigrationResult {
		initBoardDoc(this.doc, this.#originOr(origin));
		return migrateBoardDoc(this.doc, this.#originOr(origin));
	}

	migrate(origin?: unknown): MigrationResult {
		return migrateBoardDoc(this.doc, this.#originOr(origin));
	}

	get schemaVersion(): number | null {
		return readSchemaVersion(this.doc);
	}

	/** True when this code must not write: the document is newer than it knows, or its version is unreadable. */
	get readOnly(): boolean {
		const version = this.schemaVersion;
		return version === null || version > BOARD_SCHEMA_VERSION;
	}

	/** Several accessor calls as one transaction: one update on the wire, one undo step. Nested calls join it. */
	transact<T>(fn: (board: this) => T, origin?: unknown): T {
		let result: T | undefined;
		this.doc.transact(() => {
			result = fn(this);
		}, this.#originOr(origin));
		return result as T;
	}

	// -- writing ------------------------------------------------------------------------------------------------------

	addVariable(input: VariableInput, origin?: unknown): string {
		return this.#add('variable', variableInputSchema, input, origin);
	}

	/** Refuses ends that are not variables; a self-link (from === to) is a loop of one and allowed. */
	addLink(input: LinkInput, origin?: unknown): string {
		return this.#add('link', linkInputSchema, input, origin);
	}

	addNote(input: NoteInput, origin?: unknown): string {
		return this.#add('note', noteInputSchema, input, origin);
	}

	addText(input: TextInput, origin?: unknown): string {
		return this.#add('text', textInputSchema, input, origin);
	}

	addInk(input: InkInput, origin?: unknown): string {
		return this.#add('ink', inkInputSchema, input, origin);
	}

	addFrame(input: FrameInput, origin?: unknown): string {
		return this.#add('frame', frameInputSchema, input, origin);
	}

	/**
	 * Applies a patch of the element's own kind's fields, validated against the whole patched element; writes only the
	 * keys whose values change (none: no transaction, false).
	 */
	update(id: string, patch: ElementPatch, origin?: unknown): boolean {
		this.#assertWritable();
		const map = this.#elements.get(id);
		if (!(map instanceof Y.Map)) throw new BoardDocError(BoardDocErrorCode.NotFound, `No element ${JSON.stringify(id)}.`);
		const kind = map.get('kind');
		if (!isKind(kind)) throw new BoardDocError(BoardDocErrorCode.Invalid, `Element ${JSON.stringify(id)} has no known kind.`);
		const parsedPatch = PATCH_SCHEMAS[kind].safeParse(patch);
		if (!parsedPatch.success) throw invalid(`${kind} patch`, parsedPatch.error);
		const patchData = parsedPatch.data as Fields;
		// The strict schema has refused unknown keys, so these are all fields of this kind; undefined means "clear".
		const keys = Object.keys(patch);
		const next: Fields = { ...(map.toJSON() as Fields), id };
		for (const key of keys) {
			if (patchData[key] === undefined) delete next[key];
			else next[key] = patchData[key];
		}
		const whole = ELEMENT_SCHEMAS[kind].safeParse(next);
		if (!whole.success) throw invalid(kind, whole.error);
		const element = whole.data as BoardElement;
		if (element.kind === 'link' && (keys.includes('from') || keys.includes('to'))) this.#assertEnds(element.from, element.to);
		const writes = keys.filter((key) => !sameValue(map.get(key), (element as Fields)[key]));
		if (writes.length === 0) return false;
		this.doc.transact(() => {
			for (const key of writes) {
				const value = (element as Fields)[key];
				if (value === undefined) map.delete(key);
				else map.set(key, Array.isArray(value) ? value.slice() : value);
			}
		}, this.#originOr(origin));
		return true;
	}

	/** Removes an element, and a variable's links with it, in one transaction. False when there was nothing to remove. */
	remove(id: string, origin?: unknown): boolean {
		this.#assertWritable();
		const map = this.#elements.get(id);
		if (map === undefined) return false;
		// Raw, not validated: a malformed link to the variable goes too, rather than dangling.
		const links: string[] = [];
		if (map instanceof Y.Map && map.get('kind') === 'variable') {
			this.#elements.forEach((other, otherId) => {
				if (other instanceof Y.Map && other.get('kind') === 'link' && (other.get('from') === id || other.get('to') === id))
					links.push(otherId);
			});
		}
		this.doc.transact(() => {
			for (const linkId of links) this.#elements.delete(linkId);
			this.#elements.delete(id);
		}, this.#originOr(origin));
		return true;
	}

	/** Deletes links stranded by a concurrent removal of one of their variables; returns how many. */
	pruneDanglingLinks(origin?: unknown): number {
		this.#assertWritable();
		const variables = new Set(this.variables().map((v) => v.id));
		const dangling = this.ofKind('link')
			.filter((link) => !variables.has(link.from) || !variables.has(link.to))
			.map((link) => link.id);
		if (dangling.length > 0) this.doc.transact(() => dangling.forEach((id) => this.#elements.delete(id)), this.#originOr(origin));
		return dangling.length;
	}

	bringToFront(id: string, origin?: unknown): boolean {
		const top = this.#extremeZ(Math.max, id);
		return top === undefined ? false : this.update(id, { z: top + 1 }, origin);
	}

	sendToBack(id: string, origin?: unknown): boolean {
		const bottom = this.#extremeZ(Math.min, id);
		return bottom === undefined ? false : this.update(id, { z: bottom - 1 }, origin);
	}

	/**
	 * Creates a template's elements in one transaction (one undo step), above everything on the board, moved by `offset`.
	 * Everything is validated first: a bad template writes nothing. Returns template key -> new element id.
	 */
	applyTemplate(template: BoardTemplate, origin?: unknown, offset: TemplateOffset = { x: 0, y: 0 }): Map<string, string> {
		this.#assertWritable();
		const parsed = boardTemplateSchema.safeParse(template);
		if (!parsed.success) throw invalid('template', parsed.error);
		if (!Number.isFinite(offset.x) || !Number.isFinite(offset.y))
			throw new BoardDocError(BoardDocErrorCode.Invalid, 'Invalid template offset.');
		const t = parsed.data;
		const ids = new Map<string, string>();
		const records: [string, Fields][] = [];
		const taken = new Set<string>();
		let z = this.#nextZ();
		const place = (kind: ElementKind, key: string | undefined, fields: Fields) => {
			const id = this.#freshId(taken);
			taken.add(id);
			if (key !== undefined) ids.set(key, id);
			const record: Fields = { ...fields, kind, z: z++ };
			if ('x' in record && 'y' in record) {
				record.x = (record.x as number) + offset.x;
				record.y = (record.y as number) + offset.y;
			}
			records.push([id, record]);
		};
		// Frames first, so they sit under what they frame.
		for (const { key, ...frame } of t.frames) place('frame', key, frame);
		for (const { key, ...note } of t.notes) place('note', key, note);
		for (const { key, ...text } of t.texts) place('text', key, text);
		for (const { key, ...variable } of t.variables) place('variable', key, variable);
		for (const link of t.links) place('link', undefined, { ...link, from: ids.get(link.from), to: ids.get(link.to) });
		const stored = records.map(([id, record]) => {
			const kind = record.kind as ElementKind;
			const check = ELEMENT_SCHEMAS[kind].safeParse({ ...record, id });
			if (!check.success) throw invalid(`${kind} from the template (after the offset)`, check.error);
			return [id, withoutUndefined(record)] as const;
		});
		this.doc.transact(() => {
			for (const [id, record] of stored) this.#elements.set(id, new Y.Map<unknown>(Object.entries(record)));
		}, this.#originOr(origin));
		return ids;
	}

	// -- reading ------------------------------------------------------------------------------------------------------

	get(id: string): BoardElement | undefined {
		return readElement(id, this.#elements.get(id));
	}

	/** Every valid element, in drawing order (z, then id); invalid ones are skipped. */
	elements(): BoardElement[] {
		const out: BoardElement[] = [];
		this.#elements.forEach((value, id) => {
			const element = readElement(id, value);
			if (element) out.push(element);
		});
		return out.sort(byZThenId);
	}

	ofKind<K extends ElementKind>(kind: K): ElementOf<K>[] {
		return this.elements().filter((e): e is ElementOf<K> => e.kind === kind);
	}

	variables(): Variable[] {
		return this.ofKind('variable');
	}

	/** Links whose both ends are variables on the board: the ones that can be drawn and can close a loop. */
	links(): Link[] {
		return connected(this.elements()).links;
	}

	/**
	 * The map as loops.ts reads it, from one read of the document. Sorted by id rather than z: a loop's key does not
	 * depend on order, but the order of parallel loops does, and bringing an element to the front should not reorder them.
	 */
	toGraph(): CldGraph {
		const { variables, links } = connected(this.elements());
		return {
			nodes: variables.sort(byId).map((v) => ({ id: v.id, label: v.label })),
			edges: links.sort(byId).map((l) => ({ id: l.id, from: l.from, to: l.to, polarity: l.polarity, delay: l.delay }))
		};
	}

	/** Calls back once per transaction that changed any element (local or remote). Returns the unsubscribe function. */
	observe(callback: (change: BoardChange) => void): () => void {
		const handler = (events: Y.YEvent<Y.AbstractType<unknown>>[], transaction: Y.Transaction) => {
			const change: BoardChange = {
				added: new Set(),
				updated: new Map(),
				removed: new Set(),
				origin: transaction.origin,
				local: transaction.local
			};
			for (const event of events) {
				if (event.target === this.#elements) {
					event.changes.keys.forEach(({ action }, id) => {
						if (action === 'delete') change.removed.add(id);
						else change.added.add(id);
					});
					continue;
				}
				const id = event.path[0];
				if (typeof id !== 'string' || event.path.length !== 1) continue;
				let keys = change.updated.get(id);
				if (!keys) change.updated.set(id, (keys = new Set()));
				for (const key of event.keys.keys()) keys.add(key);
			}
			for (const id of change.added) change.updated.delete(id);
			callback(change);
		};
		this.#elements.observeDeep(handler);
		return () => this.#elements.unobserveDeep(handler);
	}

	/**
	 * An UndoManager over the elements (never `meta`: a migration is not undone) that tracks only `origin`, so each user
	 * undoes their own edits and nobody else's. Remote updates carry the provider's origin and are never tracked.
	 */
	createUndoManager(origin: unknown, options: { captureTimeout?: number } = {}): Y.UndoManager {
		return new Y.UndoManager(this.#elements, { trackedOrigins: new Set([origin]), captureTimeout: options.captureTimeout ?? 500 });
	}

	// -- internals ----------------------------------------------------------------------------------------------------

	#originOr(origin: unknown): unknown {
		return origin === undefined ? this.#origin : origin;
	}

	#assertWritable(): void {
		const version = this.schemaVersion;
		if (version === BOARD_SCHEMA_VERSION) return;
		if (version === null || version > BOARD_SCHEMA_VERSION) {
			throw new BoardDocError(
				BoardDocErrorCode.ReadOnly,
				`This board was written by a newer Hearth (schema ${String(version)}); it is read-only here.`
			);
		}
		throw new BoardDocError(BoardDocErrorCode.NeedsMigration, `This board is at schema ${version}; migrate it before writing.`);
	}

	#assertEnds(from: string, to: string): void {
		for (const end of [from, to]) {
			if (this.get(end)?.kind !== 'variable') {
				throw new BoardDocError(BoardDocErrorCode.MissingEndpoint, `A link must join variables; ${JSON.stringify(end)} is not one.`);
			}
		}
	}

	#freshId(pending: ReadonlySet<string> = new Set()): string {
		const id = this.#newId();
		if (!elementIdSchema.safeParse(id).success) throw new BoardDocError(BoardDocErrorCode.Invalid, 'The id generator made an invalid id.');
		if (this.#elements.has(id) || pending.has(id))
			throw new BoardDocError(BoardDocErrorCode.DuplicateId, `Id ${JSON.stringify(id)} is taken.`);
		return id;
	}

	/** Highest z + 1, read raw so that an invalid element's z still counts; 0 on an empty board. */
	#nextZ(): number {
		return (this.#extremeZ(Math.max) ?? -1) + 1;
	}

	/** The max or min z over elements other than `except`; undefined when `except` is missing or alone. */
	#extremeZ(pick: (a: number, b: number) => number, except?: string): number | undefined {
		if (except !== undefined && !(this.#elements.get(except) instanceof Y.Map)) return undefined;
		let result: number | undefined;
		this.#elements.forEach((value, id) => {
			if (id === except || !(value instanceof Y.Map)) return;
			const z = value.get('z');
			if (typeof z === 'number' && Number.isFinite(z)) result = result === undefined ? z : pick(result, z);
		});
		return result;
	}

	#add<K extends ElementKind>(kind: K, schema: z.ZodType<Fields>, input: unknown, origin: unknown): string {
		this.#assertWritable();
		const parsed = schema.safeParse(input);
		if (!parsed.success) throw invalid(kind, parsed.error);
		const fields = parsed.data;
		if (kind === 'link') this.#assertEnds(fields.from as string, fields.to as string);
		const id = this.#freshId();
		const record: Fields = withoutUndefined({ ...fields, kind, z: fields.z ?? this.#nextZ() });
		if (Array.isArray(record.points)) record.points = record.points.slice();
		this.doc.transact(() => this.#elements.set(id, new Y.Map<unknown>(Object.entries(record))), this.#originOr(origin));
		return id;
	}
}

function isKind(value: unknown): value is ElementKind {
	return typeof value === 'string' && (ELEMENT_KINDS as readonly string[]).includes(value);
}

// Yjs cannot store undefined; an absent optional field is an absent key.
function withoutUndefined(fields: Fields): Fields {
	return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** applyTemplate for callers holding a Y.Doc rather than a BoardDoc. */
export function applyTemplate(
	target: Y.Doc | BoardDoc,
	template: BoardTemplate,
	origin?: unknown,
	offset?: TemplateOffset,
	options?: BoardDocOptions
): Map<string, string> {
	const board = target instanceof BoardDoc ? target : new BoardDoc(target, options);
	return board.applyTemplate(template, origin, offset);
}

/** Absolute pointer samples [x, y, p, ...] as an ink input: the first point becomes the stroke's x/y, the rest offsets. */
export function inkFromAbsolute(points: readonly number[]): { x: number; y: number; points: number[] } {
	const x = points[0] ?? 0;
	const y = points[1] ?? 0;
	return { x, y, points: points.map((v, i) => (i % 3 === 0 ? v - x : i % 3 === 1 ? v - y : v)) };
}
