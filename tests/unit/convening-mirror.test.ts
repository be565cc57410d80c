/** [CV5] The client's copy of a convening: base, whole states and presence changes in order. */
import { describe, expect, it } from 'vitest';
import { ConveningMirror } from '../../shared/convening-mirror.ts';
import type { ConveningState, PresenceChange, RosterEntry } from '../../shared/live.ts';

const entry = (name: string, connected = true): RosterEntry => ({
	userId: `u-${name}`,
	name,
	role: 'member',
	teamId: null,
	connected,
	room: 'main',
	handRaisedAt: null
});
const state = (version: number, names: string[], epoch = 'e1'): ConveningState => ({
	conveningId: 'c',
	cohortId: 'k',
	title: 'T',
	startsAt: '2026-12-14T14:00:00Z',
	durationMinutes: 60,
	phase: 'open',
	agenda: { items: [], index: -1, startedAt: null },
	roster: names.map((n) => entry(n)),
	round: null,
	serverNow: version,
	epoch,
	version
});
const presence = (version: number, e: RosterEntry, epoch = 'e1'): PresenceChange => ({ conveningId: 'c', epoch, version, entry: e });
const names = (m: ConveningMirror) => m.state?.roster.map((p) => `${p.name}${p.connected ? '' : '(gone)'}`);

describe('[CV5] convening mirror', () => {
	it('applies presence changes in order, keeping the roster sorted by name', () => {
		const m = new ConveningMirror();
		m.base(state(3, ['Bea']));
		expect(m.presence(presence(4, entry('Ada')))).toBe('applied');
		expect(m.presence(presence(5, entry('Bea', false)))).toBe('applied');
		expect(names(m)).toEqual(['Ada', 'Bea(gone)']);
		expect(m.state!.version).toBe(5);
	});

	it('keeps what arrived before the join answer and replays only what is newer than the answer', () => {
		const m = new ConveningMirror();
		expect(m.presence(presence(4, entry('Ada')))).toBe('ignored'); // already in the answer (version 5)
		expect(m.presence(presence(6, entry('Cy')))).toBe('ignored'); // held, newer than the answer
		expect(m.state).toBeNull();
		expect(m.base(state(5, ['Ada', 'Bea']))).toBe('applied');
		expect(names(m)).toEqual(['Ada', 'Bea', 'Cy']);
		expect(m.state!.version).toBe(6);
	});

	it('an answer older than a whole state that came first is overtaken by it', () => {
		const m = new ConveningMirror();
		m.fullState({ ...state(7, ['Ada', 'Bea', 'Cy']), phase: 'live' });
		m.base(state(6, ['Ada', 'Bea']));
		expect(m.state!.phase).toBe('live');
		expect(names(m)).toEqual(['Ada', 'Bea', 'Cy']);
	});

	it('ignores stale announcements and asks to join again on a gap or a new epoch', () => {
		const m = new ConveningMirror();
		m.base(state(5, ['Ada']));
		expect(m.fullState(state(5, []))).toBe('ignored');
		expect(m.presence(presence(5, entry('Zed')))).toBe('ignored');
		expect(m.presence(presence(7, entry('Zed')))).toBe('resync');
		expect(m.presence(presence(1, entry('Zed'), 'e2'))).toBe('resync');
		expect(names(m)).toEqual(['Ada']);
		// A whole state from a new holder replaces everything, whatever its number.
		expect(m.fullState(state(1, ['Bea'], 'e2'))).toBe('applied');
		expect(names(m)).toEqual(['Bea']);
	});

	it('after a disconnect nothing is applied until the next answer', () => {
		const m = new ConveningMirror();
		m.base(state(2, ['Ada']));
		m.reset();
		expect(m.state).toBeNull();
		expect(m.presence(presence(3, entry('Bea')))).toBe('ignored');
		m.base(state(9, ['Ada', 'Bea', 'Cy']));
		expect(names(m)).toEqual(['Ada', 'Bea', 'Cy']); // the held change (3) is older than the answer
	});

	it("ignores another convening's announcements (a socket that moved on)", () => {
		const m = new ConveningMirror();
		m.base(state(2, ['Ada']));
		expect(m.presence({ ...presence(1, entry('Zed'), 'other-epoch'), conveningId: 'elsewhere' })).toBe('ignored');
		expect(m.fullState({ ...state(9, ['Zed'], 'other-epoch'), conveningId: 'elsewhere' })).toBe('ignored');
		expect(names(m)).toEqual(['Ada']);
	});
});
