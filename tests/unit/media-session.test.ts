/**
 * The LiveKit client's pure logic, with livekit-client's Room replaced by a fake: no LiveKit server
 * can run on this machine, so the browser path is checked by hand (docs/VIDEO.md). What is checked
 * here is what the client decides: which room to be in and when to ask for a token (room-switch.ts),
 * and what each tile shows (participants.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Result } from '../../shared/errors.ts';
import type { MediaToken } from '../../shared/livekit.ts';
import { RoomSwitcher, retryDelay, type Connection, type MediaStatus } from '../../web/lib/media/room-switch.ts';
import { loudestOther, mayPublish, peerTracks, qualityOf, sameTracks, type PublicationLike } from '../../web/lib/media/participants.ts';

const FAKE = '(fake LiveKit Room: no LiveKit server can run here)';

/** A promise with its resolve and reject in hand. */
function deferred<T = void>() {
	let resolve!: (v: T) => void;
	let reject!: (e: unknown) => void;
	const promise = new Promise<T>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

/** Lets every queued promise callback run (the switcher's loop only awaits promises). */
const settle = async () => {
	for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** Stands in for livekit-client's Room: records connects and disconnects; a test decides when connect ends. */
class FakeRoom implements Connection {
	static made: FakeRoom[] = [];
	url: string | null = null;
	token: string | null = null;
	state: 'new' | 'connecting' | 'connected' | 'disconnected' = 'new';
	#pending = deferred();

	constructor(readonly hearthRoom: string) {
		FakeRoom.made.push(this);
	}

	connect(url: string, token: string): Promise<void> {
		this.url = url;
		this.token = token;
		this.state = 'connecting';
		return this.#pending.promise.then(() => {
			if (this.state === 'connecting') this.state = 'connected';
		});
	}

	/** The server accepted the token. */
	accept(): void {
		this.#pending.resolve();
	}

	/** The connection could not be made. */
	refuse(): void {
		this.#pending.reject(new Error('could not establish signal connection'));
	}

	async disconnect(): Promise<void> {
		this.state = 'disconnected';
	}
}

interface Harness {
	switcher: RoomSwitcher<FakeRoom>;
	/** Token requests, in order, by Hearth room. */
	asked: string[];
	statuses: MediaStatus[];
	errors: (string | null)[];
	joined: FakeRoom[];
	dropped: FakeRoom[];
	rooms: FakeRoom[];
	/** Answer the next token request(s) like this (default: a token naming the room and the attempt). */
	answers: ((room: string) => Result<MediaToken> | Promise<Result<MediaToken>>)[];
	/** Pending retry pauses, by their length; resolve one to end the pause. */
	pauses: { ms: number; end: () => void }[];
}

function harness(): Harness {
	FakeRoom.made = [];
	const h: Harness = {
		asked: [],
		statuses: [],
		errors: [],
		joined: [],
		dropped: [],
		rooms: FakeRoom.made,
		answers: [],
		pauses: [],
		switcher: undefined as unknown as RoomSwitcher<FakeRoom>
	};
	let n = 0;
	h.switcher = new RoomSwitcher<FakeRoom>({
		token: async (room) => {
			h.asked.push(room);
			const answer = h.answers.shift();
			if (answer) return answer(room);
			n++;
			return {
				ok: true,
				data: { url: 'ws://livekit.test', token: `jwt-${room}-${n}`, room: `hearth-c-${room}`, expiresAt: '2026-01-01T00:10:00Z' }
			};
		},
		open: (room) => new FakeRoom(room),
		joined: (conn) => h.joined.push(conn),
		dropped: (conn) => h.dropped.push(conn),
		status: (status, error) => {
			h.statuses.push(status);
			h.errors.push(error);
		},
		sleep: (ms) => {
			const d = deferred();
			h.pauses.push({ ms, end: () => d.resolve() });
			return d.promise;
		}
	});
	return h;
}

