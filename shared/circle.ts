/**
 * The check-in circle's talking piece, as a pure state machine: every action takes a state
 * and returns a new one (or a coded refusal); states are never mutated.
 *
 * Invariants:
 * - `order` is the circle as people see it; it is fixed once the circle starts.
 * - status 'open' ⇔ someone holds the piece. When nobody is left to offer it to, the circle
 *   becomes 'complete' at once; it never idles with an empty hand.
 * - every member is in at most one of: holder, `queue`, `returns`; and at most one of
 *   `spoken`, `passed`, `skipped` (the finished). The finished are never offered the piece again,
 *   except a skipped member who rejoins before the end.
 * - `queue` holds first offers, `returns` second offers to those who passed once; all of
 *   `queue` comes before any of `returns`, which is what "offered again at the end" means.
 * - absent members are in neither list; at completion, absent members who had not finished
 *   are recorded as skipped, so a complete circle accounts for everyone.
 * - time is only what callers pass in as `now` (ms); nothing here reads a clock.
 *
 * Who may act (facilitator, circle keeper, the member themselves) is checked by the server.
 */

export type CirclePhase = 'checkin' | 'checkout';
export type CircleStatus = 'waiting' | 'open' | 'complete';

export interface CircleState {
	readonly phase: CirclePhase;
	readonly status: CircleStatus;
	readonly order: readonly string[];
	readonly holder: string | null;
	readonly queue: readonly string[];
	readonly returns: readonly string[];
	readonly spoken: readonly string[];
	/** Passed for good: declined the second offer too. */
	readonly passed: readonly string[];
	/** Passed once and will be (or is being) offered the piece again. */
	readonly passedOnce: readonly string[];
	readonly skipped: readonly string[];
	readonly absent: readonly string[];
	readonly turnLimitMs: number | null;
	readonly turnStartedAt: number | null;
	readonly turnEndsAt: number | null;
}

export type CircleErrorCode =
	| 'not_holder'
	| 'not_started'
	| 'already_started'
	| 'complete'
	| 'unknown_participant'
	| 'already_member'
	| 'already_finished'
	| 'invalid_order'
	| 'nobody_present'
	| 'already_checkout';

/** Not the app-wide `Result` of errors.ts: the success carries the new state, the refusal only a code. */
export type CircleResult<T = CircleState> = { ok: true; state: T } | { ok: false; code: CircleErrorCode };

export type CircleOptions = {
	/** Per-speaker time; null or absent for none. */
	turnLimitMs?: number | null;
} & ({ order?: 'join' } | { order: 'random'; random: () => number });

export interface CircleProgress {
	spoken: string[];
	passed: string[];
	skipped: string[];
	speaking: string | null;
	/** Who will still be offered the piece, in the order they will be offered it. */
	remaining: string[];
	/** Members who left before finishing: offered again only if they come back before the end. */
	away: string[];
	timeLeftMs: number | null;
	complete: boolean;
}

/** `participantIds` in join order; a repeated id counts from its first join. */
export function createCircle(participantIds: readonly string[], options: CircleOptions = {}): CircleState {
	const unique = [...new Set(participantIds)];
	return {
		phase: 'checkin',
		status: 'waiting',
		order: options.order === 'random' ? shuffle(unique, options.random) : unique,
		holder: null,
		queue: [],
		returns: [],
		spoken: [],
		passed: [],
		passedOnce: [],
		skipped: [],
		absent: [],
		turnLimitMs: checkLimit(options.turnLimitMs ?? null),
		turnStartedAt: null,
		turnEndsAt: null
	};
}

/** Sets a new order before the start; `order` must hold exactly the circle's members. */
export function reorder(state: CircleState, order: readonly string[]): CircleResult {
	const refused = refuseUnlessWaiting(state);
	if (refused) return refused;
	const members = new Set(state.order);
	if (order.length !== state.order.length || new Set(order).size !== order.length || !order.every((id) => members.has(id))) {
		return fail('invalid_order');
	}
	return ok({ ...state, order: [...order] });
}

