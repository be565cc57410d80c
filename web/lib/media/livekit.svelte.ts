/**
 * Video through a LiveKit server (`media.mode = 'livekit'`), behind the same `MediaSession` as the
 * peer-to-peer mesh. The live page loads this module with a dynamic import, so livekit-client is
 * only downloaded when the server has LiveKit configured.
 *
 * - Every Hearth room is its own LiveKit room: `setRoom` (the `room:changed` event) leaves, asks for
 *   a fresh token for the new room and connects again (room-switch.ts); the stage shows `moving`.
 * - Camera and microphone belong to this object, not to a LiveKit Room: they are made once by
 *   `start()`, published into each room we connect to, and survive moves (rooms are left with
 *   `disconnect(false)` and `stopLocalTrackOnUnpublish: false`), so a move asks for no permission.
 * - Tracks are published only where LiveKit's permissions allow the source: in a listen-only circle
 *   the server withdraws the microphone from everyone but the holder [LK4] (which unpublishes it);
 *   the microphone is republished when the permission comes back.
 * - Remote people are LiveKit participants, identity = Hearth user id; each gets one MediaStream of
 *   the tracks we receive from them (participants.ts), replaced whenever that set changes.
 */
import { SvelteMap } from 'svelte/reactivity';
import {
	createLocalTracks,
	createLocalVideoTrack,
	DisconnectReason,
	isRemoteParticipant,
	LocalAudioTrack,
	LocalVideoTrack,
	RemoteVideoTrack,
	Room,
	RoomEvent,
	Track,
	TrackEvent,
	type LocalTrack,
	type Participant,
	type RemoteParticipant,
	type RemoteTrackPublication
} from 'livekit-client';
import { loudestOther, mayPublish, peerTracks, qualityOf, sameTracks } from './participants.ts';
import { RoomSwitcher, type Connection } from './room-switch.ts';
import {
	chosenDevice,
	type ConnectionQuality,
	type MediaChoice,
	type MediaSession,
	type MediaStatus,
	type Permission,
	type RemotePeer,
	type TokenRequest
} from './session.ts';

const CAMERA = { resolution: { width: 640, height: 360 } };

/** One visit to one LiveKit room. Leaving keeps our camera and microphone running for the next. */
class Visit implements Connection {
	readonly room = new Room({ adaptiveStream: false, dynacast: true, stopLocalTrackOnUnpublish: false });

	connect(url: string, token: string): Promise<void> {
		return this.room.connect(url, token, { autoSubscribe: true });
	}

	disconnect(): Promise<void> {
		return this.room.disconnect(false);
	}
}

export class LiveKitMedia implements MediaSession {
	readonly mode = 'livekit';
	status = $state<MediaStatus>('idle');
	error = $state<string | null>(null);
	permission = $state<Permission>('idle');
	local = $state.raw<MediaStream | null>(null);
	localQuality = $state<ConnectionQuality | null>(null);
	peers = new SvelteMap<string, RemotePeer>();
	micOn = $state(true);
	camOn = $state(true);
	audioOnly = $state(false);
	listening = $state(false);
	sharing = $state(false);
	devices = $state.raw<MediaDeviceInfo[]>([]);
	activeSpeaker = $state<string | null>(null);

	#mic: LocalAudioTrack | null = null;
	#cam: LocalVideoTrack | null = null;
	#screen: LocalVideoTrack | null = null;
	#makingCamera = false;
	/** The devices chosen in the device check, also used when the camera is made later. */
	#chosen: MediaChoice | undefined;
	#stopped = false;
	/** Publishing is done one call after another, so a track is never published twice into a room. */
	#publishing: Promise<void> = Promise.resolve();
	readonly #switcher: RoomSwitcher<Visit>;

