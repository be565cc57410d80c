/**
 * Map editor: a board of 2,000 elements (variables, links, sticky notes, ink) in headless Chromium, and loop finding.
 *
 * - First render: a fresh navigation to the map page → every element of the board drawn (counted in the DOM from a
 *   requestAnimationFrame poll, so the time is that of the first frame that holds them all). The first run has a cold
 *   HTTP cache, the others a warm one.
 * - Panning: a requestAnimationFrame loop in the page records every frame while the driver drags the background by real
 *   mouse input (CDP), one move every 16 ms for --pan-ms; frame deltas give p50/p95/max and dropped frames (a delta of
 *   more than 1.5 frames counts as round(delta / 16.7) - 1 dropped). The same loop with no input gives the baseline.
 * - Loops: findLoops on every fixture in ../shared/fixtures/cld and on a dense graph (--dense variables, each linked
 *   to --dense-degree others), in Node and in the browser's loop worker (the built app's own worker file), median of
 *   --loop-runs; the dense graph the way the editor searches it (60 loops, counted up to 10,000) and counted up to
 *   1,000,000.
 *
 * The server is a real Hearth server (the built app) in this process, with the board written to its store before any
 * client opens it; the browser is its own process. `npm run build` first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import type { Browser, Page } from 'playwright-core';
import { systemClock } from '../server/clock.ts';
import { BoardDoc, inkFromAbsolute } from '../shared/board-doc.ts';
import { findLoops, findLoopsLimited, type CldGraph } from '../shared/loops.ts';
import { LOOP_COUNT_CAP, LOOP_LIMIT } from '../web/lib/board/loop-limits.ts';
import { launchBrowser, signInThroughForm, CHROMIUM } from '../tests/helpers/browser.ts';
import { startTestServer, type TestServer } from '../tests/helpers/server.ts';
import { makeWorld, PASSWORD } from '../tests/helpers/world.ts';
import type { Benchmark } from './lib/bench.ts';
import { ROOT } from './lib/cleanup.ts';
import { fmt, median, percentiles, table } from './lib/report.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/fixtures/cld');
const FRAME_MS = 1000 / 60;

/** A small deterministic generator, so every run draws the same board. */
function prng(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s + 0x6d2b79f5) >>> 0;
		let t = s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

interface Mix {
	variables: number;
	links: number;
	notes: number;
	ink: number;
}

/** 40 % variables on a grid, 35 % links between neighbours (short loops appear), 15 % notes and 10 % ink beside them. */
function mixFor(total: number): Mix {
	const variables = Math.round(total * 0.4);
	const links = Math.round(total * 0.35);
	const notes = Math.round(total * 0.15);
	return { variables, links, notes, ink: total - variables - links - notes };
}

function seedBoard(board: BoardDoc, mix: Mix): void {
	const random = prng(42);
	const cols = Math.ceil(Math.sqrt(mix.variables));
	const ids: string[] = [];
	board.transact(() => {
		for (let i = 0; i < mix.variables; i++)
			ids.push(board.addVariable({ label: `Variable ${i + 1}`, x: (i % cols) * 220, y: Math.floor(i / cols) * 140 }));
		for (let i = 0; i < mix.links; i++) {
			const from = Math.floor(random() * ids.length);
			const step = [1, -1, cols, -cols][Math.floor(random() * 4)]!;
			const to = Math.min(ids.length - 1, Math.max(0, from + step === from ? from + 1 : from + step));
			board.addLink({ from: ids[from]!, to: ids[to === from ? (from + 1) % ids.length : to]!, polarity: random() < 0.7 ? '+' : '-' });
		}
		const right = cols * 220 + 100;
		for (let i = 0; i < mix.notes; i++)
			board.addNote({ text: `Note ${i + 1}: what we noticed`, x: right + (i % 10) * 230, y: Math.floor(i / 10) * 190, color: 'yellow' });
		for (let i = 0; i < mix.ink; i++) {
			const x0 = (i % 20) * 110;
			const y0 = -300 - Math.floor(i / 20) * 90;
			const samples: number[] = [];
			for (let k = 0; k < 16; k++) samples.push(x0 + k * 5, y0 + Math.sin(k / 2) * 20, 0.5);
			board.addInk({ ...inkFromAbsolute(samples), width: 2.5 });
		}
	});
}

