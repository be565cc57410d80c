/**
 * Loop finding off the main thread: a dense map has hundreds of thousands of loops, and even counting them up to a cap
 * takes long enough to drop frames. One request at a time, answered in order; the page discards answers to requests it
 * has since replaced (see loop-finder.ts). A same-origin module worker, so the CSP's `worker-src 'self'` allows it.
 */
import { findLoopsLimited } from '$shared/loops.ts';
import type { LoopRequest, LoopResponse } from './loop-finder';

// The DOM's types are in scope (this file sits in the app); these two are all the worker uses of its own global.
const scope = self as unknown as {
	onmessage: ((event: MessageEvent<LoopRequest>) => void) | null;
	postMessage(message: LoopResponse): void;
};

scope.onmessage = (event) => {
	const { generation, graph, limit, countUpTo } = event.data;
	const started = performance.now();
	const found = findLoopsLimited(graph, { limit, countUpTo });
	scope.postMessage({ generation, ...found, ms: performance.now() - started });
};
