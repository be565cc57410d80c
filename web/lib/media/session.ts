/**
 * The one media interface the live page talks to, with two backends: `P2PMedia` (a mesh of
 * RTCPeerConnections signalled over socket.io, for small rooms without a LiveKit server) and
 * `LiveKitMedia` (livekit-client, loaded only when the server answers `media.mode = 'livekit'`).
 *
 * What differs between them stays behind this interface: P2P connects to the people it is given
 * (`setPeers`) and ignores `setRoom`; LiveKit follows the room it is told (`setRoom`: a fresh token,
 * then a reconnect) and ignores `setPeers`, since the LiveKit room decides who is there.
 */
import type { Result } from '$shared/errors.ts';
import type { MediaToken } from '$shared/livekit.ts';
import type { ConnectionQuality, PeerState } from './participants.ts';
import type { MediaStatus } from './room-switch.ts';

export type { ConnectionQuality, MediaStatus, PeerState };

export type Permission = 'idle' | 'asking' | 'granted' | 'denied' | 'unavailable';

/**
 * What a person chose before joining (the device check, web/lib/media/DeviceCheck.svelte): which
 * camera and microphone, and whether each starts on. A device id that is gone by now is only a
 * preference: the browser's default is used instead.
 */
export interface MediaChoice {
	camera: boolean;
	microphone: boolean;
	videoDeviceId: string | null;
	audioDeviceId: string | null;
}

export interface RemotePeer {
	userId: string;
	/** Their camera (or screen) and microphone, null until something arrives. */
	stream: MediaStream | null;
	state: PeerState;
	/** Only LiveKit knows this. */
	quality?: ConnectionQuality;
}

export interface MediaSession {
	readonly mode: 'p2p' | 'livekit';
	readonly status: MediaStatus;
	/** Why the connection failed (status `failed`), for the person to read. */
	readonly error: string | null;
	readonly permission: Permission;
	/** My camera and microphone (null until allowed, or when denied). */
	readonly local: MediaStream | null;
	/** My own connection quality (LiveKit only). */
	readonly localQuality: ConnectionQuality | null;
	/** Everyone else whose media I receive, by user id. */
	readonly peers: ReadonlyMap<string, RemotePeer>;
	readonly micOn: boolean;
	readonly camOn: boolean;
	/** Audio only: for poor connections, no camera is sent (LiveKit also stops receiving cameras). */
	readonly audioOnly: boolean;
	/** The talking piece is with someone else and the circle listens: the microphone is held off. */
	readonly listening: boolean;
	readonly sharing: boolean;
	readonly devices: MediaDeviceInfo[];
	/** The loudest remote person right now, for the active-speaker highlight. */
	readonly activeSpeaker: string | null;

	/**
	 * Asks for camera and microphone; a refusal leaves us able to watch and listen. With a choice,
	 * those devices, and the camera or microphone left off as chosen (a camera chosen off is not
	 * even opened until it is turned on).
	 */
	start(choice?: MediaChoice): Promise<void>;
	/** P2P: connect to exactly these people. LiveKit: nothing (the room decides). */
	setPeers(userIds: string[]): void;
	/** LiveKit: follow me into this Hearth room (`main` or a group id). P2P: nothing (`setPeers` follows). */
	setRoom(room: string): void;
	toggleMic(): void;
	toggleCam(): void;
	setAudioOnly(on: boolean): void;
	setListening(listening: boolean): void;
	useDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void>;
	shareScreen(): Promise<void>;
	stopSharing(): void;
	/** Whether a room of this size is too big for this backend (only P2P has a cap). */
	overCap(roomSize: number): boolean;
	/** Decoded video frames per peer, for connection checks and tests. */
	stats(): Promise<Record<string, number>>;
	stop(): void;
}

/** A chosen device as a track constraint: `ideal`, so a device unplugged since falls back to the default. */
export function chosenDevice(deviceId: string | null | undefined): { deviceId?: ConstrainDOMString } {
	return deviceId ? { deviceId: { ideal: deviceId } } : {};
}

/** Asks the server for a LiveKit token for a Hearth room (the `media:token` socket event). */
export type TokenRequest = (room: string) => Promise<Result<MediaToken>>;