const refused = (code: 'forbidden' | 'unavailable' | 'not_found', message = 'no'): Result<MediaToken> => ({
	ok: false,
	error: { code, message }
});

describe(`moving between LiveKit rooms ${FAKE}`, () => {
	it(`connects to the first room with a token asked for that room ${FAKE}`, async () => {
		const h = harness();
		h.switcher.setRoom('main');
		await settle();
		expect(h.asked).toEqual(['main']);
		expect(h.rooms).toHaveLength(1);
		expect(h.rooms[0]!.url).toBe('ws://livekit.test');
		expect(h.rooms[0]!.token).toBe('jwt-main-1');
		expect(h.switcher.status).toBe('connecting');
		expect(h.joined).toEqual([]); // nothing is published before the room is up

		h.rooms[0]!.accept();
		await settle();
		expect(h.switcher.status).toBe('connected');
		expect(h.switcher.room).toBe('main');
		expect(h.joined).toEqual([h.rooms[0]]);
		expect(h.statuses).toEqual(['connecting', 'connected']);
	});

	it(`asking again for the room it is in, or heading to, does nothing ${FAKE}`, async () => {
		const h = harness();
		h.switcher.setRoom('main');
		h.switcher.setRoom('main');
		await settle();
		h.switcher.setRoom('main'); // while connecting
		h.rooms[0]!.accept();
		await settle();
		h.switcher.setRoom('main'); // while connected (a socket rejoin says the same room again)
		await settle();
		expect(h.asked).toEqual(['main']);
		expect(h.rooms).toHaveLength(1);
		expect(h.rooms[0]!.state).toBe('connected');
	});

	it(`a move leaves the old room, asks a fresh token for the new one and reconnects, showing "moving" ${FAKE}`, async () => {
		const h = harness();
		h.switcher.setRoom('main');
		await settle();
		h.rooms[0]!.accept();
		await settle();

		h.switcher.setRoom('group-1'); // a breakout opens
		await settle();
		expect(h.switcher.status).toBe('moving');
		expect(h.rooms[0]!.state).toBe('disconnected');
		expect(h.dropped).toEqual([h.rooms[0]]);
		expect(h.asked).toEqual(['main', 'group-1']);
		expect(h.rooms[1]!.token).toBe('jwt-group-1-2');
		h.rooms[1]!.accept();
		await settle();
		expect(h.switcher.status).toBe('connected');
		expect(h.switcher.room).toBe('group-1');
		expect(h.joined).toEqual([h.rooms[0], h.rooms[1]]);

		h.switcher.setRoom('main'); // the round closes
		await settle();
		h.rooms[2]!.accept();
		await settle();
		// Back in a room it had a token for: a new one is asked for all the same.
		expect(h.asked).toEqual(['main', 'group-1', 'main']);
		expect(h.rooms[2]!.token).toBe('jwt-main-3');
		expect(h.statuses).toEqual(['connecting', 'connected', 'moving', 'connected', 'moving', 'connected']);
	});

	it(`a switch asked for while connecting waits for that attempt, which is left unpublished ${FAKE}`, async () => {
		const h = harness();
		h.switcher.setRoom('main');
		await settle();
		h.switcher.setRoom('group-1'); // room:changed arrives while the first connect is under way
		await settle();
		expect(h.asked).toEqual(['main']); // one connection at a time
		expect(h.rooms).toHaveLength(1);

		h.rooms[0]!.accept();
		await settle();
		expect(h.rooms[0]!.state).toBe('disconnected');
		expect(h.joined).toEqual([]); // never published into the room it was leaving
		expect(h.asked).toEqual(['main', 'group-1']);
		h.rooms[1]!.accept();
		await settle();
		expect(h.switcher.room).toBe('group-1');
		expect(h.joined).toEqual([h.rooms[1]]);
	});

	it(`switches in quick succession go straight to the last one ${FAKE}`, async () => {
		const h = harness();
		h.switcher.setRoom('main');
		await settle();
		h.rooms[0]!.accept();
		await settle();
		const slow = deferred<Result<MediaToken>>();
		h.answers.push(() => slow.promise);
		h.switcher.setRoom('group-1');
		await settle();
		h.switcher.setRoom('group-2'); // moved by a facilitator before the first token came back
		h.switcher.setRoom('group-3');
		slow.resolve({ ok: true, data: { url: 'ws://livekit.test', token: 'stale', room: 'hearth-c-group-1', expiresAt: '' } });
		await settle();
		// The group-1 token is thrown away unused; group-2 is never asked for.
		expect(h.asked).toEqual(['main', 'group-1', 'group-3']);
		expect(h.rooms.map((r) => r.token)).toEqual(['jwt-main-1', 'jwt-group-3-2']);
		h.rooms[1]!.accept();
		await settle();
		expect(h.switcher.room).toBe('group-3');
	});

	it(`a connection lost for good is made again with a fresh token ("reconnecting") ${FAKE}`, async () => {
		const h = harness();
		h.switcher.setRoom('main');
		await settle();
		h.rooms[0]!.accept();
		await settle();

		h.switcher.reconnecting(h.rooms[0]!); // LiveKit resumes by itself first
		expect(h.switcher.status).toBe('reconnecting');
		h.switcher.reconnected(h.rooms[0]!);
		expect(h.switcher.status).toBe('connected');

		h.switcher.lost(h.rooms[0]!, true); // its own reconnect gave up (the token may have expired meanwhile)
		await settle();
		expect(h.switcher.status).toBe('reconnecting');
		expect(h.asked).toEqual(['main', 'main']);
		expect(h.rooms[1]!.token).toBe('jwt-main-2');
		h.rooms[1]!.accept();
		await settle();
		expect(h.switcher.status).toBe('connected');
		expect(h.dropped).toEqual([h.rooms[0]]);
	});

	it(`events from a connection already left are ignored ${FAKE}`, async () => {
		const h = harness();
		h.switcher.setRoom('main');
		await settle();
		h.rooms[0]!.accept();
		await settle();
		h.switcher.setRoom('group-1');
		await settle();
		h.rooms[1]!.accept();
		await settle();
		// The old room's late Disconnected / Reconnecting events change nothing.
		h.switcher.lost(h.rooms[0]!, true);
		h.switcher.reconnecting(h.rooms[0]!);
		await settle();
		expect(h.switcher.status).toBe('connected');
		expect(h.switcher.room).toBe('group-1');
		expect(h.asked).toEqual(['main', 'group-1']);
	});

	it(`lost without retry (same account elsewhere) stays out and says why ${FAKE}`, async () => {
		const h = harness();
		h.switcher.setRoom('main');
		await settle();
		h.rooms[0]!.accept();
		await settle();
		h.switcher.lost(h.rooms[0]!, false, 'opened elsewhere');
		await settle();
		expect(h.switcher.status).toBe('failed');
		expect(h.errors.at(-1)).toBe('opened elsewhere');
		expect(h.asked).toEqual(['main']);
	});

	it(`a token the server cannot give now is asked for again after a growing pause ${FAKE}`, async () => {
		const h = harness();
		h.answers.push(
			() => refused('unavailable'),
			() => refused('unavailable')
		);
		h.switcher.setRoom('main');
		await settle();
		expect(h.pauses.map((p) => p.ms)).toEqual([1000]);
		h.pauses[0]!.end();
		await settle();
		expect(h.pauses.map((p) => p.ms)).toEqual([1000, 2000]);
		h.pauses[1]!.end();
		await settle();
		expect(h.asked).toEqual(['main', 'main', 'main']);
		h.rooms[0]!.accept();
		await settle();
		expect(h.switcher.status).toBe('connected');
		expect([1, 2, 3, 6, 7, 20].map(retryDelay)).toEqual([1000, 2000, 4000, 30_000, 30_000, 30_000]);
	});

	it(`a failed connect is tried again with a new token, not the one that failed ${FAKE}`, async () => {
		const h = harness();
		h.switcher.setRoom('main');
		await settle();
		h.rooms[0]!.refuse();
		await settle();
		expect(h.dropped).toEqual([h.rooms[0]]);
		expect(h.switcher.status).toBe('connecting');
		h.pauses[0]!.end();
		await settle();
		expect(h.rooms.map((r) => r.token)).toEqual(['jwt-main-1', 'jwt-main-2']);
	});

	it(`a move cuts a retry pause short ${FAKE}`, async () => {
		const h = harness();
		h.answers.push(() => refused('unavailable'));
		h.switcher.setRoom('main');
		await settle();
		expect(h.pauses).toHaveLength(1);
		h.switcher.setRoom('group-1'); // no need to wait out the pause for a room we no longer want
		await settle();
		expect(h.asked).toEqual(['main', 'group-1']);
	});

	it(`asking again for the same room while waiting to retry tries at once, and the pauses keep growing ${FAKE}`, async () => {
		const h = harness();
		h.answers.push(
			() => refused('unavailable'),
			() => refused('unavailable')
		);
		h.switcher.setRoom('main');
		await settle();
		expect(h.pauses.map((p) => p.ms)).toEqual([1000]);
		h.switcher.setRoom('main'); // the socket rejoined: no need to wait out the pause
		await settle();
		expect(h.asked).toEqual(['main', 'main']);
		expect(h.pauses.map((p) => p.ms)).toEqual([1000, 2000]);
	});

	it(`a token refused for good stops until the room is asked for again ${FAKE}`, async () => {
		const h = harness();
		h.answers.push(() => refused('forbidden', 'You can join the video of the room you are in only.'));
		h.switcher.setRoom('group-9');
		await settle();
		expect(h.switcher.status).toBe('failed');
		expect(h.errors.at(-1)).toBe('You can join the video of the room you are in only.');
		expect(h.pauses).toEqual([]);
		expect(h.rooms).toEqual([]);
		// The socket rejoins and names the same room: after a failure that is a retry.
		h.switcher.setRoom('group-9');
		await settle();
		expect(h.asked).toEqual(['group-9', 'group-9']);
		h.rooms[0]!.accept();
		await settle();
		expect(h.switcher.status).toBe('connected');
	});

	it(`stop() leaves the room, abandons an attempt in flight and ignores later switches ${FAKE}`, async () => {
		const h = harness();
		h.switcher.setRoom('main');
		await settle();
		h.rooms[0]!.accept();
		await settle();
		h.switcher.setRoom('group-1');
		await settle();
		h.switcher.stop();
		expect(h.switcher.status).toBe('stopped');
		expect(h.rooms[1]!.state).toBe('disconnected'); // the attempt in flight is told to stop
		h.rooms[1]!.accept();
		await settle();
		h.switcher.setRoom('group-2');
		await settle();
		expect(h.asked).toEqual(['main', 'group-1']);
		expect(h.joined).toEqual([h.rooms[0]]);
		expect(h.statuses.at(-1)).toBe('stopped');
	});
});

