/**
 * Captions of what happens in the live room, for the one polite live region on the live page
 * (screen readers read it when it changes; everyone else sees the same events on screen).
 *
 * - One region only: the chat list, the circle's buttons and the wind-down notice are not live
 *   regions themselves, so nothing is read twice.
 * - Lines said in the same moment (the piece leaves one person and reaches another) are read as
 *   one announcement, in order.
 * - Saying the same words again still changes the region (a trailing invisible mark alternates),
 *   or a screen reader would stay silent for a second "Ana passed."
 */
import type { CircleView, ConveningState } from '$shared/live.ts';

export class Announcer {
	/** What the live region shows now. */
	text = $state('');
	#pending: string[] = [];
	#flip = false;

	say(line: string): void {
		if (!line) return;
		this.#pending.push(line);
		if (this.#pending.length > 1) return;
		queueMicrotask(() => {
			const words = this.#pending.join(' ');
			this.#pending = [];
			this.#flip = !this.#flip;
			this.text = this.#flip ? words : `${words}\u00a0`;
		});
	}
}

/** What changed in my group's circle between two states, as events to say. */
export type CircleEvent =
	{ kind: 'your-turn' } | { kind: 'holds'; userId: string } | { kind: 'passed'; userId: string } | { kind: 'complete' };

export function circleEvents(before: CircleView | null | undefined, after: CircleView | null | undefined, me: string): CircleEvent[] {
	if (!after || after === before) return [];
	const events: CircleEvent[] = [];
	const was = before?.status === 'open' ? before.speaking : null;
	const now = after.status === 'open' ? after.speaking : null;
	// The one who held the piece and neither spoke nor was skipped handed it on by passing.
	if (was && was !== now && was !== me && !after.spoken.includes(was) && !after.skipped.includes(was) && !before?.passed.includes(was)) {
		events.push({ kind: 'passed', userId: was });
	}
	if (now && now !== was) events.push(now === me ? { kind: 'your-turn' } : { kind: 'holds', userId: now });
	if (after.complete && !before?.complete) events.push({ kind: 'complete' });
	return events;
}

/** My group's circle in a state, for the room I am in. */
export function circleIn(state: ConveningState | null, room: string): CircleView | null {
	return state?.round?.groups.find((g) => g.id === room)?.circle ?? null;
}