/** A dense map: every variable linked to `degree` others (a ring plus random chords), signs mixed. */
function denseGraph(n: number, degree: number): CldGraph {
	const random = prng(7);
	const nodes = Array.from({ length: n }, (_, i) => ({ id: `v${String(i).padStart(2, '0')}` }));
	const edges: CldGraph['edges'][number][] = [];
	for (let i = 0; i < n; i++) {
		const targets = new Set<number>([(i + 1) % n]);
		while (targets.size < Math.min(degree, n - 1)) {
			const t = Math.floor(random() * n);
			if (t !== i) targets.add(t);
		}
		for (const t of targets) edges.push({ id: `e${i}-${t}`, from: nodes[i]!.id, to: nodes[t]!.id, polarity: random() < 0.6 ? '+' : '-' });
	}
	return { nodes, edges };
}

function timeIt(runs: number, fn: () => void): number {
	fn(); // warm the JIT
	const times: number[] = [];
	for (let i = 0; i < runs; i++) {
		const started = performance.now();
		fn();
		times.push(performance.now() - started);
	}
	return median(times);
}

interface FrameStats {
	frames: number;
	p50: number;
	p95: number;
	max: number;
	dropped: number;
}

function frameStats(deltas: number[]): FrameStats {
	const [p50, p95, max] = percentiles([...deltas], [50, 95, 100]);
	const dropped = deltas.reduce((sum, d) => sum + (d > FRAME_MS * 1.5 ? Math.round(d / FRAME_MS) - 1 : 0), 0);
	return { frames: deltas.length, p50: p50!, p95: p95!, max: max!, dropped };
}

// Code run in the page is passed as text: tsx compiles this file with esbuild's keepNames, whose `__name` helper
// would be missing in the page.

/** Starts recording frame times in the page; the returned function stops and hands back the deltas. */
async function recordFrames(page: Page): Promise<() => Promise<number[]>> {
	// Each recording has its own loop: a loop from an earlier recording stops at its next frame.
	await page.evaluate(`(() => {
		const run = (globalThis.benchRun ?? 0) + 1;
		globalThis.benchRun = run;
		globalThis.benchFrames = [];
		function tick(t) {
			if (globalThis.benchRun !== run) return;
			globalThis.benchFrames.push(t);
			requestAnimationFrame(tick);
		}
		requestAnimationFrame(tick);
	})()`);
	return async () => {
		const times = (await page.evaluate('(globalThis.benchRun++, globalThis.benchFrames)')) as number[];
		return times.slice(1).map((t, i) => t - times[i]!);
	};
}

/** A spot on the empty background of the canvas (a press there pans), from the bottom left up. */
const EMPTY_SPOT = `(c) => {
	for (let y = c.y + c.height - 30; y > c.y + 60; y -= 17)
		for (let x = c.x + 30; x < c.x + c.width - 30; x += 23) {
			const el = document.elementFromPoint(x, y);
			if (el && el.classList.contains('bg')) return { x, y };
		}
	return null;
}`;

/** Each search in the loop worker: a warm-up, then the median of its runs, in the worker and round trip. */
const IN_WORKER = `async ({ url, searches }) => {
	const worker = new Worker(url, { type: 'module' });
	let generation = 0;
	function ask(s) {
		return new Promise((resolve) => {
			const started = performance.now();
			worker.onmessage = (e) => resolve({ ms: e.data.ms, roundTrip: performance.now() - started });
			worker.postMessage({ generation: ++generation, graph: s.graph, limit: s.limit, countUpTo: s.countUpTo });
		});
	}
	function mid(xs) { return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]; }
	const out = [];
	for (const s of searches) {
		await ask(s);
		const ms = [];
		const trips = [];
		for (let i = 0; i < s.runs; i++) {
			const r = await ask(s);
			ms.push(r.ms);
			trips.push(r.roundTrip);
		}
		out.push({ ms: mid(ms), roundTrip: mid(trips) });
	}
	worker.terminate();
	return out;
}`;

