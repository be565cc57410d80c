import { describe, expect, it } from 'vitest';
import { ManualClock, systemScheduler } from '../../server/clock.ts';

describe('ManualClock as a scheduler', () => {
	it('fires timers in time order as it advances, with the clock at each timer’s time', () => {
		const clock = new ManualClock(1000);
		const fired: [string, number][] = [];
		clock.at(3000, () => fired.push(['b', clock.now()]));
		clock.at(2000, () => fired.push(['a', clock.now()]));
		clock.at(2000, () => fired.push(['a2', clock.now()]));
		clock.advance(999);
		expect(fired).toEqual([]);
		clock.advance(2001);
		expect(fired).toEqual([
			['a', 2000],
			['a2', 2000],
			['b', 3000]
		]);
		expect(clock.now()).toBe(4000);
		expect(clock.pending).toBe(0);
	});

	it('cancels, and lets a firing timer schedule another within the same advance', () => {
		const clock = new ManualClock(0);
		const fired: number[] = [];
		const cancel = clock.at(10, () => fired.push(10));
		clock.at(20, () => {
			fired.push(20);
			clock.at(30, () => fired.push(30));
		});
		cancel();
		clock.advance(100);
		expect(fired).toEqual([20, 30]);
	});

	it('runs a timer already due on the next microtask', async () => {
		const clock = new ManualClock(500);
		let ran = false;
		clock.at(100, () => (ran = true));
		expect(ran).toBe(false);
		await Promise.resolve();
		expect(ran).toBe(true);
	});
});

describe('systemScheduler', () => {
	it('runs at the given time and can be cancelled', async () => {
		const start = Date.now();
		const at = await new Promise<number>((resolve) => systemScheduler.at(start + 30, () => resolve(Date.now())));
		expect(at).toBeGreaterThanOrEqual(start + 25);
		let ran = false;
		const cancel = systemScheduler.at(Date.now() + 20, () => (ran = true));
		cancel();
		await new Promise<void>((resolve) => systemScheduler.at(Date.now() + 60, resolve));
		expect(ran).toBe(false);
	});
});
