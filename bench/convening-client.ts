/**
 * A load generator for the convening benchmark: a share of the participants, each a socket.io
 * client as the web app connects it (websocket transport, the session cookie on the handshake,
 * no reconnection), all in this one process.
 *
 * Facilitators set their convening's phase and, at a time the driver gives on the shared clock,
 * open or close a round. Members record when their `room:changed` arrives (into their group when a
 * round opens, back to the main room when it closes) and when the first `convening:state` showing
 * the change does; the driver sets those times against the facilitator's send time.
 */
import type { Result } from '../shared/errors.ts';
import { MAIN_ROOM, type ConveningState, type JoinResult, type RoundView } from '../shared/live.ts';
import { SESSION_COOKIE } from '../shared/session.ts';
import { currentState, openSocket, request, type ClientSocket } from '../tests/helpers/sockets.ts';
import { servePeer } from './lib/ipc.ts';
import {
	sharedClock,
	type ConveningClientCommands,
	type FacilitatorRequest,
	type MemberArrival,
	type Participant,
	type Traffic
} from './lib/protocol.ts';
import { cpuMs } from './lib/report.ts';
import { withDeadline } from './lib/wait.ts';

interface Client {
	who: Participant;
	conveningId: string;
	socket: ClientSocket;
	facilitator: boolean;
	/** The room the last room:changed named. */
	room: string;
	arrival: MemberArrival | undefined;
}

const clients: Client[] = [];
let now: () => number = () => 0;
let started: { cpu: NodeJS.CpuUsage; at: number } | undefined;
let disconnects = 0;
let stopping = false;
/** The round action under way: what members wait for, and the facilitators' requests. */
let pending: { action: 'open' | 'close'; requests: Promise<FacilitatorRequest>[]; timer: NodeJS.Timeout | undefined } | undefined;
let wrongRoom = 0;
const traffic: Traffic = { messages: 0, chars: 0, states: 0, stateChars: 0 };
let changed: () => void = () => {};

const describe = (r: Result<unknown>) => (r.ok ? null : `${r.error.code}: ${r.error.message}`);

function arrived(c: Client): boolean {
	return !Number.isNaN(c.arrival?.movedAt ?? NaN) && !Number.isNaN(c.arrival?.stateAt ?? NaN);
}

function watch(c: Client): void {
	// Every socket.io message, as its engine.io packet: '2["event",…]' (an ack is '3…').
	c.socket.io.engine.on('packet', ({ type, data }) => {
		if (type !== 'message' || typeof data !== 'string') return;
		traffic.messages++;
		traffic.chars += data.length;
		if (data.startsWith('2["convening:state"') || data.startsWith('2["convening:presence"')) {
			traffic.states++;
			traffic.stateChars += data.length;
		}
	});
	c.socket.on('room:changed', ({ room }) => {
		const at = now();
		c.room = room;
		const a = c.arrival;
		if (!a || !pending || !Number.isNaN(a.movedAt)) return;
		if (pending.action === 'open' ? room !== MAIN_ROOM : room === MAIN_ROOM) {
			a.movedAt = at;
			changed();
		}
	});
	c.socket.on('convening:state', (state: ConveningState) => {
		const at = now();
		const a = c.arrival;
		if (!a || !pending || !Number.isNaN(a.stateAt)) return;
		if (pending.action === 'open' ? state.round === null : state.round !== null) return;
		a.stateAt = at;
		if (state.round) {
			const group = state.round.groups.find((g) => g.memberIds.includes(c.who.userId));
			if (!group || group.id !== c.room) wrongRoom++;
		} else if (c.room !== MAIN_ROOM) wrongRoom++;
		changed();
	});
	c.socket.on('disconnect', (reason) => {
		if (stopping) return;
		disconnects++;
		console.error(`participant ${c.who.userId}: disconnected (${reason})`);
	});
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) await task(items[next++]!);
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function stopAll(): void {
	stopping = true;
	clearTimeout(pending?.timer);
	for (const c of clients.splice(0)) c.socket.disconnect();
}

