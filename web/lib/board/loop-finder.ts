/**
 * Finds a board's loops without freezing the page: requests are coalesced (at most one per `delayMs` while the map
 * keeps changing), sent to a Web Worker, and answered with a generation number so an answer to a request that a newer
 * one has replaced is dropped — the loops shown are always those of a map the user has seen, in order, which keeps
 * numbering stable. Where there is no Worker (server rendering, or a worker that failed to load) the same work runs on
 * the main thread, still coalesced.
 *
 * The graph sent carries no labels: renaming a variable does not change the loops, so it costs no search, and readings
 * are made from the labels current when the answer arrives.
 */
import { findLoopsLimited, type CldGraph, type LimitedLoops } from '$shared/loops.ts';

export interface LoopRequest {
	generation: number;
	graph: CldGraph;
	limit: number;
	countUpTo: number;
}

export interface LoopResponse extends LimitedLoops {
	generation: number;
	/** How long the search took where it ran. */
	ms: number;
}

export interface LoopFinderOptions {
	limit: number;
	countUpTo: number;
	/** Coalescing window: a burst of edits (a drag) costs one search per window. */
	delayMs: number;
	/** Only for tests and the benchmark: never start a worker. */
	mainThread?: boolean;
}

export class LoopFinder {
	#worker: Worker | null = null;
	#workerFailed = false;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#generation = 0;
	#lastShape = '';
	#destroyed = false;

	constructor(
		private readonly graph: () => CldGraph,
		private readonly onResult: (result: LoopResponse) => void,
		private readonly options: LoopFinderOptions
	) {}

	/** True when searches run in a worker (false before the first search, and where there is none). */
	get inWorker(): boolean {
		return this.#worker !== null;
	}

	/** The map changed: search again soon (once per window, with the map as it is then). */
	changed(): void {
		if (this.#timer !== null || this.#destroyed) return;
		this.#timer = setTimeout(() => {
			this.#timer = null;
			this.#search();
		}, this.options.delayMs);
	}

	#search(): void {
		const full = this.graph();
		const graph: CldGraph = { nodes: full.nodes.map((n) => ({ id: n.id })), edges: full.edges };
		const shape = JSON.stringify(graph);
		if (shape === this.#lastShape) return;
		this.#lastShape = shape;
		const request: LoopRequest = { generation: ++this.#generation, graph, limit: this.options.limit, countUpTo: this.options.countUpTo };
		const worker = this.#ensureWorker();
		if (worker) {
			worker.postMessage(request);
			return;
		}
		const started = performance.now();
		const found = findLoopsLimited(graph, { limit: request.limit, countUpTo: request.countUpTo });
		this.onResult({ generation: request.generation, ...found, ms: performance.now() - started });
	}

	#ensureWorker(): Worker | null {
		if (this.#worker || this.#workerFailed || this.options.mainThread || typeof Worker === 'undefined') return this.#worker;
		try {
			const worker = new Worker(new URL('./loops.worker.ts', import.meta.url), { type: 'module', name: 'hearth-loops' });
			worker.onmessage = (event: MessageEvent<LoopResponse>) => {
				// Answers come in request order; any but the newest describe a map that has already changed again.
				if (event.data.generation === this.#generation) this.onResult(event.data);
			};
			worker.onerror = () => {
				// The worker could not load (an old browser, a blocked script): search here instead, from scratch.
				worker.terminate();
				this.#worker = null;
				this.#workerFailed = true;
				this.#lastShape = '';
				this.changed();
			};
			this.#worker = worker;
		} catch {
			this.#workerFailed = true;
		}
		return this.#worker;
	}

	destroy(): void {
		this.#destroyed = true;
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#worker?.terminate();
		this.#worker = null;
	}
}
