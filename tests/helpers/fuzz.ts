/**
 * Seeded generators for fuzz tests: a run prints its seed, and `FUZZ_SEED=<seed>` replays it.
 * Bad values are produced as JSON *text*, so a 10,000-deep object or a `__proto__` key reaches the
 * server exactly as written (no client-side serializer recursing or dropping keys).
 */

/** mulberry32: small, fast, good enough to pick cases reproducibly. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function fuzzSeed(): number {
	const fromEnv = Number(process.env.FUZZ_SEED);
	return Number.isFinite(fromEnv) && process.env.FUZZ_SEED ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

export const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

export function randomBytes(rng: () => number, length: number): Uint8Array {
	const out = new Uint8Array(length);
	for (let i = 0; i < length; i++) out[i] = Math.floor(rng() * 256);
	return out;
}

function randomText(rng: () => number, length: number): string {
	let s = '';
	for (let i = 0; i < length; i++) s += String.fromCodePoint(pick(rng, [0x20 + Math.floor(rng() * 95), Math.floor(rng() * 0xd7ff), 0]));
	return s;
}

/** JSON text that is already serialized; `toJson` writes it as is. */
export class RawJson {
	constructor(readonly text: string) {}
}

export interface BadValue {
	name: string;
	json: (rng: () => number) => string;
}

const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Values of every wrong shape, each small enough for one socket.io message (64 KiB). */
export const BAD_VALUES: BadValue[] = [
	{ name: 'null', json: () => 'null' },
	{ name: 'true', json: () => 'true' },
	{ name: 'zero', json: () => '0' },
	{ name: 'negative', json: () => '-1' },
	{ name: 'fraction', json: () => '1.5' },
	{ name: 'huge number', json: () => '1e308' },
	{ name: 'empty string', json: () => '""' },
	{ name: 'random text', json: (rng) => JSON.stringify(randomText(rng, 1 + Math.floor(rng() * 40))) },
	{ name: 'NUL string', json: () => JSON.stringify('\u0000') },
	// Bytes, not characters, count against the message limit: 'é' is two.
	{ name: 'long string (40,000 bytes)', json: (rng) => JSON.stringify(pick(rng, ['x', ' ']).repeat(40_000)) },
	{ name: 'long string (20,000 é)', json: () => JSON.stringify('é'.repeat(20_000)) },
	{ name: 'empty array', json: () => '[]' },
	{ name: 'mixed array', json: () => '[1,"a",null,{}]' },
	{ name: 'long array (5,000)', json: () => `[${new Array(5_000).fill('0').join(',')}]` },
	{ name: 'empty object', json: () => '{}' },
	{ name: 'deep object (10,000)', json: () => deepObject(10_000) },
	{ name: 'deep array (10,000)', json: () => deepArray(10_000) },
	{ name: '__proto__ key', json: () => '{"__proto__":{"polluted":true,"ok":true}}' },
	{ name: 'constructor key', json: () => '{"constructor":{"prototype":{"polluted":true}}}' },
	{ name: 'wide object (2,000 keys)', json: () => `{${Array.from({ length: 2_000 }, (_, i) => `"k${i}":${i}`).join(',')}}` },
	{ name: 'binary placeholder', json: () => '{"_placeholder":true,"num":0}' }
];

/** Serializes a value whose parts may be RawJson. */
export function toJson(value: unknown): string {
	if (value instanceof RawJson) return value.text;
	if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
	if (value && typeof value === 'object')
		return `{${Object.entries(value)
			.map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
			.join(',')}}`;
	return JSON.stringify(value);
}

/** Every path to a value inside a JSON-like object (objects only; arrays are leaves). */
export function paths(value: unknown, prefix: string[] = []): string[][] {
	if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
	return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

/** A copy of `value` with the thing at `path` replaced (or, with `undefined`, removed). */
export function withAt(value: unknown, path: string[], replacement: unknown): unknown {
	if (path.length === 0) return replacement;
	const copy = { ...(value as Record<string, unknown>) };
	const [head, ...rest] = path as [string, ...string[]];
	if (rest.length === 0 && replacement === undefined) delete copy[head];
	else copy[head] = withAt(copy[head], rest, replacement);
	return copy;
}

/** Prints a table of counts (vitest shows console output of the run). */
export function logTable(title: string, rows: Record<string, Record<string, number>>): void {
	const columns = [...new Set(Object.values(rows).flatMap((r) => Object.keys(r)))].sort();
	const width = Math.max(...Object.keys(rows).map((k) => k.length), 5);
	const line = (name: string, cells: string[]) =>
		`${name.padEnd(width)}  ${cells.map((c, i) => c.padStart(columns[i]!.length)).join('  ')}`;
	const out = [
		title,
		line('', columns),
		...Object.entries(rows).map(([name, r]) =>
			line(
				name,
				columns.map((c) => String(r[c] ?? 0))
			)
		)
	];
	const totals = columns.map((c) => String(Object.values(rows).reduce((n, r) => n + (r[c] ?? 0), 0)));
	out.push(line('total', totals));
	console.log(out.join('\n'));
}
