import type { Clock } from '../clock.ts';

/**
 * Counts failures per key in a sliding window. Kept in memory: one instance's view.
 * (With several instances each counts its own: see docs/OPERATIONS.md, "Known limits".)
 */
export class Throttle {
	readonly #hits = new Map<string, number[]>();
	constructor(
		private readonly clock: Clock,
		readonly limit: number,
		readonly windowMs: number
	) {}

	#recent(key: string): number[] {
		const since = this.clock.now() - this.windowMs;
		const hits = (this.#hits.get(key) ?? []).filter((t) => t > since);
		if (hits.length) this.#hits.set(key, hits);
		else this.#hits.delete(key);
		return hits;
	}

	/** Milliseconds until another attempt is allowed; 0 when allowed now. */
	retryAfter(key: string): number {
		const hits = this.#recent(key);
		if (hits.length < this.limit) return 0;
		return hits[hits.length - this.limit]! + this.windowMs - this.clock.now();
	}

	fail(key: string): void {
		const hits = this.#recent(key);
		hits.push(this.clock.now());
		this.#hits.set(key, hits);
	}

	reset(key: string): void {
		this.#hits.delete(key);
	}
}
