/**
 * A client's copy of a live convening's state, kept from three sources: the `convening:join`
 * answer (the base), `convening:state` (the whole state after a change) and `convening:presence`
 * (one roster entry changed: someone arrived, left, raised or lowered a hand).
 *
 * Every announcement carries the holder's `epoch` (one per loading of the convening) and a
 * `version` that goes up by one per announcement, in the order they are sent [CV5]. So:
 * - announcements that arrive before the join answer are kept and replayed over it (the server
 *   subscribes the socket before it builds the answer, and may announce in between);
 * - anything at or below the version the client has is already in it and is ignored;
 * - a presence change that does not follow on from what the client has (a gap, or another
 *   epoch: a restart or a new holder) cannot be applied: the client must join again (`resync`).
 * Pure: the web app, the tests and the benchmark use the same rules.
 */
import type { ConveningState, PresenceChange, RosterEntry } from './live.ts';

export type MirrorOutcome = 'applied' | 'ignored' | 'resync';

const byName = (a: RosterEntry, b: RosterEntry) => a.name.localeCompare(b.name);

/** The roster with one entry replaced (or added), in the server's order (by name). */
export function withRosterEntry(roster: RosterEntry[], entry: RosterEntry): RosterEntry[] {
	const next = roster.filter((p) => p.userId !== entry.userId);
	next.push(entry);
	return next.sort(byName);
}

export class ConveningMirror {
	#state: ConveningState | null = null;
	/** Announcements that arrived before the base. */
	#early: ({ kind: 'state'; state: ConveningState } | { kind: 'presence'; change: PresenceChange })[] = [];

	get state(): ConveningState | null {
		return this.#state;
	}

	/** The join answer: replaces everything, then what arrived meanwhile is applied over it. */
	base(state: ConveningState): MirrorOutcome {
		this.#state = state;
		const early = this.#early.splice(0);
		let outcome: MirrorOutcome = 'applied';
		for (const e of early) {
			const r = e.kind === 'state' ? this.fullState(e.state) : this.presence(e.change);
			if (r === 'resync') outcome = 'resync';
		}
		return outcome;
	}

	/** Forgets everything (a disconnect): announcements are held until the next base. */
	reset(): void {
		this.#state = null;
		this.#early = [];
	}

	fullState(state: ConveningState): MirrorOutcome {
		const have = this.#state;
		if (!have) {
			this.#early.push({ kind: 'state', state });
			return 'ignored';
		}
		// Another convening's (a socket that moved on, with announcements still on the way): not ours.
		if (state.conveningId !== have.conveningId) return 'ignored';
		if (have.epoch === state.epoch && state.version <= have.version) return 'ignored';
		this.#state = state;
		return 'applied';
	}

	presence(change: PresenceChange): MirrorOutcome {
		const have = this.#state;
		if (!have) {
			this.#early.push({ kind: 'presence', change });
			return 'ignored';
		}
		if (change.conveningId !== have.conveningId) return 'ignored';
		if (have.epoch === change.epoch && change.version <= have.version) return 'ignored';
		if (have.epoch !== change.epoch || change.version !== have.version + 1) return 'resync';
		this.#state = { ...have, version: change.version, roster: withRosterEntry(have.roster, change.entry) };
		return 'applied';
	}
}