export const editor: Benchmark = {
	name: 'editor',
	summary: 'the map editor in headless Chromium: first render and panning of a 2,000-element board; loop finding in Node and the worker',
	flags: {
		elements: { help: 'elements on the board (40 % variables, 35 % links, 15 % notes, 10 % ink)', default: 2000 },
		'render-runs': { help: 'navigations to the map (the first with a cold cache); the table shows each', default: 3 },
		'pan-ms': { help: 'how long each scripted pan drags the background', default: 2000 },
		dense: { help: 'variables in the dense loop-finding graph', default: 30 },
		'dense-degree': { help: 'links out of each variable of the dense graph', default: 3 },
		'loop-runs': { help: 'repetitions of each loop search (the table shows the median)', default: 20 }
	},

	async run(flags) {
		const total = flags.int('elements', 10, 20_000);
		const renderRuns = flags.int('render-runs', 1, 10);
		const panMs = flags.int('pan-ms', 200, 20_000);
		const denseN = flags.int('dense', 3, 200);
		const denseDegree = flags.int('dense-degree', 1, 20);
		const loopRuns = flags.int('loop-runs', 1, 1000);
		const workerDir = path.join(ROOT, 'build/client/_app/immutable/workers');
		const workerFile = fs.existsSync(workerDir) ? fs.readdirSync(workerDir).find((f) => /^loops\.worker-.*\.js$/.test(f)) : undefined;
		if (!workerFile) throw new Error('No built loop worker: run `npm run build` first.');

		let server: TestServer | undefined;
		let browser: Browser | undefined;
		try {
			// The board, written to the store before anyone opens it.
			server = await startTestServer({ clock: systemClock });
			const world = await makeWorld(server.hearth);
			const created = await server.hearth.boards.create(world.users.facilitator, world.cohortA, { title: 'Editor benchmark' });
			const mix = mixFor(total);
			const doc = new Y.Doc();
			const board = new BoardDoc(doc);
			board.init();
			const seedStarted = performance.now();
			seedBoard(board, mix);
			const update = Y.encodeStateAsUpdate(doc);
			await server.hearth.boards.store.append(created.id, [
				{ data: update, userId: world.users.facilitator.id, createdAt: new Date().toISOString() }
			]);
			const seedMs = performance.now() - seedStarted;
			const drawnLinks = board.links().length;
			const mapPath = `/cohorts/${world.cohortA}/boards/${created.id}/map`;

			browser = await launchBrowser();
			const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
			const page = await context.newPage();
			await signInThroughForm(page, server.url, world.users.facilitator.email, PASSWORD, '/');
			await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 60_000 });

			// First render, cold then warm.
			const expected = { variables: mix.variables, links: drawnLinks, notes: mix.notes, ink: mix.ink };
			const renders: number[] = [];
			for (let run = 0; run < renderRuns; run++) {
				await page.goto(`${server.url}${mapPath}`);
				// The first frame (its performance.now()) that shows every element. A function, not text: the page's CSP refuses
				// eval, which a text predicate needs; and no named helpers inside (see above).
				const handle = await page.waitForFunction(
					(want) =>
						document.querySelectorAll('[data-testid="variable"]').length === want.variables &&
						document.querySelectorAll('[data-testid="link"]').length === want.links &&
						document.querySelectorAll('[data-testid="note"]').length === want.notes &&
						document.querySelectorAll('[data-testid="ink"]').length === want.ink
							? performance.now()
							: false,
					expected,
					{ polling: 'raf', timeout: 120_000 }
				);
				renders.push((await handle.jsonValue()) as number);
			}

			// Panning: press on empty background (no element there) and drag, one move per frame.
			const canvas = (await page.getByTestId('map-canvas').boundingBox())!;
			const spot = (await page.evaluate(`(${EMPTY_SPOT})(${JSON.stringify(canvas)})`)) as { x: number; y: number } | null;
			if (!spot) throw new Error('no empty background to press on');
			const idle = await recordFrames(page);
			await new Promise((r) => setTimeout(r, Math.min(panMs, 1000)));
			const idleStats = frameStats(await idle());

			const stop = await recordFrames(page);
			await page.mouse.move(spot.x, spot.y);
			await page.mouse.down();
			const panStarted = performance.now();
			let moves = 0;
			while (performance.now() - panStarted < panMs) {
				const t = (performance.now() - panStarted) / panMs;
				// Out and back along a loop, so the map moves in every direction.
				await page.mouse.move(spot.x - Math.sin(t * Math.PI * 2) * 300, spot.y - Math.sin(t * Math.PI) * 200);
				moves++;
				const next = panStarted + moves * FRAME_MS;
				const wait = next - performance.now();
				if (wait > 0) await new Promise((r) => setTimeout(r, wait));
			}
			await page.mouse.up();
			const pan = frameStats(await stop());
			const panned = await page.getByTestId('map-canvas').locator('svg > g').first().getAttribute('transform');

			// Loops: the fixtures and a dense graph, in Node and in the app's worker.
			const fixtures = fs
				.readdirSync(FIXTURES)
				.filter((f) => f.endsWith('.json'))
				.sort()
				.map((f) => ({ name: f.replace(/\.json$/, ''), graph: JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as CldGraph }));
			const dense = denseGraph(denseN, denseDegree);
			const searches = [
				...fixtures.map((f) => ({ name: f.name, graph: f.graph, limit: 1_000_000, countUpTo: 1_000_000, runs: loopRuns })),
				{
					name: `dense ${denseN} × ${denseDegree}: as the editor (${LOOP_LIMIT} loops, counted to ${fmt(LOOP_COUNT_CAP, 0)})`,
					graph: dense,
					limit: LOOP_LIMIT,
					countUpTo: LOOP_COUNT_CAP,
					runs: loopRuns
				},
				// Counting a million loops takes seconds: three runs are enough.
				{
					name: `dense ${denseN} × ${denseDegree}: counted to 1,000,000`,
					graph: dense,
					limit: 0,
					countUpTo: 1_000_000,
					runs: Math.min(3, loopRuns)
				}
			];
			const nodeRows = searches.map((s) => {
				const result = findLoopsLimited(s.graph, { limit: s.limit, countUpTo: s.countUpTo });
				const ms = timeIt(s.runs, () =>
					s.limit >= 1_000_000 ? findLoops(s.graph) : findLoopsLimited(s.graph, { limit: s.limit, countUpTo: s.countUpTo })
				);
				return { total: result.countCapped ? `≥ ${fmt(result.total, 0)}` : fmt(result.total, 0), ms };
			});
			const workerArgs = { url: `${server.url}/_app/immutable/workers/${workerFile}`, searches };
			const inWorker = (await page.evaluate(`(${IN_WORKER})(${JSON.stringify(workerArgs)})`)) as { ms: number; roundTrip: number }[];
			const chromiumVersion = browser.version();
			await context.close();

			const ms = (n: number) => `${fmt(n, 1)} ms`;
			const frames = (s: FrameStats) => [String(s.frames), ms(s.p50), ms(s.p95), ms(s.max), String(s.dropped)];
			return [
				'### editor',
				'',
				`${fmt(total, 0)} elements: ${fmt(mix.variables, 0)} variables, ${fmt(mix.links, 0)} links (${fmt(drawnLinks, 0)} drawn), ` +
					`${fmt(mix.notes, 0)} sticky notes, ${fmt(mix.ink, 0)} ink strokes; seeded in ${fmt(seedMs, 0)} ms ` +
					`(${fmt(update.byteLength / 1024, 0)} KB of update). Chromium ${chromiumVersion} (${CHROMIUM}), headless, no GPU, 1400 × 900.`,
				'',
				table(
					['first render (navigation → every element drawn)', 'time'],
					renders.map((r, i) => [i === 0 ? 'run 1 (cold cache)' : `run ${i + 1}`, ms(r)])
				),
				'',
				table(
					['frames (requestAnimationFrame deltas)', 'frames', 'p50', 'p95', 'max', 'dropped'],
					[
						[`idle, ${fmt(Math.min(panMs, 1000), 0)} ms`, ...frames(idleStats)],
						[`panning by mouse, ${fmt(panMs, 0)} ms, ${moves} moves`, ...frames(pan)]
					]
				),
				'',
				`The map's transform after the pan: \`${panned}\`.`,
				'',
				table(
					[
						`loop search (median of ${loopRuns}, the last of ${Math.min(3, loopRuns)})`,
						'loops',
						'Node',
						'worker (in worker)',
						'worker (round trip)'
					],
					searches.map((s, i) => [s.name, nodeRows[i]!.total, ms(nodeRows[i]!.ms), ms(inWorker[i]!.ms), ms(inWorker[i]!.roundTrip)])
				)
			].join('\n');
		} finally {
			await browser?.close();
			await server?.stop();
		}
	}
};