type Track = { id: string };
const t = (id: string): Track => ({ id });
function participant(identity: string, pubs: (PublicationLike<Track> & { sid: string })[], connectionQuality = 'good') {
	return { identity, connectionQuality, trackPublications: new Map(pubs.map((p) => [p.sid, p])) };
}

describe(`LiveKit participants as tiles ${FAKE}`, () => {
	const cam = t('cam');
	const mic = t('mic');
	const screen = t('screen');

	it(`a participant (identity = user id) becomes a tile with their camera and microphone ${FAKE}`, () => {
		const tile = peerTracks(
			participant('user-1', [
				{ sid: 'TR_a', source: 'microphone', kind: 'audio', isMuted: false, track: { mediaStreamTrack: mic } },
				{ sid: 'TR_v', source: 'camera', kind: 'video', isMuted: false, track: { mediaStreamTrack: cam } }
			])
		);
		expect(tile).toEqual({ userId: 'user-1', tracks: [cam, mic], state: 'connected', quality: 'good' });
	});

	it(`a screen share takes the tile's video; a muted or unsubscribed camera leaves initials ${FAKE}`, () => {
		const sharing = peerTracks(
			participant('u', [
				{ sid: '1', source: 'camera', kind: 'video', isMuted: false, track: { mediaStreamTrack: cam } },
				{ sid: '2', source: 'screen_share', kind: 'video', isMuted: false, track: { mediaStreamTrack: screen } }
			])
		);
		expect(sharing.tracks).toEqual([screen]);
		const muted = peerTracks(
			participant('u', [{ sid: '1', source: 'camera', kind: 'video', isMuted: true, track: { mediaStreamTrack: cam } }])
		);
		expect(muted.tracks).toEqual([]);
		// Published but not received (audio only, or not subscribed yet): nothing to show.
		const unsubscribed = peerTracks(participant('u', [{ sid: '1', source: 'camera', kind: 'video', isMuted: false }]));
		expect(unsubscribed.tracks).toEqual([]);
		// A muted microphone stays in the stream: taking it out would reload the tile's video.
		const quiet = peerTracks(
			participant('u', [{ sid: '1', source: 'microphone', kind: 'audio', isMuted: true, track: { mediaStreamTrack: mic } }])
		);
		expect(quiet.tracks).toEqual([mic]);
	});

	it(`connection quality becomes the tile's hint; "lost" shows as reconnecting ${FAKE}`, () => {
		expect(peerTracks(participant('u', [], 'poor'))).toMatchObject({ state: 'connected', quality: 'poor' });
		expect(peerTracks(participant('u', [], 'lost'))).toMatchObject({ state: 'disconnected', quality: 'lost' });
		expect(qualityOf('excellent')).toBe('excellent');
		expect(qualityOf('something-new')).toBe('unknown');
	});

	it(`a tile keeps its stream while the same tracks arrive, in any order ${FAKE}`, () => {
		expect(sameTracks([cam, mic], [mic, cam])).toBe(true);
		expect(sameTracks([cam, mic], [mic])).toBe(false);
		expect(sameTracks([cam], [screen])).toBe(false);
		expect(sameTracks([], [])).toBe(true);
	});

	it(`[LK4] publishing follows LiveKit's permissions: a listener may publish the camera, not the microphone ${FAKE}`, () => {
		const free = { canPublish: true, canPublishSources: [] };
		const listener = { canPublish: true, canPublishSources: [1] }; // TrackSource.CAMERA
		const holder = { canPublish: true, canPublishSources: [1, 2] }; // CAMERA, MICROPHONE
		const observer = { canPublish: false, canPublishSources: [] };
		expect(['camera', 'microphone', 'screen_share'].map((s) => mayPublish(free, s as 'camera'))).toEqual([true, true, true]);
		expect(mayPublish(listener, 'camera')).toBe(true);
		expect(mayPublish(listener, 'microphone')).toBe(false);
		expect(mayPublish(listener, 'screen_share')).toBe(false);
		expect(mayPublish(holder, 'microphone')).toBe(true);
		expect(mayPublish(observer, 'camera')).toBe(false);
		expect(mayPublish(undefined, 'microphone')).toBe(false); // not connected yet
	});

	it(`the active speaker is the loudest other person ${FAKE}`, () => {
		expect(loudestOther([{ identity: 'me' }, { identity: 'b' }, { identity: 'c' }], 'me')).toBe('b');
		expect(loudestOther([{ identity: 'me' }], 'me')).toBeNull();
		expect(loudestOther([], 'me')).toBeNull();
	});
});