export function shuffleOrder(state: CircleState, random: () => number): CircleResult {
	const refused = refuseUnlessWaiting(state);
	if (refused) return refused;
	return ok({ ...state, order: shuffle(state.order, random) });
}

export function start(state: CircleState, now: number): CircleResult {
	const refused = refuseUnlessWaiting(state);
	if (refused) return refused;
	const present = state.order.filter((id) => !state.absent.includes(id));
	const [first, ...rest] = present;
	if (first === undefined) return fail('nobody_present');
	return ok(giveTo({ ...state, status: 'open', queue: rest }, first, now));
}

/** The holder has spoken and hands the piece on. */
export function done(state: CircleState, by: string, now: number): CircleResult {
	const refused = refuseUnlessHolder(state, by);
	if (refused) return refused;
	return ok(advance({ ...state, spoken: [...state.spoken, by], passedOnce: without(state.passedOnce, by) }, now));
}

/** The holder passes: the first time they are offered the piece again after everyone else; the second time is final. */
export function pass(state: CircleState, by: string, now: number): CircleResult {
	const refused = refuseUnlessHolder(state, by);
	if (refused) return refused;
	if (state.passedOnce.includes(by)) {
		return ok(advance({ ...state, passed: [...state.passed, by], passedOnce: without(state.passedOnce, by) }, now));
	}
	return ok(advance({ ...state, passedOnce: [...state.passedOnce, by], returns: [...state.returns, by] }, now));
}

/** The facilitator or circle keeper skips a member (typically one who has gone); the holder's turn ends. */
export function skip(state: CircleState, id: string, now: number): CircleResult {
	const refused = refuseUnlessOpen(state) ?? refuseUnlessMember(state, id);
	if (refused) return refused;
	if (isFinished(state, id)) return fail('already_finished');
	const next: CircleState = {
		...state,
		skipped: [...state.skipped, id],
		passedOnce: without(state.passedOnce, id),
		queue: without(state.queue, id),
		returns: without(state.returns, id)
	};
	return ok(state.holder === id ? advance(next, now) : next);
}

/** A member leaves the room. Leaving twice is harmless. */
export function leave(state: CircleState, id: string, now: number): CircleResult {
	const refused = refuseIfComplete(state) ?? refuseUnlessMember(state, id);
	if (refused) return refused;
	if (state.absent.includes(id)) return ok(state);
	const next: CircleState = {
		...state,
		absent: [...state.absent, id],
		queue: without(state.queue, id),
		returns: without(state.returns, id)
	};
	// The piece moves on rather than waiting for someone who may not come back.
	return ok(state.holder === id ? advance(next, now) : next);
}

/**
 * A member who left comes back. Before the end, one who has not finished (or was skipped) is
 * put at the end: of the queue, or of the second offers if they had passed once. Rejoining while present is harmless.
 */
export function rejoin(state: CircleState, id: string): CircleResult {
	const refused = refuseIfComplete(state) ?? refuseUnlessMember(state, id);
	if (refused) return refused;
	if (!state.absent.includes(id)) return ok(state);
	const back: CircleState = { ...state, absent: without(state.absent, id) };
	if (back.status === 'waiting' || back.spoken.includes(id) || back.passed.includes(id)) return ok(back);
	if (back.passedOnce.includes(id)) return ok({ ...back, returns: [...back.returns, id] });
	return ok({ ...back, skipped: without(back.skipped, id), queue: [...back.queue, id] });
}

/** Someone new joins the group: they take the last place in the circle. */
export function join(state: CircleState, id: string): CircleResult {
	const refused = refuseIfComplete(state);
	if (refused) return refused;
	if (state.order.includes(id)) return fail('already_member');
	return ok({ ...state, order: [...state.order, id], queue: state.status === 'open' ? [...state.queue, id] : state.queue });
}

/**
 * A closing check-out round with the same people, in the same order (reorderable until it starts)
 * and with the same time limit unless one is given. It may follow a check-in that did not finish:
 * the facilitator keeps the time, so refusing would only make them skip everyone first.
 */
