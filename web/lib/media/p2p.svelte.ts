/**
 * Peer-to-peer video for small rooms, signalled over the live convening's socket: one
 * RTCPeerConnection per other person in the same room (a mesh), using the "perfect negotiation"
 * pattern so either side may (re)negotiate without glare: the person with the smaller user id is
 * the polite peer. Without a LiveKit server this is how a single-machine install has video.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { MediaConfig, MediaSignal } from '$shared/live.ts';
import { chosenDevice, type MediaChoice, type MediaSession, type Permission, type RemotePeer } from './session.ts';

type Send = (to: string, data: MediaSignal) => Promise<unknown>;

/** How long a signalled connection may take to connect before it is started over. */
const STUCK_AFTER_MS = 12_000;

class PeerLink {
	readonly pc: RTCPeerConnection;
	/** This side's name for the connection; the other side's, once heard. */
	readonly sid = Math.random().toString(36).slice(2, 12);
	remoteSid: string | null = null;
	readonly createdAt = Date.now();
	#makingOffer = false;
	#ignoreOffer = false;

	constructor(
		readonly userId: string,
		readonly polite: boolean,
		config: RTCConfiguration,
		private readonly send: Send,
		private readonly onChange: (peer: PeerLink) => void
	) {
		this.pc = new RTCPeerConnection(config);
		this.pc.onnegotiationneeded = async () => {
			try {
				this.#makingOffer = true;
				await this.pc.setLocalDescription();
				const d = this.pc.localDescription;
				if (d && (d.type === 'offer' || d.type === 'answer')) await this.send(this.userId, { type: d.type, sid: this.sid, sdp: d.sdp });
			} catch {
				// A failed negotiation is retried by the next negotiationneeded or the other side's offer.
			} finally {
				this.#makingOffer = false;
			}
		};
		this.pc.onicecandidate = ({ candidate }) => {
			const c = candidate?.toJSON();
			void this.send(this.userId, {
				type: 'candidate',
				sid: this.sid,
				candidate: c ? { candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null } : null
			});
		};
		this.pc.ontrack = ({ track, streams }) => {
			this.stream = streams[0] ?? this.stream ?? new MediaStream();
			if (!this.stream.getTracks().includes(track)) this.stream.addTrack(track);
			this.onChange(this);
		};
		this.pc.onconnectionstatechange = () => {
			// A connection that failed gets a fresh negotiation with an ICE restart.
			if (this.pc.connectionState === 'failed') this.pc.restartIce();
			this.onChange(this);
		};
	}

	stream: MediaStream | null = null;

