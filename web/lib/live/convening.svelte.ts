/**
 * Client state of one live convening: wraps the socket.io connection and renders what the server
 * says. After every (re)connection it joins again and replaces its whole state with the answer,
 * so nothing depends on events missed while offline; between joins, whole states and presence
 * changes are applied in the server's order (shared/convening-mirror.ts), joining again on a gap.
 */
import { io, type Socket } from 'socket.io-client';
import { P2PMedia } from '$lib/media/p2p.svelte';
import type { MediaChoice, MediaSession } from '$lib/media/session';
import { m } from '$lib/i18n';
import { Announcer, circleEvents, circleIn } from './announcer.svelte';
import { ConveningMirror, type MirrorOutcome } from '$shared/convening-mirror.ts';
import type { Result } from '$shared/errors.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '$shared/events.ts';
import type { MediaToken } from '$shared/livekit.ts';
import type {
	ChatMessage,
	ConveningPhase,
	ConveningState,
	GroupView,
	JoinResult,
	Reaction,
	RoundOpenPayload,
	RoundView
} from '$shared/live.ts';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'refused';

export interface ShownReaction {
	key: number;
	name: string;
	reaction: Reaction;
}

export class LiveConvening {
	status = $state<ConnectionStatus>('connecting');
	/** Why the server refused us (not open yet, not a member, ...), shown instead of the room. */
	refusal = $state<string | null>(null);
	state = $state.raw<ConveningState | null>(null);
	me = $state.raw<JoinResult['me'] | null>(null);
	chat = $state<ChatMessage[]>([]);
	reactions = $state<ShownReaction[]>([]);
	/** The last action that failed, for a gentle notice. */
	notice = $state<string | null>(null);
	/** Server time minus local time, so timers agree with the server's. */
	clockOffset = $state(0);
	/** The room I am in: 'main' or my group's id (moves come from the server). */
	room = $state('main');
	/** Facilitators' messages to every group, newest last. */
	broadcasts = $state<{ from: string; body: string; at: string }[]>([]);
	/** Set when the round's last minute begins (warning or wind-down). */
	windingDown = $state(false);
	/** Video, once joined: peer-to-peer, or LiveKit when the server has it (null while LiveKit's code loads). */
	media = $state.raw<MediaSession | null>(null);
	mediaMax = $state(6);
	mediaScreenShare = $state<'facilitators' | 'everyone'>('facilitators');
	/** What the device check chose: the media session starts with it once the room is joined. */
	mediaChoice: MediaChoice | null = null;
	/** Captions of chat and circle events for the page's one polite live region. */
	readonly announcer = new Announcer();

	#socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
	#reactionKey = 0;
	#mirror = new ConveningMirror();
	#loadingMedia = false;
	/** A move into a group whose name the state has not brought yet: said once it has. */
	#movedTo: string | null = null;

	constructor(readonly conveningId: string) {}

	/** Hands held up, in the order raised. */
	hands = $derived((this.state?.roster ?? []).filter((p) => p.handRaisedAt !== null).sort((a, b) => a.handRaisedAt! - b.handRaisedAt!));
	isFacilitator = $derived(this.me?.role === 'facilitator');
	round = $derived<RoundView | null>(this.state?.round ?? null);
	/** My group in the current round, if I am in one (or visiting one). */
	group = $derived<GroupView | null>(this.round?.groups.find((g) => g.id === this.room) ?? null);
	/** Everyone connected in my room but me: who my video connects to. */
	roomPeers = $derived(
		(this.state?.roster ?? []).filter((p) => p.connected && p.room === this.room && p.userId !== this.me?.userId).map((p) => p.userId)
	);
	/** In a listen-only circle, the piece is with someone else: my microphone is held. */
	mustListen = $derived(
		!!this.round?.listenOnly &&
			!!this.group?.circle &&
			this.group.circle.status === 'open' &&
			this.group.circle.speaking !== this.me?.userId
	);
	nameOf = (userId: string) => this.state?.roster.find((p) => p.userId === userId)?.name ?? 'Someone';
	myHandUp = $derived(this.state?.roster.some((p) => p.userId === this.me?.userId && p.handRaisedAt !== null) ?? false);