export function startCheckout(state: CircleState, options: { turnLimitMs?: number | null } = {}): CircleResult {
	if (state.phase === 'checkout') return fail('already_checkout');
	const fresh = createCircle(state.order, { turnLimitMs: options.turnLimitMs === undefined ? state.turnLimitMs : options.turnLimitMs });
	return ok({ ...fresh, phase: 'checkout', absent: [...state.absent] });
}

export function nextSpeaker(state: CircleState): string | null {
	if (state.status === 'waiting') return state.order.find((id) => !state.absent.includes(id)) ?? null;
	return state.queue[0] ?? state.returns[0] ?? null;
}

export function isOvertime(state: CircleState, now: number): boolean {
	return state.holder !== null && state.turnEndsAt !== null && now >= state.turnEndsAt;
}

export function progress(state: CircleState, now: number): CircleProgress {
	const remaining =
		state.status === 'waiting' ? state.order.filter((id) => !state.absent.includes(id)) : [...state.queue, ...state.returns];
	return {
		spoken: [...state.spoken],
		passed: [...state.passed],
		skipped: [...state.skipped],
		speaking: state.holder,
		remaining,
		away: state.absent.filter((id) => !isFinished(state, id)),
		timeLeftMs: state.holder !== null && state.turnEndsAt !== null ? Math.max(0, state.turnEndsAt - now) : null,
		complete: state.status === 'complete'
	};
}

function ok(state: CircleState): CircleResult {
	return { ok: true, state };
}

function fail(code: CircleErrorCode): { ok: false; code: CircleErrorCode } {
	return { ok: false, code };
}

function refuseIfComplete(state: CircleState) {
	return state.status === 'complete' ? fail('complete') : null;
}

function refuseUnlessWaiting(state: CircleState) {
	return refuseIfComplete(state) ?? (state.status === 'open' ? fail('already_started') : null);
}

function refuseUnlessOpen(state: CircleState) {
	return refuseIfComplete(state) ?? (state.status === 'waiting' ? fail('not_started') : null);
}

function refuseUnlessMember(state: CircleState, id: string) {
	return state.order.includes(id) ? null : fail('unknown_participant');
}

function refuseUnlessHolder(state: CircleState, by: string) {
	return refuseUnlessOpen(state) ?? refuseUnlessMember(state, by) ?? (state.holder === by ? null : fail('not_holder'));
}

function isFinished(state: CircleState, id: string): boolean {
	return state.spoken.includes(id) || state.passed.includes(id) || state.skipped.includes(id);
}

function without(list: readonly string[], id: string): readonly string[] {
	return list.includes(id) ? list.filter((x) => x !== id) : list;
}

function giveTo(state: CircleState, holder: string, now: number): CircleState {
	return { ...state, holder, turnStartedAt: now, turnEndsAt: state.turnLimitMs === null ? null : now + state.turnLimitMs };
}

/** Hands the piece to the next in line; the caller has already settled what became of the previous holder. */
function advance(state: CircleState, now: number): CircleState {
	const [fromQueue, ...queue] = state.queue;
	if (fromQueue !== undefined) return giveTo({ ...state, queue }, fromQueue, now);
	const [fromReturns, ...returns] = state.returns;
	if (fromReturns !== undefined) return giveTo({ ...state, returns }, fromReturns, now);
	const unfinishedAway = state.absent.filter((id) => !isFinished(state, id));
	return {
		...state,
		status: 'complete',
		holder: null,
		turnStartedAt: null,
		turnEndsAt: null,
		skipped: [...state.skipped, ...unfinishedAway],
		passedOnce: state.passedOnce.filter((id) => !unfinishedAway.includes(id))
	};
}

function checkLimit(limit: number | null): number | null {
	// A bad limit is a programming error (the server validates its payloads), not a refused action.
	if (limit !== null && !(Number.isFinite(limit) && limit > 0)) throw new RangeError(`turnLimitMs must be a positive number, got ${limit}`);
	return limit;
}

/** Fisher–Yates on a copy. */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		// The clamp guards against a random source that can return exactly 1.
		const j = Math.min(i, Math.floor(random() * (i + 1)));
		[out[i], out[j]] = [out[j] as T, out[i] as T];
	}
	return out;
}