	async receive(data: MediaSignal): Promise<void> {
		if (data.type === 'candidate') {
			try {
				await this.pc.addIceCandidate(data.candidate ?? undefined);
			} catch (err) {
				if (!this.#ignoreOffer) throw err;
			}
			return;
		}
		const collision = data.type === 'offer' && (this.#makingOffer || this.pc.signalingState !== 'stable');
		this.#ignoreOffer = !this.polite && collision;
		if (this.#ignoreOffer) return;
		await this.pc.setRemoteDescription({ type: data.type, sdp: data.sdp });
		if (data.type === 'offer') {
			await this.pc.setLocalDescription();
			const d = this.pc.localDescription;
			if (d && d.type === 'answer') await this.send(this.userId, { type: 'answer', sid: this.sid, sdp: d.sdp });
		}
	}

	close(): void {
		this.pc.close();
	}
}

export class P2PMedia implements MediaSession {
	readonly mode = 'p2p';
	/** Each peer has its own connection state; the session as a whole is always up. */
	readonly status = 'connected';
	readonly error = null;
	readonly localQuality = null;
	permission = $state<Permission>('idle');
	/** The camera and microphone stream (null until allowed, or when denied). */
	local = $state.raw<MediaStream | null>(null);
	micOn = $state(true);
	camOn = $state(true);
	/** Audio only: for poor connections, no camera is sent. */
	audioOnly = $state(false);
	/** The talking piece is with someone else and the circle listens: the microphone is held off. */
	listening = $state(false);
	sharing = $state(false);
	peers = new SvelteMap<string, RemotePeer>();
	devices = $state.raw<MediaDeviceInfo[]>([]);
	/** The loudest remote person right now, for the active-speaker highlight. */
	activeSpeaker = $state<string | null>(null);

	// Private bookkeeping, never rendered: what the page shows is `peers`.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#links = new Map<string, PeerLink>();
	#camera: MediaStreamTrack | null = null;
	#openingCamera = false;
	/** The stream every track is sent as, so the other side sees one stream per person. */
	#outgoing: MediaStream | null = null;
	/** The devices chosen in the device check, also used when the camera is opened later. */
	#chosen: MediaChoice | undefined;
	#audio: AudioContext | undefined;
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#meters = new Map<string, AnalyserNode>();
	#watchdog: ReturnType<typeof setInterval> | undefined;
	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- per-person queues of incoming signals, never rendered
	#inbox = new Map<string, Promise<void>>();
	#meterTimer: ReturnType<typeof setInterval> | undefined;

	constructor(
		private readonly me: string,
		private readonly config: MediaConfig,
		private readonly send: Send
	) {}

	/** Asks for camera and microphone; a refusal leaves us able to watch and listen. */
	async start(choice?: MediaChoice): Promise<void> {
		if (this.permission === 'asking' || this.permission === 'granted') return;
		if (choice) {
			this.micOn = choice.microphone;
			this.camOn = choice.camera;
			this.#chosen = choice;
		}
		this.permission = 'asking';
		const audio = { ...chosenDevice(this.#chosen?.audioDeviceId) };
		try {
			// A camera chosen off is not opened (its light stays off) until it is turned on.
			const stream = await this.#ask(audio, this.camOn && !this.audioOnly ? this.#cameraConstraints() : false);
			this.#attach(stream);
			this.permission = 'granted';
		} catch (err) {
			const name = err instanceof DOMException ? err.name : '';
			this.permission = name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'unavailable';
		}
		await this.refreshDevices();
	}

	/** Camera and microphone, or the microphone alone when there is no camera to be had. */
	async #ask(audio: MediaTrackConstraints, video: MediaTrackConstraints | false): Promise<MediaStream> {
		try {
			return await navigator.mediaDevices.getUserMedia({ audio, video });
		} catch (err) {
			const missing = err instanceof DOMException && (err.name === 'NotFoundError' || err.name === 'NotReadableError');
			if (!video || !missing) throw err;
			return navigator.mediaDevices.getUserMedia({ audio });
		}
	}

	#cameraConstraints(): MediaTrackConstraints {
		return { width: 640, height: 360, ...chosenDevice(this.#chosen?.videoDeviceId) };
	}

	/** Opens the camera when it is first wanted (the person joined with it off, or audio only). */
	async #openCamera(): Promise<void> {
		if (this.#openingCamera || this.#camera || !this.local || this.permission !== 'granted') return;
		this.#openingCamera = true;
		try {
			const track = (await navigator.mediaDevices.getUserMedia({ video: this.#cameraConstraints() })).getVideoTracks()[0];
			if (!track) return;
			if (!this.local) {
				track.stop(); // stopped meanwhile
				return;
			}
			this.#camera = track;
			track.enabled = this.camOn && !this.audioOnly;
			this.local = new MediaStream([...this.local.getTracks(), track]);
			for (const link of this.#links.values()) this.#sendTracks(link);
		} catch {
			// Refused or no camera: stay with the microphone; the tile shows initials.
		} finally {
			this.#openingCamera = false;
		}
	}

	#attach(stream: MediaStream): void {
		this.local = stream;
		this.#outgoing = stream;
		this.#camera = stream.getVideoTracks()[0] ?? null;
		this.#applyMic();
		for (const link of this.#links.values()) this.#sendTracks(link);
	}

	#sendTracks(link: PeerLink): void {
		if (!this.local) return;
		const senders = link.pc.getSenders();
		for (const track of this.local.getTracks()) {
			const same = senders.find((s) => s.track?.kind === track.kind);
			if (same) void same.replaceTrack(track);
			// Always with the first stream: a camera opened later then arrives in the same remote stream as the microphone.
			else link.pc.addTrack(track, this.#outgoing ?? this.local);
		}
	}

	async refreshDevices(): Promise<void> {
		try {
			this.devices = await navigator.mediaDevices.enumerateDevices();
		} catch {
			this.devices = [];
		}
	}

	/** Connects to exactly these people (everyone else in my room), within the participant cap. */
	setPeers(userIds: string[]): void {
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup, not state
		const wanted = new Set(userIds.filter((id) => id !== this.me));
		for (const [id, link] of this.#links) {
			if (wanted.has(id)) continue;
			link.close();
			this.#links.delete(id);
			this.peers.delete(id);
			this.#meters.delete(id);
		}
		for (const id of wanted) if (!this.#links.has(id)) this.#newLink(id);
	}

	#newLink(id: string): PeerLink {
		const link = new PeerLink(id, this.me < id, { iceServers: this.config.iceServers }, this.send, (l) => this.#changed(l));
		this.#links.set(id, link);
		this.#watchdog ??= setInterval(() => this.#unstick(), 5000);
		this.peers.set(id, { userId: id, stream: null, state: 'new' });
		// Whoever has tracks offers them (negotiationneeded); the other side answers.
		this.#sendTracks(link);
		return link;
	}

	/** Who I connect to follows `setPeers` (the roster of my room), not the room's name. */
	setRoom(): void {}

	/** Whether this room is over the peer-to-peer cap (video then needs a LiveKit server). */
	overCap(roomSize: number): boolean {
		return roomSize > this.config.maxParticipants;
	}

	#changed(link: PeerLink): void {
		const previous = this.peers.get(link.userId);
		this.peers.set(link.userId, { userId: link.userId, stream: link.stream, state: link.pc.connectionState });
		if (link.stream && link.stream !== previous?.stream) this.#meter(link.userId, link.stream);
	}

	/**
	 * Signals from one person are handled strictly one after another: a candidate that overtook the
	 * offer it belongs to (whose remote description is still being applied) would be dropped, and
	 * the connection would stay "new" for ever.
	 */
	receive(from: string, data: MediaSignal): Promise<void> {
		const next = (this.#inbox.get(from) ?? Promise.resolve()).then(() => this.#receive(from, data));
		this.#inbox.set(from, next);
		void next.finally(() => {
			if (this.#inbox.get(from) === next) this.#inbox.delete(from);
		});
		return next;
	}

	async #receive(from: string, data: MediaSignal): Promise<void> {
		let link = this.#links.get(from);
		if (!link) return;
		if (link.remoteSid !== null && link.remoteSid !== data.sid) {
			// The other side started a new connection (it dropped ours, for example while rooms changed):
			// start over too, rather than renegotiating a connection that no longer exists there.
			if (data.type !== 'offer') return;
			link.close();
			link = this.#newLink(from);
		}
		link.remoteSid = data.sid;
		try {
			await link.receive(data);
		} catch {
			// A stale candidate or description after a renegotiation: the next exchange repairs it.
		}
	}

	toggleMic(): void {
		this.micOn = !this.micOn;
		this.#applyMic();
	}

	setListening(listening: boolean): void {
		this.listening = listening;
		this.#applyMic();
	}

	#applyMic(): void {
		for (const t of this.local?.getAudioTracks() ?? []) t.enabled = this.micOn && !this.listening;
	}

	toggleCam(): void {
		this.camOn = !this.camOn;
		if (this.#camera) this.#camera.enabled = this.camOn && !this.audioOnly;
		else if (this.camOn && !this.audioOnly) void this.#openCamera();
	}

	setAudioOnly(on: boolean): void {
		this.audioOnly = on;
		if (this.#camera) this.#camera.enabled = this.camOn && !on;
		else if (this.camOn && !on) void this.#openCamera();
	}

	/** Switches camera or microphone to another device, keeping every connection. */
	async useDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
		try {
			const stream = await navigator.mediaDevices.getUserMedia(
				kind === 'audioinput' ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId } } }
			);
			const track = stream.getTracks()[0];
			if (!track || !this.local) return;
			const old = this.local.getTracks().find((t) => t.kind === track.kind);
			if (old) {
				this.local.removeTrack(old);
				old.stop();
			}
			this.local.addTrack(track);
			if (track.kind === 'video') this.#camera = track;
			this.local = new MediaStream(this.local.getTracks());
			this.#applyMic();
			for (const link of this.#links.values()) this.#sendTracks(link);
		} catch {
			await this.refreshDevices();
		}
	}

	/** Shares the screen in place of the camera until the person stops it. */
	async shareScreen(): Promise<void> {
		try {
			const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
			const screen = display.getVideoTracks()[0];
			if (!screen) return;
			this.sharing = true;
			for (const link of this.#links.values()) {
				const sender = link.pc.getSenders().find((s) => s.track?.kind === 'video');
				if (sender) void sender.replaceTrack(screen);
				else link.pc.addTrack(screen, display);
			}
			screen.onended = () => this.stopSharing();
		} catch {
			this.sharing = false;
		}
	}

	stopSharing(): void {
		this.sharing = false;
		for (const link of this.#links.values()) {
			const sender = link.pc.getSenders().find((s) => s.track?.kind === 'video');
			if (sender) void sender.replaceTrack(this.#camera);
		}
	}

	/** Decoded video frames per peer (from getStats), for connection checks and tests. */
	async stats(): Promise<Record<string, number>> {
		const out: Record<string, number> = {};
		for (const [id, link] of this.#links) {
			let frames = 0;
			(await link.pc.getStats()).forEach((r: { type: string; kind?: string; framesDecoded?: number }) => {
				if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded ?? 0;
			});
			out[id] = frames;
		}
		return out;
	}

	#meter(userId: string, stream: MediaStream): void {
		if (!stream.getAudioTracks().length || typeof AudioContext === 'undefined') return;
		this.#audio ??= new AudioContext();
		try {
			const analyser = this.#audio.createAnalyser();
			analyser.fftSize = 512;
			this.#audio.createMediaStreamSource(stream).connect(analyser);
			this.#meters.set(userId, analyser);
		} catch {
			return;
		}
		this.#meterTimer ??= setInterval(() => {
			let best: string | null = null;
			let loudest = 0.02;
			const data = new Float32Array(512);
			for (const [id, a] of this.#meters) {
				a.getFloatTimeDomainData(data);
				const rms = Math.sqrt(data.reduce((sum, v) => sum + v * v, 0) / data.length);
				if (rms > loudest) [best, loudest] = [id, rms];
			}
			this.activeSpeaker = best;
		}, 300);
	}

	/**
	 * A connection that both sides have signalled but that is still not connected after a while is
	 * started over (a new id tells the other side to start over too). Only the impolite side does
	 * it, so the two never reset each other in turn.
	 */
	#unstick(): void {
		for (const [id, link] of this.#links) {
			const stuck = link.pc.connectionState === 'new' || link.pc.connectionState === 'connecting' || link.pc.connectionState === 'failed';
			if (!stuck || link.polite || link.remoteSid === null || Date.now() - link.createdAt < STUCK_AFTER_MS) continue;
			link.close();
			this.#links.delete(id);
			this.#newLink(id);
		}
	}

	stop(): void {
		clearInterval(this.#watchdog);
		for (const link of this.#links.values()) link.close();
		this.#links.clear();
		this.peers.clear();
		for (const t of this.local?.getTracks() ?? []) t.stop();
		this.local = null;
		clearInterval(this.#meterTimer);
		void this.#audio?.close();
	}
}
