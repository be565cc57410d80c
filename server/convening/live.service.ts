/**
 * The live convening, held in memory per convening and authoritative for everyone in it.
 *
 * - [CV1] Only members of the convening's cohort may join; members and observers only while it is
 *   open or live, facilitators at any time. Observers follow along read-only.
 * - [CV2] What must survive a restart (phase, agenda position, attendance, chat) is written before
 *   it is announced; presence and raised hands are live-only and rebuilt as people reconnect.
 * - [CV3] Attendance records a span per person from their first connection to their last
 *   disconnection; spans left open by a crash are closed when the convening is loaded again.
 * - [CV4] Hands are kept in the order raised; a person may lower their own, a facilitator anyone's.
 * - [BR1] Opening a round computes the groups (shared/grouping.ts), stores the round, its groups,
 *   deadline and every assignment in one transaction, makes each group's board, then moves everyone.
 * - [BR2] One minute before the deadline everyone is warned; at the deadline (or at the end of a
 *   one-minute wind-down, or at once when closed now) everyone returns to the main room.
 * - [BR3] Extending moves the deadline (and cancels a wind-down); moving a person changes their
 *   group at once; a facilitator may visit any group and come back.
 * - [BR4] A late joiner goes into the group with most room (or waits to be placed in manual and
 *   self-select rounds); someone reconnecting lands back in their group.
 * - [BR5] A restart mid-round resumes the same round with the same deadline; a deadline that passed
 *   while the server was down closes the round when the convening loads.
 * - [CC1] In a circle round each group passes a talking piece (shared/circle.ts); only the holder
 *   may say done or pass; facilitators skip and reorder; leaving hands the piece on, rejoining puts
 *   the person back at the end. Every change is stored before it is announced.
 *
 * With scale-out this service runs, for a given convening, only on the instance holding the
 * convening's lease (live.cluster.ts forwards everyone else's requests to it):
 * - [SC3] `resume` loads a convening whose previous holder went away (its timers resume as after a
 *   restart [BR5]); `unload` drops one whose lease was lost: its timers are cancelled and nothing
 *   scheduled on it fires afterwards. A timer firing while the lease's term has run out does nothing
 *   (the convening is dropped a moment later, and whoever holds it next fires it).
 * - [SC4] Attendance spans survive a handover: with `resumeGraceMs`, loading does not close open
 *   spans at once; people who come back within the grace keep their span, and the spans of those
 *   who did not are closed when it ends [CV3].
 */
import { randomBytes } from 'node:crypto';
import { csvRow } from '../../shared/csv.ts';
import * as circles from '../../shared/circle.ts';
import { assignGroups, GroupingError, placeLateJoiner, type GroupingMode } from '../../shared/grouping.ts';
import { templateById } from '../../shared/templates.ts';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import type { z } from 'zod';
import {
	CHAT_HISTORY,
	MAIN_ROOM,
	WARNING_MS,
	WIND_DOWN_MS,
	type roundOpenPayload,
	type RoundView,
	type ChatMessage,
	type ConveningPhase,
	type ConveningState,
	type JoinResult,
	type MediaConfig,
	type PresenceChange,
	type Reaction
} from '../../shared/live.ts';
import { can, type Role } from '../../shared/roles.ts';
import { iso, type Clock, type Scheduler } from '../clock.ts';
import type { Db } from '../db/open.ts';
import { newId } from '../ids.ts';
import type { User } from '../auth/users.store.ts';
import type { RequireAccess } from '../cohorts/access.ts';
import { cohortsStore } from '../cohorts/cohorts.store.ts';
import { conveningsStore, type Convening } from '../cohorts/convenings.store.ts';
import { liveStore } from './live.store.ts';
import { roundsStore, type StoredRound } from './rounds.store.ts';
import type { BoardsService } from '../boards/boards.service.ts';
import type { MediaRooms } from '../media/livekit.ts';

interface Person {
	userId: string;
	name: string;
	role: Role;
	teamId: string | null;
	sockets: Set<string>;
	room: string;
	/** A facilitator visiting a group. */
	visiting: string | null;
	handRaisedAt: number | null;
}

interface Live {
	convening: Convening;
	phase: ConveningPhase;
	agendaIndex: number;
	agendaStartedAt: string | null;
	people: Map<string, Person>;
	round: StoredRound | null;
	cancelTimers: (() => void)[];
	/** Unloaded (scale-out: the lease was lost); nothing may be scheduled on it any more. */
	dropped: boolean;
	/** [CV5] This loading's id, and the number of the last announcement made in it. */
	epoch: string;
	version: number;
}

