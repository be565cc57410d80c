/** Time is injected everywhere so tests move it instead of sleeping. */
export interface Clock {
	now(): number;
}

/** Runs work at a time on a clock; timers of live convenings go through it. */
export interface Scheduler {
	/** Calls `fn` at clock time `at` (at once if it has passed); returns a cancel function. */
	at(at: number, fn: () => void): () => void;
}

export const systemClock: Clock = { now: () => Date.now() };

export function iso(ms: number): string {
	return new Date(ms).toISOString();
}

/** Timers on the real clock. Long waits are chained, since setTimeout caps at about 24.8 days. */
export const systemScheduler: Scheduler = {
	at(at, fn) {
		let timer: NodeJS.Timeout;
		const arm = () => {
			const wait = at - Date.now();
			timer = setTimeout(wait > 2 ** 31 - 1 ? arm : fn, Math.min(Math.max(wait, 0), 2 ** 31 - 1));
			timer.unref?.();
		};
		arm();
		return () => clearTimeout(timer);
	}
};

/** A clock tests set and advance by hand; its timers fire, in time order, as it advances. */
export class ManualClock implements Clock, Scheduler {
	#timers: { at: number; fn: () => void; seq: number }[] = [];
	#seq = 0;
	constructor(private ms: number = Date.parse('2026-06-01T12:00:00Z')) {}
	now(): number {
		return this.ms;
	}
	set(ms: number): void {
		this.advance(ms - this.ms);
	}
	advance(ms: number): void {
		const target = this.ms + Math.max(0, ms);
		for (;;) {
			const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
			if (!due) break;
			this.#timers = this.#timers.filter((t) => t !== due);
			this.ms = Math.max(this.ms, due.at);
			due.fn();
		}
		this.ms = target;
	}
	at(at: number, fn: () => void): () => void {
		const timer = { at, fn, seq: this.#seq++ };
		if (at <= this.ms) {
			queueMicrotask(fn);
			return () => {};
		}
		this.#timers.push(timer);
		return () => {
			this.#timers = this.#timers.filter((t) => t !== timer);
		};
	}
	/** Timers waiting to fire (tests check that closing a round cancels its timers). */
	get pending(): number {
		return this.#timers.length;
	}
}
