/** Time is injected everywhere so tests move it instead of sleeping. */
export interface Clock {
	now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function iso(ms: number): string {
	return new Date(ms).toISOString();
}

/** A clock tests set and advance by hand. */
export class ManualClock implements Clock {
	constructor(private ms: number = Date.parse('2026-06-01T12:00:00Z')) {}
	now(): number {
		return this.ms;
	}
	set(ms: number): void {
		this.ms = ms;
	}
	advance(ms: number): void {
		this.ms += ms;
	}
}