	constructor(
		private readonly me: string,
		token: TokenRequest
	) {
		this.#switcher = new RoomSwitcher<Visit>({
			token,
			open: () => this.#open(),
			joined: (visit) => this.#joined(visit),
			dropped: () => this.#forgetRoom(),
			status: (status, error) => {
				this.status = status;
				this.error = error;
			}
		});
	}

	/** Follows me into a Hearth room: a fresh token and a new LiveKit connection when it changes. */
	setRoom(room: string): void {
		this.#switcher.setRoom(room);
	}

	/** The LiveKit room decides who is there. */
	setPeers(): void {}

	/** A LiveKit server carries rooms of any size. */
	overCap(): boolean {
		return false;
	}

	#current(visit: Visit): boolean {
		return this.#switcher.connection === visit;
	}

	#open(): Visit {
		const visit = new Visit();
		const sync = (p: Participant) => {
			if (this.#current(visit) && isRemoteParticipant(p)) this.#syncPeer(p);
		};
		visit.room
			.on(RoomEvent.ParticipantConnected, sync)
			.on(RoomEvent.ParticipantDisconnected, (p) => {
				if (this.#current(visit)) this.peers.delete(p.identity);
			})
			.on(RoomEvent.TrackPublished, (pub) => {
				if (this.#current(visit)) this.#subscribeAsWanted(pub);
			})
			.on(RoomEvent.TrackSubscribed, (_t, _pub, p) => sync(p))
			.on(RoomEvent.TrackUnsubscribed, (_t, _pub, p) => sync(p))
			.on(RoomEvent.TrackUnpublished, (_pub, p) => sync(p))
			.on(RoomEvent.TrackMuted, (_pub, p) => sync(p))
			.on(RoomEvent.TrackUnmuted, (_pub, p) => sync(p))
			.on(RoomEvent.ConnectionQualityChanged, (quality, p) => {
				if (!this.#current(visit)) return;
				if (p === visit.room.localParticipant) this.localQuality = qualityOf(quality);
				else sync(p);
			})
			.on(RoomEvent.ActiveSpeakersChanged, (speakers) => {
				if (this.#current(visit)) this.activeSpeaker = loudestOther(speakers, this.me);
			})
			.on(RoomEvent.Reconnecting, () => this.#switcher.reconnecting(visit))
			.on(RoomEvent.SignalReconnecting, () => this.#switcher.reconnecting(visit))
			.on(RoomEvent.Reconnected, () => this.#switcher.reconnected(visit))
			.on(RoomEvent.Disconnected, (reason) => {
				// Someone opened Hearth's video with the same account elsewhere: reconnecting would throw them out in turn.
				if (reason === DisconnectReason.DUPLICATE_IDENTITY)
					this.#switcher.lost(visit, false, 'Your video was opened in another tab or window, so it was closed here.');
				else this.#switcher.lost(visit, true);
			})
			.on(RoomEvent.ParticipantPermissionsChanged, (_prev, p) => {
				// [LK4] The microphone may have come back (the talking piece is mine, or the circle ended).
				if (this.#current(visit) && p === visit.room.localParticipant) this.#publish(visit);
			})
			.on(RoomEvent.LocalTrackUnpublished, (pub) => {
				if (this.#current(visit) && pub.track && pub.track === this.#screen) this.stopSharing();
			})
			.on(RoomEvent.MediaDevicesChanged, () => void this.refreshDevices());
		return visit;
	}

	#joined(visit: Visit): void {
		const room = visit.room;
		this.peers.clear();
		for (const p of room.remoteParticipants.values()) {
			for (const pub of p.trackPublications.values()) this.#subscribeAsWanted(pub);
			this.#syncPeer(p);
		}
		this.localQuality = qualityOf(room.localParticipant.connectionQuality);
		this.activeSpeaker = loudestOther(room.activeSpeakers, this.me);
		this.#publish(visit);
	}

	#forgetRoom(): void {
		this.peers.clear();
		this.activeSpeaker = null;
		this.localQuality = null;
	}

	#syncPeer(p: RemoteParticipant): void {
		const next = peerTracks(p);
		const prev = this.peers.get(next.userId);
		const keep = prev?.stream && sameTracks(prev.stream.getTracks(), next.tracks);
		const stream = keep ? prev.stream : next.tracks.length ? new MediaStream(next.tracks) : null;
		this.peers.set(next.userId, { userId: next.userId, stream, state: next.state, quality: next.quality });
	}

	/** Audio only: cameras are not received either (screen shares still are). */
	#subscribeAsWanted(pub: RemoteTrackPublication): void {
		if (pub.source === Track.Source.Camera && pub.isDesired === this.audioOnly) pub.setSubscribed(!this.audioOnly);
	}

	#publish(visit: Visit): void {
		this.#publishing = this.#publishing.then(() => this.#publishNow(visit)).catch(() => undefined);
	}

	async #publishNow(visit: Visit): Promise<void> {
		const lp = visit.room.localParticipant;
		const mine: [LocalTrack | null, 'microphone' | 'camera' | 'screen_share'][] = [
			[this.#mic, 'microphone'],
			[this.#cam, 'camera'],
			[this.#screen, 'screen_share']
		];
		for (const [track, source] of mine) {
			if (!track || !this.#current(visit) || !mayPublish(lp.permissions, source)) continue;
			if ([...lp.trackPublications.values()].some((pub) => pub.track === track)) continue;
			try {
				await lp.publishTrack(track, { source: track.source });
			} catch {
				// The permission changed meanwhile, or the room is being left: the next join or permission change publishes it.
			}
		}
	}

	#published(track: LocalTrack | null): Visit | null {
		const visit = this.#switcher.connection;
		if (!visit || !track) return null;
		return [...visit.room.localParticipant.trackPublications.values()].some((pub) => pub.track === track) ? visit : null;
	}

	/** Asks for camera and microphone; a refusal leaves us able to watch and listen. */
	async start(choice?: MediaChoice): Promise<void> {
		if (this.permission === 'asking' || this.permission === 'granted') return;
		if (choice) {
			this.micOn = choice.microphone;
			this.camOn = choice.camera;
			this.#chosen = choice;
		}
		this.permission = 'asking';
		let tracks: LocalTrack[];
		try {
			// A camera chosen off is not opened until it is turned on (#applyCam makes it then).
			tracks = await createLocalTracks({
				audio: { ...chosenDevice(this.#chosen?.audioDeviceId) },
				video: this.camOn && !this.audioOnly ? this.#cameraOptions() : false
			});
		} catch (err) {
			const name = err instanceof DOMException || err instanceof Error ? err.name : '';
			this.permission = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'unavailable';
			await this.refreshDevices();
			return;
		}
		if (this.#stopped) {
			for (const t of tracks) t.stop();
			return;
		}
		for (const t of tracks) {
			if (t instanceof LocalAudioTrack) this.#mic = t;
			else if (t instanceof LocalVideoTrack) this.#cam = t;
			this.#watch(t);
		}
		this.permission = 'granted';
		await Promise.all([this.#applyMic(), this.#applyCam()]);
		this.#showLocal();
		await this.refreshDevices();
	}

	#cameraOptions() {
		return { ...CAMERA, ...chosenDevice(this.#chosen?.videoDeviceId) };
	}

	/** Keeps `local`, `micOn` and `camOn` true to the tracks (a facilitator may mute me; unmuting restarts a camera). */
	#watch(track: LocalTrack): void {
		track
			.on(TrackEvent.Restarted, () => this.#showLocal())
			.on(TrackEvent.Unmuted, () => this.#showLocal())
			.on(TrackEvent.Muted, () => {
				// Muted from outside (`media:mute`): show it, so unmuting is one click away.
				if (track === this.#mic && this.micOn && !this.listening) this.micOn = false;
				if (track === this.#cam && this.camOn && !this.audioOnly) this.camOn = false;
				this.#showLocal();
			});
	}

	/** My own tile: the camera while it is on, and the microphone. */
	#showLocal(): void {
		const tracks: MediaStreamTrack[] = [];
		if (this.#cam && !this.#cam.isMuted) tracks.push(this.#cam.mediaStreamTrack);
		if (this.#mic) tracks.push(this.#mic.mediaStreamTrack);
		if (this.local && sameTracks(this.local.getTracks(), tracks)) return;
		this.local = tracks.length ? new MediaStream(tracks) : null;
	}

	async refreshDevices(): Promise<void> {
		try {
			this.devices = await navigator.mediaDevices.enumerateDevices();
		} catch {
			this.devices = [];
		}
	}

	async #applyMic(): Promise<void> {
		const mic = this.#mic;
		if (!mic) return;
		const on = this.micOn && !this.listening;
		try {
			await (on ? mic.unmute() : mic.mute());
		} catch {
			return;
		}
		const visit = this.#switcher.connection;
		if (on && visit) this.#publish(visit);
	}

	async #applyCam(): Promise<void> {
		const on = this.camOn && !this.audioOnly;
		const cam = this.#cam;
		if (cam) {
			try {
				await (on ? cam.unmute() : cam.mute());
			} catch {
				// No camera any more: the tile shows initials.
			}
		} else if (on && this.permission === 'granted' && !this.#makingCamera) {
			// Started in audio-only: the camera is asked for when it is first wanted.
			this.#makingCamera = true;
			try {
				const made = await createLocalVideoTrack(this.#cameraOptions());
				if (this.#stopped) made.stop();
				else {
					this.#cam = made;
					this.#watch(made);
					if (!(this.camOn && !this.audioOnly)) await made.mute();
					const visit = this.#switcher.connection;
					if (visit) this.#publish(visit);
				}
			} catch {
				// Refused or no camera: stay with audio.
			} finally {
				this.#makingCamera = false;
			}
		}
		this.#showLocal();
	}

	toggleMic(): void {
		this.micOn = !this.micOn;
		void this.#applyMic();
	}

	/** Listen-only circle: the microphone is muted here, and (LiveKit) the server withdraws it too [LK4]. */
	setListening(listening: boolean): void {
		this.listening = listening;
		void this.#applyMic();
	}

	toggleCam(): void {
		this.camOn = !this.camOn;
		void this.#applyCam();
	}

	setAudioOnly(on: boolean): void {
		this.audioOnly = on;
		void this.#applyCam();
		const visit = this.#switcher.connection;
		for (const p of visit?.room.remoteParticipants.values() ?? [])
			for (const pub of p.trackPublications.values()) this.#subscribeAsWanted(pub);
	}

	/** Switches camera or microphone, keeping the connection (LiveKit replaces the published track). */
	async useDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
		const track = kind === 'audioinput' ? this.#mic : this.#cam;
		if (!track) return;
		try {
			const visit = this.#published(track);
			if (visit) await visit.room.switchActiveDevice(kind, deviceId);
			else await track.setDeviceId({ exact: deviceId });
			this.#showLocal();
		} catch {
			await this.refreshDevices();
		}
	}

	/** Shares the screen next to the camera, in the room I am in (and the next, after a move). */
	async shareScreen(): Promise<void> {
		const visit = this.#switcher.connection;
		if (!visit || this.#screen) return;
		try {
			const pub = await visit.room.localParticipant.setScreenShareEnabled(true, { audio: false });
			const screen = pub?.track;
			if (!(screen instanceof LocalVideoTrack)) return;
			this.#screen = screen;
			this.sharing = true;
			screen.on(TrackEvent.Ended, () => this.stopSharing());
		} catch {
			this.sharing = false;
		}
	}

	stopSharing(): void {
		const screen = this.#screen;
		this.#screen = null;
		this.sharing = false;
		if (!screen) return;
		const visit = this.#published(screen);
		if (visit) void visit.room.localParticipant.unpublishTrack(screen, true).catch(() => undefined);
		screen.stop();
	}

	/** Decoded video frames per participant (from the receivers' stats), for connection checks and tests. */
	async stats(): Promise<Record<string, number>> {
		const out: Record<string, number> = {};
		const visit = this.#switcher.connection;
		for (const p of visit?.room.remoteParticipants.values() ?? []) {
			let frames = 0;
			for (const pub of p.videoTrackPublications.values())
				if (pub.track instanceof RemoteVideoTrack) frames += (await pub.track.getReceiverStats())?.framesDecoded ?? 0;
			out[p.identity] = frames;
		}
		return out;
	}

	stop(): void {
		this.#stopped = true;
		this.#switcher.stop();
		for (const t of [this.#mic, this.#cam, this.#screen]) t?.stop();
		this.#mic = this.#cam = this.#screen = null;
		this.local = null;
		this.sharing = false;
		this.peers.clear();
	}
}
