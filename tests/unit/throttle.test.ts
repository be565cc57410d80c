import { describe, it, expect, beforeEach } from 'vitest';
import { ManualClock } from '../../server/clock.ts';
import { Throttle } from '../../server/auth/throttle.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const WINDOW = 15 * MINUTE;

describe('Throttle', () => {
	let clock: ManualClock;
	let throttle: Throttle;

	beforeEach(() => {
		clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
		throttle = new Throttle(clock, 3, WINDOW);
	});

	it('allows attempts while fewer failures than the limit are counted', () => {
		expect(throttle.retryAfter('ada')).toBe(0);
		throttle.fail('ada');
		clock.advance(SECOND);
		throttle.fail('ada');
		expect(throttle.retryAfter('ada')).toBe(0);
	});

	it('refuses once the limit is reached, until the oldest counted failure leaves the window', () => {
		throttle.fail('ada'); // t = 0
		clock.advance(MINUTE);
		throttle.fail('ada'); // t = 1 min
		clock.advance(MINUTE);
		throttle.fail('ada'); // t = 2 min
		clock.advance(30 * SECOND); // now = 2.5 min

		// The first failure (t = 0) leaves the window at t = 15 min: 12.5 min from now.
		expect(throttle.retryAfter('ada')).toBe(WINDOW - 2 * MINUTE - 30 * SECOND);

		clock.advance(WINDOW - 2 * MINUTE - 30 * SECOND - 1);
		expect(throttle.retryAfter('ada')).toBe(1);
		clock.advance(1);
		expect(throttle.retryAfter('ada')).toBe(0);
	});

	it('counts failures made past the limit: the wait is until enough of them leave to drop below it', () => {
		throttle.fail('ada'); // t = 0
		clock.advance(MINUTE);
		throttle.fail('ada'); // t = 1 min
		clock.advance(MINUTE);
		throttle.fail('ada'); // t = 2 min
		clock.advance(MINUTE);
		throttle.fail('ada'); // t = 3 min, a 4th failure while refused

		// Below the limit again only once both t = 0 and t = 1 min have left: at t = 16 min.
		expect(throttle.retryAfter('ada')).toBe(WINDOW + MINUTE - 3 * MINUTE);
		clock.advance(WINDOW - 3 * MINUTE); // t = 15 min: t = 0 has left, three remain
		expect(throttle.retryAfter('ada')).toBe(MINUTE);
		clock.advance(MINUTE);
		expect(throttle.retryAfter('ada')).toBe(0);
	});

	it('reset forgets every failure of a key', () => {
		for (let i = 0; i < 3; i++) throttle.fail('ada');
		expect(throttle.retryAfter('ada')).toBe(WINDOW);
		throttle.reset('ada');
		expect(throttle.retryAfter('ada')).toBe(0);
		// Counting starts again from zero.
		throttle.fail('ada');
		throttle.fail('ada');
		expect(throttle.retryAfter('ada')).toBe(0);
		throttle.fail('ada');
		expect(throttle.retryAfter('ada')).toBe(WINDOW);
	});

	it('keeps keys independent', () => {
		for (let i = 0; i < 3; i++) throttle.fail('ada');
		throttle.fail('bob');
		expect(throttle.retryAfter('ada')).toBe(WINDOW);
		expect(throttle.retryAfter('bob')).toBe(0);
		expect(throttle.retryAfter('carol')).toBe(0);
		throttle.reset('bob');
		expect(throttle.retryAfter('ada')).toBe(WINDOW);
	});

	it('slides: failures spread wider than the window never reach the limit', () => {
		for (let i = 0; i < 10; i++) {
			throttle.fail('ada');
			expect(throttle.retryAfter('ada')).toBe(0);
			// Every 7.5 min: at most two failures are ever inside a 15 min window.
			clock.advance(WINDOW / 2);
		}
	});

	it('slides: only failures inside the last window count toward the limit', () => {
		throttle.fail('ada'); // t = 0
		clock.advance(10 * MINUTE);
		throttle.fail('ada'); // t = 10 min
		clock.advance(5 * MINUTE); // t = 15 min: t = 0 has just left the window
		throttle.fail('ada'); // t = 15 min
		expect(throttle.retryAfter('ada')).toBe(0);
		clock.advance(MINUTE);
		throttle.fail('ada'); // t = 16 min: 10, 15, 16 are counted
		expect(throttle.retryAfter('ada')).toBe(10 * MINUTE + WINDOW - 16 * MINUTE);
	});

	it('treats a failure exactly one window old as outside it', () => {
		throttle.fail('ada');
		throttle.fail('ada');
		clock.advance(WINDOW);
		throttle.fail('ada');
		expect(throttle.retryAfter('ada')).toBe(0);
	});
});