	connect(): () => void {
		const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ transports: ['websocket'], reconnectionDelayMax: 5000 });
		this.#socket = socket;
		socket.on('connect', () => void this.#join());
		socket.on('disconnect', (reason) => {
			this.#mirror.reset();
			this.status = reason === 'io client disconnect' ? 'offline' : 'reconnecting';
		});
		socket.io.on('reconnect_attempt', () => (this.status = 'reconnecting'));
		socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
			if (err.data?.code === 'unauthenticated') {
				this.status = 'refused';
				this.refusal = 'Your sign-in has ended. Please sign in again.';
				socket.disconnect();
			} else {
				this.status = 'reconnecting';
			}
		});
		socket.on('convening:state', (s) => this.#mirrored(this.#mirror.fullState(s)));
		socket.on('convening:presence', (change) => this.#mirrored(this.#mirror.presence(change)));
		socket.on('chat:message', (msg) => {
			if (this.chat.some((c) => c.id === msg.id)) return;
			this.chat.push(msg);
			if (msg.userId !== this.me?.userId) this.announcer.say(m.announce_chat({ name: msg.name, body: msg.body }));
		});
		socket.on('room:changed', (change) => {
			this.room = change.room;
			this.chat = change.chat;
			this.#movedTo = change.room === 'main' ? null : change.room;
			this.#sayMove();
			// LiveKit: every room is its own LiveKit room, so video reconnects there with a fresh token.
			this.media?.setRoom(change.room);
		});
		socket.on('round:message', (msg) => {
			this.broadcasts.push(msg);
			this.announcer.say(m.announce_broadcast({ name: msg.from, body: msg.body }));
		});
		socket.on('round:warning', () => this.#windDown());
		socket.on('media:signal', (signal) => {
			if (this.media instanceof P2PMedia) void this.media.receive(signal.from, signal.data);
		});
		socket.on('reaction:shown', (r) => {
			const name = this.state?.roster.find((p) => p.userId === r.userId)?.name ?? '';
			const key = this.#reactionKey++;
			this.reactions.push({ key, name, reaction: r.reaction });
			setTimeout(() => (this.reactions = this.reactions.filter((x) => x.key !== key)), 4000);
		});
		return () => {
			this.media?.stop();
			this.media = null;
			socket.disconnect();
			this.#socket = undefined;
		};
	}

	async #join(): Promise<void> {
		const r = await this.#request<JoinResult>('convening:join', { conveningId: this.conveningId });
		if (!r.ok) {
			this.status = 'refused';
			this.refusal = r.error.message;
			return;
		}
		this.refusal = null;
		this.me = r.data.me;
		this.room = r.data.me.room;
		this.mediaMax = r.data.media.maxParticipants;
		this.mediaScreenShare = r.data.media.screenShare;
		if (!this.media && r.data.media.mode === 'p2p') {
			this.media = new P2PMedia(r.data.me.userId, r.data.media, (to, data) => this.#request('media:signal', { to, data }));
			this.#startMedia(this.media);
		} else if (!this.media && r.data.media.mode === 'livekit') {
			void this.#loadLiveKit(r.data.me.userId);
		}
		// After a reconnect we may be in another room than before (LiveKit ignores the same room).
		this.media?.setRoom(this.room);
		this.chat = r.data.chat;
		const outcome = this.#mirror.base(r.data.state);
		this.#setState(this.#mirror.state!);
		this.status = 'connected';
		if (outcome === 'resync') void this.#join();
	}

	/** After the mirror took an announcement: show it, or join again when one was missed. */
	#mirrored(outcome: MirrorOutcome): void {
		if (outcome === 'applied') this.#setState(this.#mirror.state!);
		else if (outcome === 'resync') void this.#join();
	}

	/** livekit-client is loaded only here, so peer-to-peer installs never download it. */
	async #loadLiveKit(userId: string): Promise<void> {
		if (this.#loadingMedia) return;
		this.#loadingMedia = true;
		try {
			const { LiveKitMedia } = await import('$lib/media/livekit.svelte');
			if (!this.#socket || this.media) return; // left the page meanwhile
			const media = new LiveKitMedia(userId, (room) => this.#request<MediaToken>('media:token', { room }));
			this.media = media;
			media.setRoom(this.room);
			this.#startMedia(media);
		} catch {
			this.notice = 'Video could not be loaded. Reload the page to try again.';
		} finally {
			this.#loadingMedia = false;
		}
	}

	/**
	 * Camera and microphone as chosen in the device check, as soon as there is a session. Nothing
	 * is asked when both were chosen off (the stage offers to turn them on), nor for observers.
	 */
	#startMedia(media: MediaSession): void {
		const choice = this.mediaChoice;
		if (choice && (choice.camera || choice.microphone) && this.me?.canSpeak) void media.start(choice);
	}

	/** The device check again, from the room: its choice applied to the running session. */
	async applyMediaChoice(choice: MediaChoice): Promise<void> {
		this.mediaChoice = choice;
		const media = this.media;
		if (!media) return;
		if (media.permission !== 'granted') return this.#startMedia(media);
		if (choice.audioDeviceId) await media.useDevice('audioinput', choice.audioDeviceId);
		if (choice.videoDeviceId && choice.camera) await media.useDevice('videoinput', choice.videoDeviceId);
		if (media.micOn !== choice.microphone) media.toggleMic();
		if (media.camOn !== choice.camera) media.toggleCam();
	}

	#windDown(): void {
		if (!this.windingDown) this.announcer.say(m.group_wind_down());
		this.windingDown = true;
	}

	#sayMove(): void {
		const group = this.#movedTo && this.state?.round?.groups.find((g) => g.id === this.#movedTo);
		if (!group) return;
		this.#movedTo = null;
		this.announcer.say(m.announce_moved({ group: group.name }));
	}

	#setState(s: ConveningState): void {
		// A presence change keeps the state's old serverNow: the offset is measured on whole states only.
		if (s.serverNow !== this.state?.serverNow) this.clockOffset = s.serverNow - Date.now();
		const before = this.state;
		if (!s.round) {
			this.windingDown = false;
			this.broadcasts = [];
		} else if (s.round.status === 'closing') {
			this.#windDown();
		}
		this.state = s;
		if (!before) return; // the first state after joining: nothing has happened yet
		if (before.round && !s.round) this.announcer.say(m.announce_back());
		this.#sayMove();
		const me = this.me?.userId ?? '';
		for (const e of circleEvents(circleIn(before, this.room), circleIn(s, this.room), me)) {
			if (e.kind === 'your-turn') this.announcer.say(m.announce_your_turn());
			else if (e.kind === 'holds') this.announcer.say(m.announce_holds({ name: this.nameOf(e.userId) }));
			else if (e.kind === 'passed') this.announcer.say(m.announce_passed({ name: this.nameOf(e.userId) }));
			else this.announcer.say(m.group_everyone());
		}
	}

	async #request<T = null>(event: keyof ClientToServerEvents, payload: unknown): Promise<Result<T>> {
		const socket = this.#socket;
		if (!socket?.connected) return { ok: false, error: { code: 'unavailable', message: 'Not connected right now. Trying again…' } };
		try {
			return (await (socket as unknown as Socket).timeout(10_000).emitWithAck(event, payload)) as Result<T>;
		} catch {
			return { ok: false, error: { code: 'unavailable', message: 'The server did not answer. Please try again.' } };
		}
	}

	async #act(event: keyof ClientToServerEvents, payload: unknown = {}): Promise<boolean> {
		const r = await this.#request(event, payload);
		this.notice = r.ok ? null : r.error.message;
		return r.ok;
	}

	/** If the room was refused (not open yet), try again: the facilitator may have opened it. */
	retry(): void {
		if (this.#socket?.connected) void this.#join();
		else this.#socket?.connect();
	}

	raiseHand = () => this.#act('hand:raise');
	lowerHand = (userId?: string) => this.#act('hand:lower', userId ? { userId } : {});
	react = (reaction: Reaction) => this.#act('reaction:send', { reaction });
	setPhase = (phase: ConveningPhase) => this.#act('convening:phase', { phase });
	advance = (index: number) => this.#act('agenda:advance', { index });
	say = (body: string) => this.#act('chat:send', { body });
	openRound = (payload: RoundOpenPayload) => this.#act('round:open', payload);
	broadcast = (message: string) => this.#act('round:broadcast', { message });
	extend = (minutes: number) => this.#act('round:extend', { minutes });
	closeRound = (mode: 'now' | 'wind-down') => this.#act('round:close', { mode });
	move = (userId: string, groupId: string) => this.#act('round:move', { userId, groupId });
	visit = (groupId: string | null) => this.#act('round:visit', { groupId });
	choose = (groupId: string) => this.#act('round:choose', { groupId });
	circle = (action: 'start' | 'done' | 'pass' | 'checkout', groupId?: string) => this.#act(`circle:${action}`, groupId ? { groupId } : {});
	setKeeper = (groupId: string, userId: string | null) => this.#act('circle:keeper', { groupId, userId });
	/** Facilitators, with LiveKit: mute someone's published microphone. */
	muteParticipant = (userId: string) => this.#act('media:mute', { userId });
	reorder = (groupId: string, order: string[]) => this.#act('circle:reorder', { groupId, order });
	skip = (userId: string, groupId?: string) => this.#act('circle:skip', groupId ? { userId, groupId } : { userId });
}
