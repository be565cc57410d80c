import { describe, it, expect } from 'vitest';
import {
	createCircle,
	done,
	isOvertime,
	join,
	leave,
	nextSpeaker,
	pass,
	progress,
	rejoin,
	reorder,
	shuffleOrder,
	skip,
	start,
	startCheckout,
	type CircleResult,
	type CircleState
} from '../../shared/circle.ts';

/** mulberry32: a tiny seeded generator, so random orders are reproducible. */
function seeded(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function must(result: CircleResult): CircleState {
	if (!result.ok) throw new Error(`expected ok, got ${result.code}`);
	return result.state;
}

function code(result: CircleResult): string {
	if (result.ok) throw new Error('expected a refusal');
	return result.code;
}

/** Deep-freezes a state so any mutation by the machine throws in strict mode. */
function frozen(state: CircleState): CircleState {
	for (const value of Object.values(state)) if (Array.isArray(value)) Object.freeze(value);
	return Object.freeze(state);
}

const T0 = 1_000_000;

function started(ids: string[], turnLimitMs: number | null = null): CircleState {
	return frozen(must(start(createCircle(ids, { turnLimitMs }), T0)));
}

describe('order', () => {
	it('follows join order by default, counting a repeated id once', () => {
		expect(createCircle(['a', 'b', 'c', 'b']).order).toEqual(['a', 'b', 'c']);
	});

	it('is shuffled by the injected random, reproducibly', () => {
		const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
		const one = createCircle(ids, { order: 'random', random: seeded(7) }).order;
		const two = createCircle(ids, { order: 'random', random: seeded(7) }).order;
		expect(one).toEqual(two);
		expect([...one].sort()).toEqual(ids);
		expect(one).not.toEqual(ids);
		// Fisher–Yates with a source stuck at 0 gives one known permutation.
		expect(createCircle(['a', 'b', 'c', 'd'], { order: 'random', random: () => 0 }).order).toEqual(['b', 'c', 'd', 'a']);
	});

	it('can be reordered or reshuffled before the start', () => {
		const circle = frozen(createCircle(['a', 'b', 'c']));
		expect(must(reorder(circle, ['c', 'a', 'b'])).order).toEqual(['c', 'a', 'b']);
		expect(must(shuffleOrder(circle, () => 0)).order).toEqual(['b', 'c', 'a']);
		expect(circle.order).toEqual(['a', 'b', 'c']);
	});

	it('refuses a new order that is not exactly the members', () => {
		const circle = createCircle(['a', 'b', 'c']);
		expect(code(reorder(circle, ['a', 'b']))).toBe('invalid_order');
		expect(code(reorder(circle, ['a', 'b', 'b']))).toBe('invalid_order');
		expect(code(reorder(circle, ['a', 'b', 'z']))).toBe('invalid_order');
		expect(code(reorder(circle, ['a', 'b', 'c', 'd']))).toBe('invalid_order');
	});

	it('refuses to reorder once started', () => {
		const circle = started(['a', 'b', 'c']);
		expect(code(reorder(circle, ['c', 'b', 'a']))).toBe('already_started');
		expect(code(shuffleOrder(circle, seeded(1)))).toBe('already_started');
	});
});

describe('start', () => {
	it('gives the piece to the first in the order and queues the rest', () => {
		const circle = started(['a', 'b', 'c']);
		expect(circle.status).toBe('open');
		expect(circle.holder).toBe('a');
		expect(circle.queue).toEqual(['b', 'c']);
		expect(nextSpeaker(circle)).toBe('b');
		expect(circle.turnStartedAt).toBe(T0);
		expect(circle.turnEndsAt).toBeNull();
	});

	it('can happen only once', () => {
		expect(code(start(started(['a']), T0))).toBe('already_started');
	});

	it('passes over members who have left, and needs someone present', () => {
		const circle = must(leave(createCircle(['a', 'b', 'c']), 'a', T0));
		expect(nextSpeaker(circle)).toBe('b');
		const s = must(start(circle, T0));
		expect(s.holder).toBe('b');
		expect(s.queue).toEqual(['c']);
		expect(code(start(createCircle([]), T0))).toBe('nobody_present');
		expect(code(start(must(leave(createCircle(['a']), 'a', T0)), T0))).toBe('nobody_present');
	});
});

describe('done', () => {
	it('hands the piece to the next and records who has spoken, without touching the old state', () => {
		const circle = started(['a', 'b', 'c']);
		const next = must(done(circle, 'a', T0 + 5));
		expect(next.holder).toBe('b');
		expect(next.spoken).toEqual(['a']);
		expect(next.queue).toEqual(['c']);
		expect(next.turnStartedAt).toBe(T0 + 5);
		expect(circle.holder).toBe('a');
		expect(circle.spoken).toEqual([]);
	});

	it('is refused from anyone but the holder', () => {
		const circle = started(['a', 'b']);
		expect(code(done(circle, 'b', T0))).toBe('not_holder');
		expect(code(done(circle, 'stranger', T0))).toBe('unknown_participant');
		expect(code(done(createCircle(['a']), 'a', T0))).toBe('not_started');
	});

	it('completes the circle after the last speaker', () => {
		let s = started(['a', 'b']);
		s = must(done(s, 'a', T0 + 1));
		s = must(done(s, 'b', T0 + 2));
		expect(s.status).toBe('complete');
		expect(s.holder).toBeNull();
		expect(s.turnStartedAt).toBeNull();
		expect(nextSpeaker(s)).toBeNull();
		expect(progress(s, T0 + 3)).toEqual({
			spoken: ['a', 'b'],
			passed: [],
			skipped: [],
			speaking: null,
			remaining: [],
			away: [],
			timeLeftMs: null,
			complete: true
		});
	});
});

describe('pass', () => {
	it('offers the piece again at the end, after everyone else', () => {
		let s = started(['a', 'b', 'c']);
		s = must(pass(s, 'a', T0));
		expect(s.holder).toBe('b');
		expect(s.passedOnce).toEqual(['a']);
		expect(progress(s, T0).remaining).toEqual(['c', 'a']);
		s = must(done(s, 'b', T0));
		s = must(done(s, 'c', T0));
		expect(s.holder).toBe('a');
		s = must(done(s, 'a', T0));
		expect(s.status).toBe('complete');
		expect(s.spoken).toEqual(['b', 'c', 'a']);
		expect(s.passed).toEqual([]);
		expect(s.passedOnce).toEqual([]);
	});

	it('counts a second pass as passed for good', () => {
		let s = started(['a', 'b']);
		s = must(pass(s, 'a', T0));
		s = must(pass(s, 'b', T0));
		expect(s.holder).toBe('a');
		s = must(pass(s, 'a', T0));
		expect(s.holder).toBe('b');
		expect(s.passed).toEqual(['a']);
		s = must(done(s, 'b', T0));
		expect(s.status).toBe('complete');
		expect(progress(s, T0)).toMatchObject({ spoken: ['b'], passed: ['a'], complete: true });
	});

	it('lets a lone member pass twice and end the circle', () => {
		let s = started(['a']);
		s = must(pass(s, 'a', T0));
		expect(s.holder).toBe('a');
		s = must(pass(s, 'a', T0));
		expect(s.status).toBe('complete');
		expect(s.passed).toEqual(['a']);
	});

	it('is refused from anyone but the holder', () => {
		expect(code(pass(started(['a', 'b']), 'b', T0))).toBe('not_holder');
	});
});

describe('skip', () => {
	it('takes a queued member out of the round', () => {
		let s = started(['a', 'b', 'c']);
		s = must(skip(s, 'b', T0));
		expect(s.holder).toBe('a');
		expect(s.skipped).toEqual(['b']);
		s = must(done(s, 'a', T0));
		expect(s.holder).toBe('c');
		s = must(done(s, 'c', T0));
		expect(s.status).toBe('complete');
		expect(progress(s, T0)).toMatchObject({ spoken: ['a', 'c'], skipped: ['b'] });
	});

	it('ends the holder’s turn and moves the piece on', () => {
		const s = must(skip(started(['a', 'b']), 'a', T0 + 9));
		expect(s.holder).toBe('b');
		expect(s.skipped).toEqual(['a']);
		expect(s.turnStartedAt).toBe(T0 + 9);
	});

	it('also cancels the second offer to someone who passed', () => {
		let s = started(['a', 'b']);
		s = must(pass(s, 'a', T0));
		s = must(skip(s, 'a', T0));
		expect(progress(s, T0).remaining).toEqual([]);
		s = must(done(s, 'b', T0));
		expect(s.status).toBe('complete');
		expect(s.skipped).toEqual(['a']);
		expect(s.passedOnce).toEqual([]);
	});

	it('refuses unknown, finished, not-started and complete cases', () => {
		const s = must(done(started(['a', 'b']), 'a', T0));
		expect(code(skip(s, 'a', T0))).toBe('already_finished');
		expect(code(skip(s, 'zed', T0))).toBe('unknown_participant');
		expect(code(skip(createCircle(['a']), 'a', T0))).toBe('not_started');
		expect(code(skip(must(done(s, 'b', T0)), 'b', T0))).toBe('complete');
	});
});

describe('leave and rejoin', () => {
	it('moves the piece on when the holder leaves', () => {
		const s = must(leave(started(['a', 'b', 'c']), 'a', T0 + 7));
		expect(s.holder).toBe('b');
		expect(s.turnStartedAt).toBe(T0 + 7);
		expect(s.spoken).toEqual([]);
		expect(progress(s, T0 + 7)).toMatchObject({ away: ['a'], remaining: ['c'], speaking: 'b' });
	});

	it('puts someone who rejoins before the end and has not spoken at the end of the queue', () => {
		let s = started(['a', 'b', 'c', 'd']);
		s = must(leave(s, 'a', T0));
		expect(s.holder).toBe('b');
		s = must(rejoin(s, 'a'));
		expect(progress(s, T0).remaining).toEqual(['c', 'd', 'a']);
		expect(progress(s, T0).away).toEqual([]);
	});

	it('puts a rejoiner ahead of the second offers to those who passed', () => {
		let s = started(['a', 'b', 'c', 'd']);
		s = must(pass(s, 'a', T0));
		s = must(leave(s, 'c', T0));
		expect(progress(s, T0).remaining).toEqual(['d', 'a']);
		s = must(rejoin(s, 'c'));
		expect(progress(s, T0).remaining).toEqual(['d', 'c', 'a']);
	});

	it('does not offer the piece again to a rejoiner who had already spoken or passed for good', () => {
		let s = started(['a', 'b', 'c']);
		s = must(done(s, 'a', T0));
		s = must(leave(s, 'a', T0));
		s = must(rejoin(s, 'a'));
		expect(progress(s, T0).remaining).toEqual(['c']);
		expect(s.spoken).toEqual(['a']);
	});

	it('returns someone who passed once and left to the second offers', () => {
		let s = started(['a', 'b', 'c']);
		s = must(pass(s, 'a', T0));
		s = must(leave(s, 'a', T0));
		expect(progress(s, T0).remaining).toEqual(['c']);
		s = must(rejoin(s, 'a'));
		expect(progress(s, T0).remaining).toEqual(['c', 'a']);
		s = must(done(s, 'b', T0));
		s = must(done(s, 'c', T0));
		s = must(pass(s, 'a', T0));
		expect(s.passed).toEqual(['a']);
		expect(s.status).toBe('complete');
	});

	it('offers the piece again to a skipped member who rejoins before the end', () => {
		let s = started(['a', 'b', 'c']);
		s = must(leave(s, 'b', T0));
		s = must(skip(s, 'b', T0));
		expect(s.skipped).toEqual(['b']);
		s = must(rejoin(s, 'b'));
		expect(s.skipped).toEqual([]);
		expect(progress(s, T0).remaining).toEqual(['c', 'b']);
	});

	it('records a member still away at the end as skipped', () => {
		let s = started(['a', 'b', 'c']);
		s = must(leave(s, 'b', T0));
		s = must(done(s, 'a', T0));
		expect(s.holder).toBe('c');
		s = must(done(s, 'c', T0));
		expect(progress(s, T0)).toMatchObject({ spoken: ['a', 'c'], skipped: ['b'], away: [], complete: true });
		expect(code(rejoin(s, 'b'))).toBe('complete');
		expect(code(leave(s, 'a', T0))).toBe('complete');
	});

	it('completes when the last holder leaves', () => {
		let s = started(['a', 'b']);
		s = must(done(s, 'a', T0));
		s = must(leave(s, 'b', T0));
		expect(s.status).toBe('complete');
		expect(s.skipped).toEqual(['b']);
	});

	it('treats a repeated leave or a rejoin while present as harmless', () => {
		const s = must(leave(started(['a', 'b', 'c']), 'c', T0));
		expect(must(leave(s, 'c', T0))).toBe(s);
		expect(must(rejoin(s, 'a'))).toBe(s);
		expect(code(leave(s, 'zed', T0))).toBe('unknown_participant');
		expect(code(rejoin(s, 'zed'))).toBe('unknown_participant');
	});

	it('before the start, only marks presence', () => {
		let s = createCircle(['a', 'b']);
		s = must(leave(s, 'a', T0));
		expect(s.absent).toEqual(['a']);
		s = must(rejoin(s, 'a'));
		expect(s.absent).toEqual([]);
		expect(s.queue).toEqual([]);
		expect(must(start(s, T0)).holder).toBe('a');
	});
});

describe('join', () => {
	it('adds a newcomer at the end of the order, and of the queue once started', () => {
		expect(must(join(createCircle(['a']), 'b')).order).toEqual(['a', 'b']);
		const s = must(join(started(['a', 'b']), 'c'));
		expect(s.order).toEqual(['a', 'b', 'c']);
		expect(progress(s, T0).remaining).toEqual(['b', 'c']);
	});

	it('refuses a member or a complete circle', () => {
		expect(code(join(createCircle(['a']), 'a'))).toBe('already_member');
		expect(code(join(must(done(started(['a']), 'a', T0)), 'b'))).toBe('complete');
	});
});

describe('time limit', () => {
	it('sets each turn’s window from the now it is given', () => {
		let s = started(['a', 'b'], 60_000);
		expect(s.turnStartedAt).toBe(T0);
		expect(s.turnEndsAt).toBe(T0 + 60_000);
		expect(progress(s, T0 + 20_000).timeLeftMs).toBe(40_000);
		s = must(done(s, 'a', T0 + 45_000));
		expect(s.turnStartedAt).toBe(T0 + 45_000);
		expect(s.turnEndsAt).toBe(T0 + 105_000);
	});

	it('is overtime from the end of the window on, and shows no negative time', () => {
		const s = started(['a', 'b'], 60_000);
		expect(isOvertime(s, T0 + 59_999)).toBe(false);
		expect(isOvertime(s, T0 + 60_000)).toBe(true);
		expect(isOvertime(s, T0 + 90_000)).toBe(true);
		expect(progress(s, T0 + 90_000).timeLeftMs).toBe(0);
	});

	it('has no deadline without a limit, before the start, or after the end', () => {
		const open = started(['a']);
		expect(open.turnEndsAt).toBeNull();
		expect(isOvertime(open, T0 + 10 ** 9)).toBe(false);
		expect(progress(open, T0).timeLeftMs).toBeNull();
		const waiting = createCircle(['a'], { turnLimitMs: 1000 });
		expect(isOvertime(waiting, T0)).toBe(false);
		expect(progress(waiting, T0).timeLeftMs).toBeNull();
		const over = must(done(started(['a'], 1000), 'a', T0 + 5000));
		expect(isOvertime(over, T0 + 5000)).toBe(false);
		expect(over.turnEndsAt).toBeNull();
	});

	it('rejects a nonsensical limit as a programming error', () => {
		expect(() => createCircle(['a'], { turnLimitMs: 0 })).toThrow(RangeError);
		expect(() => createCircle(['a'], { turnLimitMs: Number.NaN })).toThrow(RangeError);
	});
});

describe('complete circle', () => {
	it('refuses every action with complete', () => {
		const s = must(done(started(['a']), 'a', T0));
		expect(s.status).toBe('complete');
		expect(code(done(s, 'a', T0))).toBe('complete');
		expect(code(pass(s, 'a', T0))).toBe('complete');
		expect(code(skip(s, 'a', T0))).toBe('complete');
		expect(code(start(s, T0))).toBe('complete');
		expect(code(reorder(s, ['a']))).toBe('complete');
	});
});

describe('progress', () => {
	it('summarises a circle in the middle of its round', () => {
		let s = started(['a', 'b', 'c', 'd', 'e', 'f'], 30_000);
		s = must(done(s, 'a', T0 + 1000));
		s = must(pass(s, 'b', T0 + 2000));
		s = must(skip(s, 'd', T0 + 2000));
		s = must(leave(s, 'f', T0 + 2000));
		expect(progress(s, T0 + 12_000)).toEqual({
			spoken: ['a'],
			passed: [],
			skipped: ['d'],
			speaking: 'c',
			remaining: ['e', 'b'],
			away: ['f'],
			timeLeftMs: 20_000,
			complete: false
		});
	});

	it('lists everyone present as remaining before the start', () => {
		const s = must(leave(createCircle(['a', 'b', 'c']), 'b', T0));
		expect(progress(s, T0)).toMatchObject({ speaking: null, remaining: ['a', 'c'], away: ['b'], complete: false });
	});
});

describe('check-out', () => {
	it('follows with a fresh round of the same people, same order and limit', () => {
		let s = started(['a', 'b', 'c'], 45_000);
		s = must(leave(s, 'c', T0));
		s = must(done(s, 'a', T0));
		s = must(pass(s, 'b', T0));
		s = must(pass(s, 'b', T0));
		expect(s.status).toBe('complete');
		const out = must(startCheckout(s));
		expect(out.phase).toBe('checkout');
		expect(out.status).toBe('waiting');
		expect(out.order).toEqual(['a', 'b', 'c']);
		expect(out.turnLimitMs).toBe(45_000);
		expect(progress(out, T0)).toMatchObject({ spoken: [], passed: [], skipped: [], remaining: ['a', 'b'], away: ['c'] });
		let o = must(start(out, T0 + 100));
		expect(o.holder).toBe('a');
		expect(o.turnEndsAt).toBe(T0 + 45_100);
		o = must(rejoin(o, 'c'));
		expect(progress(o, T0).remaining).toEqual(['b', 'c']);
	});

	it('can change the limit, be reordered before it starts, and happens once', () => {
		const out = must(startCheckout(started(['a', 'b'], 45_000), { turnLimitMs: null }));
		expect(out.turnLimitMs).toBeNull();
		expect(must(reorder(out, ['b', 'a'])).order).toEqual(['b', 'a']);
		expect(code(startCheckout(out))).toBe('already_checkout');
		expect(createCircle(['a']).phase).toBe('checkin');
	});
});
