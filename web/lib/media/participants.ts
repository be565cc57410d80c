/**
 * From LiveKit participants to the tiles the stage draws, as plain functions over the few fields
 * read (structural types, so tests pass plain objects and no livekit-client is loaded).
 *
 * - A tile shows one video: the screen share when there is one, else the camera; a muted video is
 *   left out, so the tile falls back to the person's initials.
 * - Audio (microphone, screen share audio) is kept even while muted: taking a track out and back
 *   would reload the tile's media element.
 * - A participant whose connection LiveKit reports `lost` shows as reconnecting.
 */

// No DOM here: the unit tests import this file from Node, and `npm run check` type-checks them
// with the server's settings.

/** LiveKit's estimate of someone's connection; `unknown` until it has one. */
export type ConnectionQuality = 'excellent' | 'good' | 'poor' | 'lost' | 'unknown';

/** A peer's connection, in RTCPeerConnection's words (`RTCPeerConnectionState`); LiveKit participants map onto them. */
export type PeerState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface PublicationLike<T> {
	source: string;
	kind: string;
	isMuted: boolean;
	/** Set while subscribed (remote) or published (local). */
	track?: { mediaStreamTrack: T } | undefined;
}

export interface ParticipantLike<T> {
	identity: string;
	connectionQuality: string;
	trackPublications: ReadonlyMap<string, PublicationLike<T>>;
}

export interface PeerTracks<T> {
	userId: string;
	/** At most one video track, then the audio tracks. */
	tracks: T[];
	state: PeerState;
	quality: ConnectionQuality;
}

const QUALITIES: readonly string[] = ['excellent', 'good', 'poor', 'lost', 'unknown'] satisfies ConnectionQuality[];

export const qualityOf = (q: string): ConnectionQuality => (QUALITIES.includes(q) ? (q as ConnectionQuality) : 'unknown');

export function peerTracks<T>(p: ParticipantLike<T>): PeerTracks<T> {
	const pubs = [...p.trackPublications.values()].filter((pub) => pub.track);
	const video =
		pubs.find((pub) => pub.kind === 'video' && pub.source === 'screen_share' && !pub.isMuted) ??
		pubs.find((pub) => pub.kind === 'video' && pub.source !== 'screen_share' && !pub.isMuted);
	const audio = pubs.filter((pub) => pub.kind === 'audio');
	const quality = qualityOf(p.connectionQuality);
	return {
		userId: p.identity,
		tracks: [video, ...audio].flatMap((pub) => (pub?.track ? [pub.track.mediaStreamTrack] : [])),
		state: quality === 'lost' ? 'disconnected' : 'connected',
		quality
	};
}

/** Whether two track lists hold the same tracks (in any order): if so, the tile keeps its stream. */
export function sameTracks<T>(a: readonly T[], b: readonly T[]): boolean {
	return a.length === b.length && a.every((t) => b.includes(t));
}

/** LiveKit's TrackSource numbers, as in a participant's `canPublishSources`. */
const SOURCE_NUMBER = { camera: 1, microphone: 2, screen_share: 3 } as const;

/**
 * Whether the permissions LiveKit holds for me allow publishing from a source: in a listen-only
 * circle the server narrows `canPublishSources` to the camera for everyone but the holder [LK4];
 * an empty list allows every source.
 */
export function mayPublish(
	permissions: { canPublish: boolean; canPublishSources: readonly number[] } | undefined,
	source: keyof typeof SOURCE_NUMBER
): boolean {
	if (!permissions?.canPublish) return false;
	return permissions.canPublishSources.length === 0 || permissions.canPublishSources.includes(SOURCE_NUMBER[source]);
}

/** The loudest remote speaker LiveKit reports (speakers come loudest first), or null. */
export function loudestOther(speakers: readonly { identity: string }[], me: string): string | null {
	return speakers.find((s) => s.identity !== me)?.identity ?? null;
}
