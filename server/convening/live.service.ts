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
 */
import { randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import {
	CHAT_HISTORY,
	MAIN_ROOM,
	type ChatMessage,
	type ConveningPhase,
	type ConveningState,
	type JoinResult,
	type Reaction
} from '../../shared/live.ts';
import { can, type Role } from '../../shared/roles.ts';
import { iso, type Clock } from '../clock.ts';
import type { Db } from '../db/open.ts';
import { newId } from '../ids.ts';
import type { User } from '../auth/users.store.ts';
import type { RequireAccess } from '../cohorts/access.ts';
import { cohortsStore } from '../cohorts/cohorts.store.ts';
import { conveningsStore, type Convening } from '../cohorts/convenings.store.ts';
import { liveStore } from './live.store.ts';

interface Person {
	userId: string;
	name: string;
	role: Role;
	teamId: string | null;
	sockets: Set<string>;
	room: string;
	handRaisedAt: number | null;
}

interface Live {
	convening: Convening;
	phase: ConveningPhase;
	agendaIndex: number;
	agendaStartedAt: string | null;
	people: Map<string, Person>;
}

export interface LiveEvents {
	state(conveningId: string, state: ConveningState): void;
	chat(conveningId: string, message: ChatMessage): void;
	reaction(conveningId: string, reaction: { userId: string; reaction: Reaction; at: number }): void;
}

export function liveService(deps: { db: Db; clock: Clock; requireAccess: RequireAccess; events: LiveEvents }) {
	const { db, clock, requireAccess, events } = deps;
	const store = liveStore(db);
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
				// [CV3] Nobody is connected to a freshly loaded convening.
				await store.closeOpenSpans(conveningId, iso(clock.now()));
				return {
					convening,
					phase: row?.phase ?? 'scheduled',
					agendaIndex: row?.agendaIndex ?? -1,
					agendaStartedAt: row?.agendaStartedAt ?? null,
					people: new Map()
				};
			})();
			lives.set(conveningId, p);
			p.catch(() => lives.delete(conveningId));
		}
		return p;
	}

	function stateOf(live: Live): ConveningState {
		const c = live.convening;
		const roster = [...live.people.values()].map((p) => ({
			userId: p.userId,
			name: p.name,
			role: p.role,
			teamId: p.teamId,
			connected: p.sockets.size > 0,
			room: p.room,
			handRaisedAt: p.handRaisedAt
		}));
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
			serverNow: clock.now()
		};
	}

	const announce = (live: Live) => events.state(live.convening.id, stateOf(live));

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

	async function saveLive(live: Live): Promise<void> {
		await store.save(
			live.convening.id,
			{ phase: live.phase, agendaIndex: live.agendaIndex, agendaStartedAt: live.agendaStartedAt },
			iso(clock.now())
		);
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
				const member = (await cohorts.members(convening.cohortId)).find((m) => m.userId === user.id);
				person = {
					userId: user.id,
					name: user.name,
					role,
					teamId: member?.teamId ?? null,
					sockets: new Set(),
					room: MAIN_ROOM,
					handRaisedAt: null
				};
				live.people.set(user.id, person);
			}
			person.role = role;
			if (person.sockets.size === 0) await store.joined(newId(), conveningId, user.id, iso(clock.now())); // [CV3]
			person.sockets.add(socketId);
			socketConvening.set(socketId, { conveningId, userId: user.id });
			announce(live);
			return {
				state: stateOf(live),
				me: { userId: user.id, role, room: person.room, canSpeak: role !== 'observer' },
				chat: await store.chat(conveningId, person.room, CHAT_HISTORY)
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
			if (person.sockets.size === 0) {
				person.handRaisedAt = null;
				await store.left(at.conveningId, at.userId, iso(clock.now()));
			}
			announce(live);
		},

		async setPhase(socketId: string, phase: ConveningPhase): Promise<void> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			live.phase = phase;
			await saveLive(live); // [CV2]
			announce(live);
		},

		async advanceAgenda(socketId: string, index: number): Promise<void> {
			const { live, person } = await current(socketId);
			requireFacilitator(person);
			if (index >= live.convening.agenda.length) throw new AppError(ErrorCode.BadRequest, 'There is no such agenda item.');
			live.agendaIndex = index;
			live.agendaStartedAt = iso(clock.now());
			await saveLive(live);
			announce(live);
		},

		async raiseHand(socketId: string): Promise<void> {
			const { live, person } = await current(socketId);
			requireParticipant(person);
			person.handRaisedAt ??= clock.now();
			announce(live);
		},

		async lowerHand(socketId: string, userId?: string): Promise<void> {
			const { live, person } = await current(socketId);
			const target = userId && userId !== person.userId ? live.people.get(userId) : person;
			if (target !== person) requireFacilitator(person); // [CV4]
			if (!target) throw new AppError(ErrorCode.NotFound);
			target.handRaisedAt = null;
			announce(live);
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

		/** The attendance CSV for facilitators: one row per span. */
		async attendanceCsv(user: User, cohortId: string, conveningId: string): Promise<string> {
			await requireAccess(user.id, cohortId, 'convening.manage');
			if (!(await convenings.byId(cohortId, conveningId))) throw new AppError(ErrorCode.NotFound);
			const rows = await store.attendance(conveningId);
			const cell = (v: string | null) => {
				const s = v ?? '';
				// Quote every cell; neutralise leading characters spreadsheets would run as formulas.
				const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
				return `"${safe.replaceAll('"', '""')}"`;
			};
			const lines = [['name', 'email', 'joined_at', 'left_at', 'minutes'].map(cell).join(',')];
			for (const r of rows) {
				const minutes = r.left_at ? Math.round((Date.parse(r.left_at) - Date.parse(r.joined_at)) / 60_000) : null;
				lines.push([r.name, r.email, r.joined_at, r.left_at, minutes === null ? '' : String(minutes)].map(cell).join(','));
			}
			return lines.join('\r\n') + '\r\n';
		},

		/** The state as a member would receive it (tests, and the page's first render). */
		async snapshot(conveningId: string): Promise<ConveningState | undefined> {
			const live = await lives.get(conveningId);
			return live && stateOf(live);
		}
	};
}

export type LiveService = ReturnType<typeof liveService>;