export interface LiveEvents {
	state(conveningId: string, state: ConveningState): void;
	/** One roster entry changed [CV5]. */
	presence(conveningId: string, change: PresenceChange): void;
	/** [CV5] Puts a socket in the convening's rooms (the convening's and its chat room's) before it is answered. */
	subscribe(conveningId: string, socketId: string, room: string): void;
	/** Takes a socket out of the convening's rooms. */
	unsubscribe(conveningId: string, socketId: string, room: string): void;
	chat(conveningId: string, message: ChatMessage): void;
	reaction(conveningId: string, reaction: { userId: string; reaction: Reaction; at: number }): void;
	/** Sockets moved between rooms: switch their chat room and send them its history. */
	moved(conveningId: string, socketIds: string[], from: string, to: string, chat: ChatMessage[]): void;
	broadcast(conveningId: string, message: { from: string; body: string; at: string }): void;
	warning(conveningId: string, warning: { roundId: string; closesAt: string }): void;
}

export function liveService(deps: {
	db: Db;
	clock: Clock;
	scheduler: Scheduler;
	requireAccess: RequireAccess;
	boards: BoardsService;
	events: LiveEvents;
	/** What clients need to set up video: peer-to-peer ICE servers and cap, or LiveKit. */
	mediaConfig: MediaConfig;
	/** Media hook: LiveKit rooms follow rounds and circles [LK3][LK4]; absent or a no-op without LiveKit. */
	media?: MediaRooms;
	random?: () => number;
	/** How long a wind-down lasts (WIND_DOWN_SECONDS); one minute by default. */
	windDownMs?: number | undefined;
	/** Scale-out: keep attendance spans open this long after loading, for people re-joining [SC4]. */
	resumeGraceMs?: number | undefined;
	/** Scale-out: whether this instance still holds the convening's lease; a timer of one it does not hold does nothing [SC3]. */
	holds?: ((conveningId: string) => boolean) | undefined;
}) {
	const { db, clock, scheduler, requireAccess, events } = deps;
	const random = deps.random ?? Math.random;
	const windDownMs = deps.windDownMs ?? WIND_DOWN_MS;
	// A timer may act on a convening only while it is loaded here and (scale-out) its lease is held.
	const mayAct = (live: Live) => !live.dropped && (deps.holds?.(live.convening.id) ?? true);
	const store = liveStore(db);
	const rounds = roundsStore(db);
	const convenings = conveningsStore(db);
	const cohorts = cohortsStore(db);
	const lives = new Map<string, Promise<Live>>();
	const socketConvening = new Map<string, { conveningId: string; userId: string }>();
	let chatSeq = 0;

	async function conveningById(conveningId: string): Promise<Convening> {
		const row = await db.kysely.selectFrom('convenings').select('cohort_id').where('id', '=', conveningId).executeTakeFirst();
		const c = row && (await convenings.byId(row.cohort_id, conveningId));
		if (!c) throw new AppError(ErrorCode.NotFound);
		return c;
	}

	function load(conveningId: string, convening: Convening): Promise<Live> {
		let p = lives.get(conveningId);
		if (!p) {
			p = (async () => {
				const row = await store.get(conveningId);
				// [CV3] Nobody is connected to a freshly loaded convening. [SC4] After a handover, people
				// connected through other instances are: their spans close only if they do not come back.
				if (deps.resumeGraceMs === undefined) await store.closeOpenSpans(conveningId, iso(clock.now()));
				const live: Live = {
					convening,
					phase: row?.phase ?? 'scheduled',
					agendaIndex: row?.agendaIndex ?? -1,
					agendaStartedAt: row?.agendaStartedAt ?? null,
					people: new Map(),
					round: (await rounds.current(conveningId)) ?? null,
					cancelTimers: [],
					dropped: false,
					epoch: newId(),
					version: 0
				};
				if (deps.resumeGraceMs !== undefined) {
					scheduler.at(clock.now() + deps.resumeGraceMs, () => {
						if (live.dropped) return;
						const here = [...live.people.values()].filter((p) => p.sockets.size > 0).map((p) => p.userId);
						store.closeOpenSpansExcept(conveningId, here, iso(clock.now())).catch(() => {});
					});
				}
				// [BR5] Resume the round's timers; one whose time passed closes now.
				if (live.round) schedule(live);
				return live;
			})();
			lives.set(conveningId, p);
			p.catch(() => lives.delete(conveningId));
		}
		return p;
	}

	const rosterEntry = (p: Person) => ({
		userId: p.userId,
		name: p.name,
		role: p.role,
		teamId: p.teamId,
		connected: p.sockets.size > 0,
		room: p.room,
		handRaisedAt: p.handRaisedAt
	});

	function stateOf(live: Live): ConveningState {
		const c = live.convening;
		const roster = [...live.people.values()].map(rosterEntry);
		roster.sort((a, b) => a.name.localeCompare(b.name));
		return {
			conveningId: c.id,
			cohortId: c.cohortId,
			title: c.title,
			startsAt: c.startsAt,
			durationMinutes: c.durationMinutes,
			phase: live.phase,
			agenda: {
				items: c.agenda.map((a) => ({ title: a.title, durationMinutes: a.durationMinutes })),
				index: live.agendaIndex,
				startedAt: live.agendaStartedAt
			},
			roster,
			round: roundView(live),
			serverNow: clock.now(),
			epoch: live.epoch,
			version: live.version
		};
	}

	function roundView(live: Live): RoundView | null {
		const r = live.round;
		if (!r || r.status === 'closed') return null;
		const now = clock.now();
		return {
			id: r.id,
			kind: r.kind,
			prompt: r.prompt,
			status: r.status,
			openedAt: r.openedAt,
			deadlineAt: r.deadlineAt,
			closesAt: r.closesAt,
			groups: r.groups.map((g) => ({
				id: g.id,
				name: g.name,
				boardId: g.boardId,
				keeperId: g.keeperId,
				memberIds: [...r.assignments].filter(([, gid]) => gid === g.id).map(([uid]) => uid),
				circle: g.circle
					? {
							...circles.progress(g.circle, now),
							phase: g.circle.phase,
							status: g.circle.status,
							order: [...g.circle.order],
							turnEndsAt: g.circle.turnEndsAt
						}
					: null
			})),
			unassigned: [...r.assignments].filter(([, gid]) => gid === null).map(([uid]) => uid),
			cap: r.options.cap,
			listenOnly: r.options.listenOnly,
			turnLimitMs: r.options.turnLimitMs
		};
	}

	/** The room a person belongs in now: their group during a round, a visited group, or the main room. */
	function roomFor(live: Live, person: Person): string {
		const r = live.round;
		if (r && r.status !== 'closed') {
			const gid = r.assignments.get(person.userId);
			if (gid) return gid;
			if (person.visiting && r.groups.some((g) => g.id === person.visiting)) return person.visiting;
		}
		return MAIN_ROOM;
	}

	/** Moves each person whose room changed, switching their sockets' chat room. */
	async function relocate(live: Live): Promise<void> {
		// One read of each room's history, however many people move into it.
		const histories = new Map<string, Promise<ChatMessage[]>>();
		const history = (room: string) => {
			let h = histories.get(room);
			if (!h) histories.set(room, (h = store.chat(live.convening.id, room, CHAT_HISTORY)));
			return h;
		};
		for (const person of live.people.values()) {
			const to = roomFor(live, person);
			if (to === person.room) continue;
			const from = person.room;
			person.room = to;
			if (person.sockets.size) events.moved(live.convening.id, [...person.sockets], from, to, await history(to));
		}
	}

	function schedule(live: Live): void {
		for (const cancel of live.cancelTimers.splice(0)) cancel();
		const r = live.round;
		if (!r || r.status === 'closed' || live.dropped) return;
		const closeAt = Date.parse(r.status === 'closing' && r.closesAt ? r.closesAt : r.deadlineAt);
		if (r.status === 'open' && Date.parse(r.deadlineAt) - WARNING_MS > clock.now()) {
			live.cancelTimers.push(
				scheduler.at(Date.parse(r.deadlineAt) - WARNING_MS, () => {
					if (mayAct(live)) events.warning(live.convening.id, { roundId: r.id, closesAt: r.deadlineAt });
				})
			);
		}
		live.cancelTimers.push(
			scheduler.at(closeAt, () => {
				if (live.round?.id !== r.id || !mayAct(live)) return;
				closeRound(live).catch(() => {});
			})
		);
	}

	async function closeRound(live: Live): Promise<void> {
		const r = live.round;
		if (!r) return;
		for (const cancel of live.cancelTimers.splice(0)) cancel();
		r.status = 'closed';
		r.closedAt = iso(clock.now());
		await rounds.setTimes(r.id, { status: r.status, deadlineAt: r.deadlineAt, closesAt: r.closesAt, closedAt: r.closedAt });
		live.round = null;
		// media hook [LK3]: the groups' LiveKit rooms go away.
		const closedGroups = r.groups.map((g) => g.id);
		deps.media?.roundClosed(live.convening.id, closedGroups);
		for (const p of live.people.values()) p.visiting = null;
		await relocate(live);
		announce(live);
	}

	function activeRound(live: Live): StoredRound {
		if (!live.round || live.round.status === 'closed') throw new AppError(ErrorCode.Conflict, 'No breakout round is open.');
		return live.round;
	}

	const CIRCLE_MESSAGES: Record<circles.CircleErrorCode, string> = {
		not_holder: 'Only the person holding the talking piece can do that.',
		not_started: 'The circle has not started yet.',
		already_started: 'The circle has already started.',
		complete: 'Everyone has had their turn in this circle.',
		unknown_participant: 'That person is not in this circle.',
		already_member: 'That person is already in this circle.',
		already_finished: 'That person has already had their turn.',
		invalid_order: 'The order must list everyone in the circle once.',
		nobody_present: 'Nobody in this group is here yet.',
		already_checkout: 'The check-out round has already begun.'
	};

	/** Applies a circle change to a group, stores it, and announces it [CC1]. */
	async function changeCircle(live: Live, groupId: string, change: (c: circles.CircleState) => circles.CircleResult): Promise<void> {
		const r = activeRound(live);
		const group = r.groups.find((g) => g.id === groupId);
		if (!group?.circle) throw new AppError(ErrorCode.NotFound, 'That group has no circle.');
		const result = change(group.circle);
		if (!result.ok)
			throw new AppError(result.code === 'not_holder' ? ErrorCode.Forbidden : ErrorCode.Conflict, CIRCLE_MESSAGES[result.code]);
		if (result.state === group.circle) return;
		const holderBefore = group.circle.holder; // media hook [LK4]
		group.circle = result.state;
		await rounds.setCircle(group.id, group.circle);
		mediaSpeaker(live, group.id, holderBefore); // media hook [LK4]
		announce(live);
	}

	/** Media hook [LK4]: tells the media layer a circle's holder changed (in listen-only circles only they speak). */
	function mediaSpeaker(live: Live, groupId: string, holderBefore: string | null): void {
		const r = live.round;
		const circle = r?.groups.find((g) => g.id === groupId)?.circle;
		if (!deps.media || !r || !circle || circle.holder === holderBefore) return;
		const memberIds = [...r.assignments].filter(([, gid]) => gid === groupId).map(([uid]) => uid);
		deps.media.speakerChanged(live.convening.id, groupId, circle.holder, memberIds, r.options.listenOnly);
	}

	/** The group a circle action means: the one named (facilitators), else the actor's own. */
	function circleGroup(live: Live, person: Person, groupId: string | undefined): string {
		const r = activeRound(live);
		if (groupId && groupId !== r.assignments.get(person.userId)) {
			requireFacilitator(person);
			return groupId;
		}
		const own = r.assignments.get(person.userId) ?? (person.visiting && can(person.role, 'convening.manage') ? person.visiting : null);
		if (!own) throw new AppError(ErrorCode.Conflict, 'You are not in a group.');
		return own;
	}

	/** Places someone joining mid-round [BR4]; true when the round changed (their group, or their circle). */
	async function placeLate(live: Live, person: Person): Promise<boolean> {
		const r = live.round;
		if (!r || r.status === 'closed' || person.role !== 'member') return false;
		const groupId = r.assignments.get(person.userId);
		if (groupId !== undefined) {
			const group = r.groups.find((g) => g.id === groupId);
			if (group?.circle) {
				const back = circles.rejoin(group.circle, person.userId);
				if (back.ok && back.state !== group.circle) {
					group.circle = back.state;
					await rounds.setCircle(group.id, group.circle);
					return true;
				}
			}
			return false;
		}
		const mode = r.grouping as { kind?: string };
		let target: string | null = null;
		if (mode.kind !== 'manual' && mode.kind !== 'self-select' && r.groups.length) {
			const members = r.groups.map((g) => ({ memberIds: [...r.assignments].filter(([, gid]) => gid === g.id).map(([uid]) => uid) }));
			const index = placeLateJoiner(members, person.userId);
			target = index >= 0 ? r.groups[index]!.id : null;
		}
		await assign(live, person.userId, target);
		return true;
	}

	/** Stores an assignment and keeps circles in step: out of the old group's, into the new one's. */
	async function assign(live: Live, userId: string, groupId: string | null): Promise<void> {
		const r = activeRound(live);
		const from = r.assignments.get(userId) ?? null;
		await rounds.assign(r.id, userId, groupId);
		r.assignments.set(userId, groupId);
		const now = clock.now();
		const old = r.groups.find((g) => g.id === from);
		if (old?.circle && from !== groupId) {
			const left = circles.leave(old.circle, userId, now);
			if (left.ok) {
				const holderBefore = old.circle.holder; // media hook [LK4]
				old.circle = left.state;
				await rounds.setCircle(old.id, old.circle);
				mediaSpeaker(live, old.id, holderBefore); // media hook [LK4]
			}
		}
		const next = r.groups.find((g) => g.id === groupId);
		if (next?.circle && from !== groupId) {
			const joined = next.circle.order.includes(userId) ? circles.rejoin(next.circle, userId) : circles.join(next.circle, userId);
			if (joined.ok) {
				const holderBefore = next.circle.holder; // media hook [LK4]
				next.circle = joined.state;
				await rounds.setCircle(next.id, next.circle);
				mediaSpeaker(live, next.id, holderBefore); // media hook [LK4]
			}
		}
	}

	/** [CV5] The whole state, after a change beyond one person's presence. */
	const announce = (live: Live) => {
		live.version++;
		events.state(live.convening.id, stateOf(live));
	};
	/** [CV5] One person's roster entry, after they arrived, left, or raised or lowered a hand: O(1) per receiver. */
	const announcePresence = (live: Live, person: Person) => {
		live.version++;
		events.presence(live.convening.id, {
			conveningId: live.convening.id,
			epoch: live.epoch,
			version: live.version,
			entry: rosterEntry(person)
		});
	};

	/** The live convening a socket is in, with the acting person; NotOpen when it never joined. */
	async function current(socketId: string): Promise<{ live: Live; person: Person }> {
		const at = socketConvening.get(socketId);
		if (!at) throw new AppError(ErrorCode.NotOpen, 'Join the convening first.');
		const live = await lives.get(at.conveningId)!;
		const person = live.people.get(at.userId);
		if (!person) throw new AppError(ErrorCode.NotOpen, 'Join the convening first.');
		return { live, person };
	}

	function requireFacilitator(person: Person): void {
		if (!can(person.role, 'convening.manage')) throw new AppError(ErrorCode.Forbidden);
	}
	function requireParticipant(person: Person): void {
		if (person.role === 'observer') throw new AppError(ErrorCode.ReadOnly);
	}

	/** [CV2][ST2] Stores the phase and agenda position, and only then takes them: a refused save changes nothing. */
	async function saveLive(live: Live, next: Partial<Pick<Live, 'phase' | 'agendaIndex' | 'agendaStartedAt'>>): Promise<void> {
		const saved = { phase: live.phase, agendaIndex: live.agendaIndex, agendaStartedAt: live.agendaStartedAt, ...next };
		await store.save(live.convening.id, saved, iso(clock.now()));
		Object.assign(live, saved);
	}

	return {
		async join(user: User, socketId: string, conveningId: string): Promise<JoinResult> {
			const convening = await conveningById(conveningId);
			const role = await requireAccess(user.id, convening.cohortId, 'convening.view'); // [CV1]
			if (convening.status === 'cancelled') throw new AppError(ErrorCode.NotOpen, 'This convening was cancelled.');
			const live = await load(conveningId, convening);
			if (role !== 'facilitator' && live.phase !== 'open' && live.phase !== 'live') throw new AppError(ErrorCode.NotOpen);
			// A socket is in one convening at a time.
			if (socketConvening.get(socketId)?.conveningId !== conveningId) await this.leave(socketId);
			let person = live.people.get(user.id);
			if (!person) {
				const member = await cohorts.membership(convening.cohortId, user.id);
				person = {
					userId: user.id,
					name: user.name,
					role,
					teamId: member?.teamId ?? null,
					sockets: new Set(),
					room: MAIN_ROOM,
					visiting: null,
					handRaisedAt: null
				};
				live.people.set(user.id, person);
			}
			person.role = role;
			// [CV3] A span per presence; [SC4] after a handover, the span someone already has goes on.
			if (person.sockets.size === 0 && !(deps.resumeGraceMs !== undefined && (await store.hasOpenSpan(conveningId, user.id))))
				await store.joined(newId(), conveningId, user.id, iso(clock.now()));
			person.sockets.add(socketId);
			socketConvening.set(socketId, { conveningId, userId: user.id });
			// [BR4] Back to their group, or placed if they arrive mid-round.
			const roundChanged = await placeLate(live, person);
			person.room = roomFor(live, person);
			// [CV5] In the rooms before anything is announced, so nothing announced from here on is missed;
			// the answer is made last, and the client replays over it whatever arrived first.
			events.subscribe(conveningId, socketId, person.room);
			if (roundChanged) announce(live);
			else announcePresence(live, person);
			const chat = await store.chat(conveningId, person.room, CHAT_HISTORY);
			return {
				state: stateOf(live),
				me: { userId: user.id, role, room: person.room, canSpeak: role !== 'observer' },
				chat,
				media: deps.mediaConfig
			};
		},

		/** A socket leaves (explicitly or by disconnecting). The last one closes the attendance span. */
		async leave(socketId: string): Promise<void> {
			const at = socketConvening.get(socketId);
			if (!at) return;
			socketConvening.delete(socketId);
			const live = await lives.get(at.conveningId);
			const person = live?.people.get(at.userId);
			if (!live || !person) return;
			person.sockets.delete(socketId);
			events.unsubscribe(at.conveningId, socketId, person.room);
			let circleChanged = false;
			if (person.sockets.size === 0) {
				person.handRaisedAt = null;
				await store.left(at.conveningId, at.userId, iso(clock.now()));
				// A circle does not wait for someone who has gone: the piece moves on.
				const r = live.round;
				const group = r && r.status !== 'closed' ? r.groups.find((g) => g.id === r.assignments.get(at.userId)) : undefined;
				if (group?.circle) {
					const left = circles.leave(group.circle, at.userId, clock.now());
					if (left.ok && left.state !== group.circle) {
						const holderBefore = group.circle.holder; // media hook [LK4]
						group.circle = left.state;
						await rounds.setCircle(group.id, group.circle);
						mediaSpeaker(live, group.id, holderBefore); // media hook [LK4]
						circleChanged = true;
					}
				}
			}
			if (circleChanged) announce(live);
			else announcePresence(live, person);
		},

		async setPhase(socketId: string, phase: ConveningPhase): Promise<void> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			await saveLive(live, { phase }); // [CV2]
			announce(live);
		},

		async advanceAgenda(socketId: string, index: number): Promise<void> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			if (index >= live.convening.agenda.length) throw new AppError(ErrorCode.BadRequest, 'There is no such agenda item.');
			await saveLive(live, { agendaIndex: index, agendaStartedAt: iso(clock.now()) });
			announce(live);
		},

		async raiseHand(socketId: string): Promise<void> {
			const { live, person } = await current(socketId);
			requireParticipant(person);
			person.handRaisedAt ??= clock.now();
			announcePresence(live, person);
		},

		async lowerHand(socketId: string, userId?: string): Promise<void> {
			const { live, person } = await current(socketId);
			const target = userId && userId !== person.userId ? live.people.get(userId) : person;
			if (target !== person) requireFacilitator(person); // [CV4]
			if (!target) throw new AppError(ErrorCode.NotFound);
			target.handRaisedAt = null;
			announcePresence(live, target);
		},

		async react(socketId: string, reaction: Reaction): Promise<void> {
			const { live, person } = await current(socketId);
			requireParticipant(person);
			events.reaction(live.convening.id, { userId: person.userId, reaction, at: clock.now() });
		},

		async chat(socketId: string, body: string): Promise<ChatMessage> {
			const { live, person } = await current(socketId);
			requireParticipant(person);
			const at = iso(clock.now());
			// Ids sort in sending order even when the clock does not move between messages.
			const id = `${at}#${String(chatSeq++).padStart(9, '0')}#${randomBytes(4).toString('hex')}`;
			const message: ChatMessage = { id, room: person.room, userId: person.userId, name: person.name, body, at };
			await store.addChat(live.convening.id, message); // [CV2]
			events.chat(live.convening.id, message);
			return message;
		},

		/** [BR1] Opens a breakout round and moves everyone to their group. */
		async openRound(socketId: string, input: z.infer<typeof roundOpenPayload>): Promise<RoundView> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			if (live.round && live.round.status !== 'closed')
				throw new AppError(ErrorCode.Conflict, 'A breakout round is already open. Close it first.');
			// Checked before anything is stored: a round must not open with groups left without boards.
			if (input.boardTemplate && !templateById(input.boardTemplate))
				throw new AppError(ErrorCode.BadRequest, 'Choose a board template from the list.');
			const c = live.convening;
			let mode: GroupingMode;
			if (input.grouping.kind === 'reuse') {
				const earlier = await rounds.byId(input.grouping.roundId);
				if (!earlier || earlier.cohortId !== c.cohortId) throw new AppError(ErrorCode.NotFound, 'That earlier round was not found.');
				mode = {
					kind: 'saved',
					groups: earlier.groups.map((g) => ({
						name: g.name,
						memberIds: [...earlier.assignments].filter(([, gid]) => gid === g.id).map(([uid]) => uid)
					}))
				};
			} else {
				mode = input.grouping;
			}
			// Members who are here are grouped; facilitators and observers stay in the main room.
			const participants = [...live.people.values()]
				.filter((p) => p.role === 'member' && p.sockets.size > 0)
				.map((p) => ({ id: p.userId, teamId: p.teamId }));
			const teams = await cohorts.teams(c.cohortId);
			let grouping;
			try {
				grouping = assignGroups({ participants, mode, teams, random });
			} catch (err) {
				if (err instanceof GroupingError) throw new AppError(ErrorCode.BadRequest, err.message);
				throw err;
			}
			const now = clock.now();
			const arrival = [...live.people.keys()];
			const circleOptions = input.circle ?? { order: 'random' as const, turnSeconds: null, listenOnly: true };
			const turnLimitMs = input.kind === 'circle' && circleOptions.turnSeconds ? circleOptions.turnSeconds * 1000 : null;
			const round: StoredRound = {
				id: newId(),
				conveningId: c.id,
				kind: input.kind,
				prompt: input.prompt,
				grouping: mode,
				status: 'open',
				openedAt: iso(now),
				deadlineAt: iso(now + input.durationMinutes * 60_000),
				closesAt: null,
				closedAt: null,
				options: {
					turnLimitMs,
					listenOnly: input.kind === 'circle' && circleOptions.listenOnly,
					cap: mode.kind === 'self-select' ? mode.cap : null
				},
				groups: grouping.groups.map((g, position) => ({
					id: newId(),
					position,
					name: g.name,
					boardId: null,
					keeperId: null,
					circle:
						input.kind === 'circle'
							? circleOptions.order === 'random'
								? circles.createCircle(g.memberIds, { order: 'random', random, turnLimitMs })
								: // "By join": in the order people arrived in the convening.
									circles.createCircle(
										arrival.filter((id) => g.memberIds.includes(id)),
										{ order: 'join', turnLimitMs }
									)
							: null
				})),
				assignments: new Map()
			};
			grouping.groups.forEach((g, i) => g.memberIds.forEach((uid) => round.assignments.set(uid, round.groups[i]!.id)));
			for (const uid of grouping.unassigned) round.assignments.set(uid, null);
			await rounds.insert(round);
			// Each group's own board, editable by its members; it stays in the gallery afterwards.
			const actor = { id: person.userId, name: person.name, email: '', timeZone: null, createdAt: '' };
			const boards = await deps.boards.createMany(
				actor,
				c.cohortId,
				round.groups.map((g, i) => ({
					input: {
						title: `${round.prompt || c.title} · ${g.name}`.slice(0, 120),
						writePolicy: 'group',
						conveningId: c.id,
						groupId: g.id,
						...(input.boardTemplate ? { template: input.boardTemplate } : {})
					},
					memberIds: grouping.groups[i]!.memberIds
				}))
			);
			round.groups.forEach((g, i) => (g.boardId = boards[i]!.id));
			await rounds.setBoards(round.groups.map((g) => ({ groupId: g.id, boardId: g.boardId! })));
			live.round = round;
			schedule(live);
			// media hook [LK3]: each group gets its LiveKit room.
			const openedGroups = round.groups.map((g) => g.id);
			deps.media?.roundOpened(c.id, openedGroups);
			await relocate(live);
			announce(live);
			return roundView(live)!;
		},

		async broadcastToGroups(socketId: string, message: string): Promise<void> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			activeRound(live);
			events.broadcast(live.convening.id, { from: person.name, body: message, at: iso(clock.now()) });
		},

		async extendRound(socketId: string, minutes: number): Promise<void> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			const r = activeRound(live);
			const base = Math.max(Date.parse(r.deadlineAt), clock.now());
			r.deadlineAt = iso(base + minutes * 60_000);
			r.status = 'open';
			r.closesAt = null;
			await rounds.setTimes(r.id, { status: r.status, deadlineAt: r.deadlineAt, closesAt: null, closedAt: null });
			schedule(live);
			announce(live);
		},

		async closeRound(socketId: string, mode: 'now' | 'wind-down'): Promise<void> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			const r = activeRound(live);
			if (mode === 'now') return closeRound(live);
			r.status = 'closing';
			r.closesAt = iso(Math.min(clock.now() + windDownMs, Date.parse(r.deadlineAt)));
			await rounds.setTimes(r.id, { status: r.status, deadlineAt: r.deadlineAt, closesAt: r.closesAt, closedAt: null });
			schedule(live);
			events.warning(live.convening.id, { roundId: r.id, closesAt: r.closesAt });
			announce(live);
		},

		async moveToGroup(socketId: string, userId: string, groupId: string): Promise<void> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			const r = activeRound(live);
			if (!r.groups.some((g) => g.id === groupId)) throw new AppError(ErrorCode.NotFound, 'That group does not exist.');
			const target = live.people.get(userId);
			if (!target || target.role !== 'member') throw new AppError(ErrorCode.NotFound, 'That person is not here as a member.');
			await assign(live, userId, groupId);
			await relocate(live);
			announce(live);
		},

		async visit(socketId: string, groupId: string | null): Promise<void> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			const r = activeRound(live);
			if (groupId !== null && !r.groups.some((g) => g.id === groupId)) throw new AppError(ErrorCode.NotFound, 'That group does not exist.');
			person.visiting = groupId;
			await relocate(live);
			announce(live);
		},

		async choose(socketId: string, groupId: string): Promise<void> {
			const { live, person } = await current(socketId);
			requireParticipant(person);
			// Facilitators stay in the main room (they visit groups instead); only members choose.
			if (person.role !== 'member') throw new AppError(ErrorCode.Forbidden, 'Facilitators visit groups rather than join one.');
			const r = activeRound(live);
			if ((r.grouping as { kind?: string }).kind !== 'self-select')
				throw new AppError(ErrorCode.Forbidden, 'In this round the facilitator places people.');
			if (!r.groups.some((g) => g.id === groupId)) throw new AppError(ErrorCode.NotFound, 'That group does not exist.');
			const size = [...r.assignments.values()].filter((gid) => gid === groupId).length;
			if (r.assignments.get(person.userId) !== groupId && r.options.cap !== null && size >= r.options.cap) {
				throw new AppError(ErrorCode.Conflict, 'That group is full. Choose another.');
			}
			await assign(live, person.userId, groupId);
			await relocate(live);
			announce(live);
		},

		async circle(
			socketId: string,
			action: 'start' | 'done' | 'pass' | 'checkout' | 'skip' | 'reorder',
			args: { groupId?: string; userId?: string; order?: string[] }
		): Promise<void> {
			const { live, person } = await current(socketId);
			requireParticipant(person);
			const groupId = circleGroup(live, person, args.groupId);
			const now = clock.now();
			const keeper = live.round?.groups.find((g) => g.id === groupId)?.keeperId === person.userId;
			// A named keeper may skip in their own circle; reordering stays with facilitators.
			if (action === 'reorder' || (action === 'skip' && !keeper)) requireFacilitator(person);
			await changeCircle(live, groupId, (c) => {
				switch (action) {
					case 'start':
						return circles.start(c, now);
					case 'done':
						return circles.done(c, person.userId, now);
					case 'pass':
						return circles.pass(c, person.userId, now);
					case 'checkout': {
						const next = circles.startCheckout(c);
						return next.ok ? circles.start(next.state, now) : next;
					}
					case 'skip':
						return circles.skip(c, args.userId ?? '', now);
					case 'reorder':
						return circles.reorder(c, args.order ?? []);
				}
			});
		},

		/** Names a member of the group as its circle keeper (null: nobody). */
		async setKeeper(socketId: string, groupId: string, userId: string | null): Promise<void> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			const r = activeRound(live);
			const group = r.groups.find((g) => g.id === groupId);
			if (!group?.circle) throw new AppError(ErrorCode.NotFound, 'That group has no circle.');
			if (userId !== null && r.assignments.get(userId) !== groupId)
				throw new AppError(ErrorCode.BadRequest, 'The keeper must be in the group.');
			await rounds.setKeeper(groupId, userId);
			group.keeperId = userId;
			announce(live);
		},

		/**
		 * [MV2] Peer-to-peer signalling goes only between two connected people in the same room;
		 * answers the recipient's sockets.
		 */
		async signalTargets(socketId: string, to: string): Promise<{ from: string; sockets: string[] }> {
			const { live, person } = await current(socketId);
			const target = live.people.get(to);
			if (!target || target.sockets.size === 0 || target.userId === person.userId)
				throw new AppError(ErrorCode.NotFound, 'That person is not here.');
			if (target.room !== person.room) throw new AppError(ErrorCode.Forbidden, 'That person is in another room.');
			return { from: person.userId, sockets: [...target.sockets] };
		},

		/** The attendance CSV for facilitators: one row per span. */
		async attendanceCsv(user: User, cohortId: string, conveningId: string): Promise<string> {
			await requireAccess(user.id, cohortId, 'convening.manage');
			if (!(await convenings.byId(cohortId, conveningId))) throw new AppError(ErrorCode.NotFound);
			const rows = await store.attendance(conveningId);
			const lines = [csvRow(['name', 'email', 'joined_at', 'left_at', 'minutes'])];
			for (const r of rows) {
				const minutes = r.left_at ? Math.round((Date.parse(r.left_at) - Date.parse(r.joined_at)) / 60_000) : null;
				lines.push(csvRow([r.name, r.email, r.joined_at, r.left_at, minutes === null ? '' : String(minutes)]));
			}
			return lines.join('\r\n') + '\r\n';
		},

		/** The state as a member would receive it (tests, and the page's first render). */
		async snapshot(conveningId: string): Promise<ConveningState | undefined> {
			const live = await lives.get(conveningId);
			return live && stateOf(live);
		},

		/** [SC3] Loads a convening (if it is not) and resumes its timers: this instance now holds its lease. */
		async resume(conveningId: string): Promise<void> {
			await load(conveningId, await conveningById(conveningId));
		},

		/** [SC3] Drops a convening (its lease was lost): timers cancelled, its sockets forgotten. */
		async unload(conveningId: string): Promise<void> {
			const p = lives.get(conveningId);
			if (!p) return;
			lives.delete(conveningId);
			const live = await p.catch(() => undefined);
			if (!live) return;
			live.dropped = true;
			for (const cancel of live.cancelTimers.splice(0)) cancel();
			for (const [socketId, at] of socketConvening) if (at.conveningId === conveningId) socketConvening.delete(socketId);
		}
	};
}

export type LiveService = ReturnType<typeof liveService>;