servePeer<ConveningClientCommands>(
	{
		async connect({ url, base, people, conveningIds, concurrency, timeoutMs }) {
			now = sharedClock(base);
			started ??= { cpu: process.cpuUsage(), at: now() };
			const perSocketMs: number[] = [];
			const failures: string[] = [];
			await withDeadline(
				pool(people, concurrency, async (who) => {
					const t = now();
					const conveningId = conveningIds[who.convening]!;
					try {
						const socket = await openSocket(url, `${SESSION_COOKIE}=${who.token}`);
						const c: Client = {
							who,
							conveningId,
							socket,
							facilitator: false,
							room: MAIN_ROOM,
							arrival: undefined
						};
						clients.push(c);
						watch(c);
						const r = await request<JoinResult>(socket, 'convening:join', { conveningId });
						if (!r.ok) return void failures.push(`join: ${describe(r)}`);
						c.facilitator = r.data.me.role === 'facilitator';
						c.room = r.data.me.room;
						perSocketMs.push(now() - t);
					} catch (err) {
						failures.push(`connect: ${err instanceof Error ? err.message : String(err)}`);
					}
				}),
				timeoutMs,
				'every participant to connect and join'
			);
			return { perSocketMs, failures };
		},

		traffic() {
			return { ...traffic };
		},

		views() {
			// The state each client holds (its join answer with every announcement since applied in order).
			return clients.map((c) => ({
				convening: c.who.convening,
				connected: currentState(c.socket)?.roster.filter((p) => p.connected).length ?? 0
			}));
		},

		async phase({ phase }) {
			const failures: string[] = [];
			await Promise.all(
				clients
					.filter((c) => c.facilitator)
					.map(async (c) => {
						const error = describe(await request(c.socket, 'convening:phase', { phase }));
						if (error) failures.push(`phase: ${error}`);
					})
			);
			return { failures };
		},

		round({ action, at, open }) {
			if (pending) throw new Error('collect the previous round first');
			for (const c of clients) c.arrival = c.facilitator ? undefined : { convening: c.who.convening, movedAt: NaN, stateAt: NaN };
			const facilitators = clients.filter((c) => c.facilitator);
			const requests: Promise<FacilitatorRequest>[] = [];
			let fire: () => void = () => {};
			const due = new Promise<void>((resolve) => (fire = resolve));
			for (const c of facilitators) {
				requests.push(
					due.then(async (): Promise<FacilitatorRequest> => {
						const sentAt = now();
						try {
							const r =
								action === 'open'
									? await request<RoundView>(c.socket, 'round:open', open)
									: await request(c.socket, 'round:close', { mode: 'now' });
							const groupSizes = r.ok && action === 'open' ? (r.data as RoundView).groups.map((g) => g.memberIds.length) : [];
							return { convening: c.who.convening, sentAt, ackAt: now(), error: describe(r), groupSizes };
						} catch (err) {
							// No ack within request()'s 10 s.
							const error = `round:${action}: ${err instanceof Error ? err.message : String(err)}`;
							return { convening: c.who.convening, sentAt, ackAt: NaN, error, groupSizes: [] };
						}
					})
				);
			}
			pending = { action, requests, timer: setTimeout(() => fire(), Math.max(0, at - now())) };
			return null;
		},

		async collect({ timeoutMs }) {
			const p = pending;
			if (!p) throw new Error('no round under way');
			const members = clients.filter((c) => !c.facilitator);
			const everyone = new Promise<void>((resolve) => {
				changed = () => {
					if (members.every(arrived)) resolve();
				};
				changed();
			});
			let timer: NodeJS.Timeout | undefined;
			const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
			const wrongBefore = wrongRoom;
			// request() gives up on an ack after 10 s, so the requests settle in bounded time too.
			const [requests] = await Promise.all([Promise.all(p.requests), Promise.race([everyone, deadline])]).finally(() => {
				clearTimeout(timer);
				changed = () => {};
				pending = undefined;
			});
			return {
				requests,
				arrivals: members.map((c) => c.arrival ?? { convening: c.who.convening, movedAt: NaN, stateAt: NaN }),
				wrongRoom: wrongRoom - wrongBefore,
				traffic: { ...traffic }
			};
		},

		results() {
			if (!started) throw new Error('connect first');
			return {
				cpuMs: cpuMs(process.cpuUsage(started.cpu)),
				wallMs: now() - started.at,
				rssBytes: process.memoryUsage.rss(),
				disconnects,
				sockets: clients.length
			};
		},

		stop() {
			stopAll();
			setTimeout(() => process.exit(0), 50).unref();
			return null;
		}
	},
	stopAll
);
