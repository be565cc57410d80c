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

/**
 * [SEC4] Invitation links tried per client address: unknown tokens count (a valid link, even an
 * expired or used one, is not a guess). Past the limit every invitation page and form answers 429,
 * like sign-in ([LOGIN_LIMITS](./auth.service.ts)). An invitation token has 256 bits, so this bounds
 * the noise and the load rather than the odds, which are nil either way.
 */
export const INVITE_LIMITS = { perAddress: 20, windowMs: 15 * 60_000 } as const;

const owned = new WeakMap<object, Map<string, Throttle>>();

/**
 * The throttle named `name` of `owner` (a server instance), made on first use. For callers that live
 * outside the services (SvelteKit routes), so that each server keeps its own count and tests on
 * several servers in one process do not share one.
 */
export function throttleOf(owner: object, name: string, make: () => Throttle): Throttle {
	let byName = owned.get(owner);
	if (!byName) owned.set(owner, (byName = new Map()));
	let t = byName.get(name);
	if (!t) byName.set(name, (t = make()));
	return t;
}
