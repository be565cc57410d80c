/**
 * Fuzzing the two realtime edges with generated bad input, against a real server on port 0:
 * every socket.io event (from shared/events.ts's list) and the board endpoint's Yjs frames.
 * A run prints its seed; `FUZZ_SEED=<seed> npx vitest run tests/integration/fuzz.test.ts` replays it.
 *
 * What must hold ([SIO3][SIO5][SIO6], [BL1]): the server stays up; every request that carries an
 * ack gets exactly one coded answer; rejected input changes nothing (the state a fresh join sees,
 * the stored rows, the board document and its log); a bystander keeps being served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CLIENT_EVENT_NAMES, type ClientEventName } from '../../shared/events.ts';
import { ErrorCode } from '../../shared/errors.ts';
import {
	agendaPayload,
	chatPayload,
	circleGroupPayload,
	circleKeeperPayload,
	circleReorderPayload,
	circleSkipPayload,
	handPayload,
	joinPayload,
	mediaSignalPayload,
	phasePayload,
	reactionPayload,
	roundBroadcastPayload,
	roundChoosePayload,
	roundClosePayload,
	roundExtendPayload,
	roundMovePayload,
	roundOpenPayload,
	roundVisitPayload,
	type ConveningState,
	type JoinResult,
	type RosterEntry,
	type RoundView
} from '../../shared/live.ts';
import { mediaMutePayload, mediaTokenPayload } from '../../shared/livekit.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import type { ManualClock } from '../../server/clock.ts';
import type { User } from '../../server/auth/users.store.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';
import { openSocket, request, type ClientSocket } from '../helpers/sockets.ts';
import { openRawSocketIo, type RawSocketIo } from '../helpers/raw-socketio.ts';
import { BAD_VALUES, fuzzSeed, logTable, paths, pick, randomBytes, RawJson, seededRandom, toJson, withAt } from '../helpers/fuzz.ts';
import { dbRows } from '../helpers/rows.ts';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import { BOARD_LIMITS } from '../../shared/board.ts';
import { CloseCode } from '../../shared/events.ts';
import { MessageType } from '../../server/boards/board-room.ts';
import type { Board } from '../../server/boards/boards.store.ts';
import { connectBoard, synced, until, type Client as YClient } from '../helpers/yjs.ts';
import { eventually } from '../helpers/yjs.ts';

/** Each event's payload schema (null: the event takes no payload) and a valid payload to mutate. */
const EVENTS = {
	'session:whoami': { schema: null, sample: {} },
	'convening:join': { schema: joinPayload, sample: { conveningId: 'c' } },
	'convening:leave': { schema: handPayload.pick({}), sample: {} },
	'convening:phase': { schema: phasePayload, sample: { phase: 'live' } },
	'agenda:advance': { schema: agendaPayload, sample: { index: 1 } },
	'hand:raise': { schema: handPayload.pick({}), sample: {} },
	'hand:lower': { schema: handPayload, sample: { userId: 'u' } },
	'reaction:send': { schema: reactionPayload, sample: { reaction: 'heart' } },
	'chat:send': { schema: chatPayload, sample: { body: 'hello' } },
	'round:open': {
		schema: roundOpenPayload,
		sample: {
			kind: 'circle',
			grouping: { kind: 'random-size', size: 2 },
			prompt: 'p',
			durationMinutes: 10,
			circle: { order: 'random', turnSeconds: 60, listenOnly: true }
		}
	},
	'round:broadcast': { schema: roundBroadcastPayload, sample: { message: 'm' } },
	'round:extend': { schema: roundExtendPayload, sample: { minutes: 5 } },
	'round:move': { schema: roundMovePayload, sample: { userId: 'u', groupId: 'g' } },
	'round:visit': { schema: roundVisitPayload, sample: { groupId: 'g' } },
	'round:close': { schema: roundClosePayload, sample: { mode: 'now' } },
	'media:token': { schema: mediaTokenPayload, sample: { room: 'main', hidden: false } },
	'media:mute': { schema: mediaMutePayload, sample: { userId: 'u', source: 'camera' } },
	'media:signal': {
		schema: mediaSignalPayload,
		sample: { to: 'u', data: { type: 'candidate', sid: 's', candidate: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 } } }
	},
	'round:choose': { schema: roundChoosePayload, sample: { groupId: 'g' } },
	'circle:start': { schema: circleGroupPayload, sample: { groupId: 'g' } },
	'circle:done': { schema: circleGroupPayload, sample: { groupId: 'g' } },
	'circle:pass': { schema: circleGroupPayload, sample: { groupId: 'g' } },
	'circle:skip': { schema: circleSkipPayload, sample: { userId: 'u', groupId: 'g' } },
	'circle:reorder': { schema: circleReorderPayload, sample: { groupId: 'g', order: ['u'] } },
	'circle:keeper': { schema: circleKeeperPayload, sample: { groupId: 'g', userId: 'u' } },
	'circle:checkout': { schema: circleGroupPayload, sample: { groupId: 'g' } }
} satisfies Record<ClientEventName, { schema: z.ZodType | null; sample: Record<string, unknown> }>;

/** Event names the server does not have (socket.io's reserved names close the connection instead: see below). */
const UNKNOWN_EVENTS = [
	'x',
	'chat:sendx',
	'CHAT:SEND',
	'chat',
	':',
	'',
	'__proto__',
	'constructor',
	'toString',
	'hasOwnProperty',
	'error',
	'a'.repeat(5000)
];

interface Case {
	event: string;
	/** The argument list after the event name, as JSON text. */
	args: string[];
	ack: boolean;
	/** Whether the server should refuse it as bad input (vs. a request it should serve, e.g. whoami). */
	expect: 'refused' | 'served' | 'silent';
	attachments?: Uint8Array[];
}

const SEED = fuzzSeed();

/** The convening's state without what changes by itself (the clock, the announcement counter). */
function stable(state: ConveningState): unknown {
	const { serverNow: _now, version: _version, ...rest } = state as ConveningState & { version?: number };
	return rest;
}

/** Records every announcement a socket hears that differs from `baseline` (an unchanged roster entry is no change). */
function changesHeard(socket: ClientSocket, baseline: ConveningState): string[] {
	const heard: string[] = [];
	socket.on('convening:state', (st) => {
		if (JSON.stringify(stable(st)) !== JSON.stringify(stable(baseline))) heard.push('a changed state');
	});
	(socket as unknown as { on(e: string, f: (c: { entry: RosterEntry }) => void): void }).on('convening:presence', (change) => {
		const before = baseline.roster.find((p) => p.userId === change.entry.userId);
		if (JSON.stringify(before) !== JSON.stringify(change.entry)) heard.push(`a presence change of ${change.entry.userId}`);
	});
	return heard;
}

function generateSocketCases(rng: () => number): { cases: Case[]; skippedValid: number } {
	const cases: Case[] = [];
	let skippedValid = 0;
	const isValid = (event: ClientEventName, payloadJson: string | undefined) => {
		const schema = EVENTS[event].schema;
		if (schema === null) return true;
		const payload: unknown = payloadJson === undefined ? undefined : JSON.parse(payloadJson);
		return schema.safeParse(payload ?? {}).success;
	};
	for (const event of CLIENT_EVENT_NAMES) {
		const { sample } = EVENTS[event];
		const payloads: string[] = [];
		// The whole payload of a wrong kind.
		for (const bad of BAD_VALUES) payloads.push(bad.json(rng));
		// Each field (nested ones too) missing, or of each wrong kind.
		for (const path of paths(sample)) {
			payloads.push(toJson(withAt(sample, path, undefined)));
			for (const bad of BAD_VALUES) payloads.push(toJson(withAt(sample, path, new RawJson(bad.json(rng)))));
		}
		// Extra keys, prototype keys.
		payloads.push(toJson({ ...sample, extra: 1 }));
		payloads.push(toJson({ ...sample, constructor: { prototype: { polluted: true } } }));
		payloads.push(`{"__proto__":{"polluted":true},${toJson(sample).slice(1)}`);
		for (const payload of payloads) {
			if (payload.endsWith(',}')) continue;
			if (isValid(event, payload)) {
				skippedValid++;
				continue;
			}
			const expect = event === 'session:whoami' ? 'served' : 'refused';
			cases.push({ event, args: [payload], ack: true, expect });
			// The same without an ack (nothing to answer, nothing may change), for a random third.
			if (rng() < 0.33) cases.push({ event, args: [payload], ack: false, expect: 'silent' });
		}
		// Argument lists of the wrong shape: no payload, a payload then a non-function "ack", two payloads.
		const valid = toJson(sample);
		if (!isValid(event, undefined)) cases.push({ event, args: [], ack: true, expect: 'refused' });
		else skippedValid++;
		cases.push({ event, args: [valid, '42'], ack: true, expect: event === 'session:whoami' ? 'served' : 'refused' });
		cases.push({ event, args: [valid, '"ack"'], ack: false, expect: 'silent' });
		cases.push({ event, args: [valid, valid], ack: true, expect: event === 'session:whoami' ? 'served' : 'refused' });
		// A binary payload (a socket.io attachment), whole or in place of a field.
		const bytes = Uint8Array.from({ length: 16 }, () => Math.floor(rng() * 256));
		cases.push({
			event,
			args: ['{"_placeholder":true,"num":0}'],
			ack: true,
			expect: event === 'session:whoami' ? 'served' : 'refused',
			attachments: [bytes]
		});
		const field = paths(sample)[0];
		if (field) {
			const payload = toJson(withAt(sample, field, new RawJson('{"_placeholder":true,"num":0}')));
			cases.push({ event, args: [payload], ack: true, expect: 'refused', attachments: [bytes] });
		}
	}
	for (const event of UNKNOWN_EVENTS) {
		cases.push({ event, args: ['{}'], ack: true, expect: 'refused' });
		cases.push({ event, args: [pick(rng, BAD_VALUES).json(rng)], ack: true, expect: 'refused' });
		cases.push({ event, args: [], ack: true, expect: 'refused' });
		cases.push({ event, args: ['{}'], ack: false, expect: 'silent' });
	}
	// Shuffle, so no event always runs against a fresh token bucket.
	for (let i = cases.length - 1; i > 0; i--) {
		const j = Math.floor(rng() * (i + 1));
		[cases[i], cases[j]] = [cases[j]!, cases[i]!];
	}
	return { cases, skippedValid };
}

describe(`fuzz: socket.io events (seed ${SEED})`, () => {
	let s: TestServer;
	let w: World;
	let members: User[];
	const cookies = new Map<string, string>();
	const sockets: ClientSocket[] = [];
	const raws: RawSocketIo[] = [];
	let round: RoundView;

	async function joined(user: User): Promise<ClientSocket> {
		const socket = await openSocket(s.url, cookies.get(user.id)!);
		sockets.push(socket);
		const r = await request<JoinResult>(socket, 'convening:join', { conveningId: w.conveningA });
		if (!r.ok) throw new Error(`join failed: ${r.error.code}`);
		return socket;
	}
	async function rawJoined(user: User): Promise<RawSocketIo> {
		const raw = await openRawSocketIo(s.url, cookies.get(user.id)!);
		raws.push(raw);
		const id = raw.emitText(JSON.stringify(['convening:join', { conveningId: w.conveningA }]), { ack: true })!;
		const [answer] = (await raw.answer(id)) as [{ ok: boolean }];
		if (!answer.ok) throw new Error('raw join failed');
		return raw;
	}
	/** The state someone arriving now would get. */
	async function freshJoinState(): Promise<unknown> {
		const socket = await openSocket(s.url, cookies.get(w.users.observer.id)!);
		try {
			const r = await request<JoinResult>(socket, 'convening:join', { conveningId: w.conveningA });
			if (!r.ok) throw new Error(`join failed: ${r.error.code}`);
			return stable(r.data.state);
		} finally {
			socket.disconnect();
			// Gone for everyone before anything is compared.
			await eventually(
				async () => !(await s.hearth.live.snapshot(w.conveningA))!.roster.find((p) => p.userId === w.users.observer.id)?.connected
			);
		}
	}

	beforeAll(async () => {
		console.log(`fuzz seed: ${SEED} (replay with FUZZ_SEED=${SEED})`);
		s = await startTestServer();
		w = await makeWorld(s.hearth);
		members = [w.users.member];
		for (let i = 2; i <= 4; i++) {
			const { token } = await s.hearth.invites.create(w.users.facilitator, w.cohortA, { role: 'member' });
			const { user } = await s.hearth.invites.acceptAsNewUser(token, {
				name: `Member ${i}`,
				email: `m${i}@example.org`,
				password: PASSWORD,
				timeZone: 'UTC'
			});
			members.push(user);
		}
		for (const u of [w.users.facilitator, w.users.observer, ...members])
			cookies.set(u.id, `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(u.id)).token}`);
		const fac = await joined(w.users.facilitator);
		expect(await request(fac, 'convening:phase', { phase: 'live' })).toEqual({ ok: true, data: null });
		for (const m of members) await joined(m);
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'circle',
			grouping: {
				kind: 'manual',
				groups: [{ memberIds: [members[0]!.id, members[1]!.id] }, { memberIds: [members[2]!.id, members[3]!.id] }]
			},
			durationMinutes: 240,
			circle: { order: 'join', turnSeconds: null, listenOnly: false }
		});
		if (!opened.ok) throw new Error(`round:open failed: ${opened.error.code}`);
		round = opened.data;
		expect(await request(fac, 'circle:start', { groupId: round.groups[0]!.id })).toEqual({ ok: true, data: null });
	});
	afterAll(async () => {
		for (const r of raws.splice(0)) r.close();
		for (const socket of sockets.splice(0)) socket.disconnect();
		await s.stop();
	});

	it('[SIO3][SIO5] bad payloads on every event, from a member and a facilitator: one coded answer each, nothing changes, a bystander is unaffected', async () => {
		const clock = s.clock as ManualClock;
		const rng = seededRandom(SEED);
		const { cases, skippedValid } = generateSocketCases(rng);
		// Every event of the contract is fuzzed, and none the table does not know.
		expect(new Set(cases.map((c) => c.event))).toEqual(new Set([...CLIENT_EVENT_NAMES, ...UNKNOWN_EVENTS]));

		const stateBefore = await freshJoinState();
		const fuzzers = { member: await rawJoined(members[0]!), facilitator: await rawJoined(w.users.facilitator) };
		const bystander = await joined(members[2]!);
		const baseline = stable(
			((await request<JoinResult>(bystander, 'convening:join', { conveningId: w.conveningA })) as { ok: true; data: JoinResult }).data.state
		) as ConveningState;
		const rowsBefore = await dbRows(s.db);
		// What the bystander hears from now on must not differ from the baseline.
		const heard = changesHeard(bystander, baseline);
		for (const event of ['chat:message', 'room:changed', 'round:message', 'reaction:shown'] as const)
			bystander.on(event, () => heard.push(event));

		// Keyed by event name, and '__proto__' is one of them: no prototype to pollute.
		const counts = Object.create(null) as Record<string, Record<string, number>>;
		const count = (row: string, col: string) => {
			const r = (counts[row] ??= Object.create(null) as Record<string, number>);
			r[col] = (r[col] ?? 0) + 1;
		};
		const bystanderLatency: number[] = [];
		const failures: string[] = [];
		const validCodes = new Set<string>(Object.values(ErrorCode));

		const BATCH = 20;
		for (let i = 0; i < cases.length; i += BATCH) {
			const batch = cases.slice(i, i + BATCH);
			const pending: Promise<void>[] = [];
			for (const [n, c] of batch.flatMap((c) => [c, c]).entries()) {
				// Every case from both, alternating who goes first.
				const who = (i / BATCH + n) % 2 === 0 ? 'member' : 'facilitator';
				const raw = fuzzers[who];
				// One token a request (10/s): the bucket refills by the server's clock, which this test moves.
				clock.advance(100);
				const id = raw.emitText(`[${[JSON.stringify(c.event), ...c.args].join(',')}]`, { ack: c.ack, attachments: c.attachments });
				const row = Object.hasOwn(EVENTS, c.event) ? c.event : '(unknown events)';
				count(row, who);
				if (id === undefined) {
					count(row, 'no ack');
					continue;
				}
				const what = `${who}: ${c.event} ${c.args.join(' ').slice(0, 60)}${c.attachments ? ' +binary' : ''}`;
				pending.push(
					raw.answer(id, 3_000).then(
						([result]) => {
							const r = result as { ok: boolean; error?: { code: string; message: unknown } };
							if (c.expect === 'served') {
								expect(r, what).toMatchObject({ ok: true });
								count(row, 'ok');
							} else {
								expect(r.ok, `${what} was accepted`).toBe(false);
								expect(validCodes.has(r.error!.code)).toBe(true);
								expect(typeof r.error!.message).toBe('string');
								expect([ErrorCode.BadRequest, ErrorCode.RateLimited]).toContain(r.error!.code);
								count(row, r.error!.code);
							}
						},
						(err: Error) => {
							failures.push(`${what}: ${err.message}`);
						}
					)
				);
			}
			await Promise.all(pending);
			// The bystander is served promptly throughout.
			if ((i / BATCH) % 10 === 0) {
				const t0 = performance.now();
				const br = await request(bystander, 'media:token', {});
				expect(br, JSON.stringify(br)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
				bystanderLatency.push(performance.now() - t0);
			}
		}
		if (failures.length) console.log(`${failures.length} failures:\n${failures.slice(0, 60).join('\n')}`);
		expect(failures).toEqual([]);
		// A burst with the clock held: the rate limit answers, still with one coded answer each.
		const burst = await Promise.all(
			Array.from({ length: 60 }, () => fuzzers.member.answer(fuzzers.member.emitText('["chat:send",{"body":5}]', { ack: true })!))
		);
		const burstCodes = burst.map(([r]) => (r as { error: { code: string } }).error.code);
		expect(burstCodes.filter((c) => c === 'rate_limited').length).toBeGreaterThanOrEqual(25);
		expect(burstCodes.every((c) => c === 'rate_limited' || c === 'bad_request')).toBe(true);
		for (const c of burstCodes) count('(burst, clock held)', c);
		counts['(burst, clock held)']!.member = burstCodes.length;

		// Exactly one answer per ack id, on both sockets.
		for (const raw of Object.values(fuzzers)) for (const [id, answers] of raw.answers) expect(answers, `ack ${id}`).toHaveLength(1);
		clock.advance(5_000);
		// Both fuzzing sockets are still connected and served.
		for (const raw of Object.values(fuzzers)) {
			expect(raw.isOpen).toBe(true);
			expect((await raw.answer(raw.emitText('["session:whoami",{}]', { ack: true })!))[0]).toMatchObject({ ok: true });
		}

		expect(heard).toEqual([]);
		expect(await dbRows(s.db)).toEqual(rowsBefore);
		expect(await freshJoinState()).toEqual(stateBefore);
		expect((await fetch(`${s.url}/healthz`)).status).toBe(200);

		const total = Object.values(counts).reduce((n, r) => n + (r.member ?? 0) + (r.facilitator ?? 0), 0);
		logTable(`socket.io fuzz, seed ${SEED}: ${total} requests (${skippedValid} generated payloads were valid and skipped)`, counts);
		console.log(`bystander answered in at most ${Math.round(Math.max(...bystanderLatency))} ms (${bystanderLatency.length} checks)`);
		expect(total).toBeGreaterThanOrEqual(4_000);
	}, 300_000);

	it('[SIO6] an oversized message or one that is not a socket.io packet closes only that connection; nothing changes', async () => {
		const rng = seededRandom(SEED + 1);
		const big = (bytes: number) => `["chat:send",{"body":${JSON.stringify('x'.repeat(bytes))}}]`;
		const frames: { name: string; frames: (string | Uint8Array)[]; mustClose: boolean }[] = [
			{ name: '1 MB string', frames: [`42${big(1024 * 1024)}`], mustClose: true },
			{ name: '65 KiB payload', frames: [`421${big(65 * 1024)}`], mustClose: true },
			{
				name: '1 MB binary attachment',
				frames: ['451-1["chat:send",{"_placeholder":true,"num":0}]', new Uint8Array(1024 * 1024)],
				mustClose: true
			},
			{ name: 'not JSON', frames: ['421["chat:send",{"body":'], mustClose: false },
			{ name: 'garbage after the type', frames: ['42garbage'], mustClose: false },
			{ name: 'unknown socket.io packet type', frames: ['49'], mustClose: false },
			{ name: 'event name not a string', frames: ['421[1,{}]'], mustClose: false },
			{ name: 'event as an object', frames: ['421{"chat:send":{}}'], mustClose: false },
			{ name: 'reserved event name', frames: ['421["disconnect",{}]'], mustClose: false },
			{ name: 'newListener', frames: ['421["newListener",{}]'], mustClose: false },
			{
				name: 'placeholder past the attachments',
				frames: ['451-1["chat:send",{"_placeholder":true,"num":7}]', Uint8Array.from([1])],
				mustClose: false
			},
			{ name: 'attachment count not a number', frames: ['45x-1["chat:send",{}]'], mustClose: false },
			{ name: 'binary frame out of the blue', frames: [Uint8Array.from([4, 2, 0])], mustClose: false },
			{ name: 'unknown engine.io packet type', frames: ['9hello'], mustClose: false },
			{
				name: 'random text',
				frames: [String.fromCharCode(...Array.from({ length: 64 }, () => 32 + Math.floor(rng() * 95)))],
				mustClose: false
			},
			{ name: 'random bytes', frames: [Uint8Array.from({ length: 64 }, () => Math.floor(rng() * 256))], mustClose: false },
			{ name: 'empty text frame', frames: [''], mustClose: false }
		];
		const bystander = await joined(members[2]!);
		const baseline = stable(
			((await request<JoinResult>(bystander, 'convening:join', { conveningId: w.conveningA })) as { ok: true; data: JoinResult }).data.state
		) as ConveningState;
		// Each offender is a second connection of a member who stays connected through another.
		const offenders = await Promise.all(frames.map(() => rawJoined(members[0]!)));
		const rowsBefore = await dbRows(s.db);
		const heard = changesHeard(bystander, baseline);
		const outcomes = Object.create(null) as Record<string, Record<string, number>>;
		for (const [i, f] of frames.entries()) {
			const raw = offenders[i]!;
			for (const frame of f.frames) raw.send(frame);
			// Closed, or still serving (a probe is answered): nothing in between.
			const probe = raw.emitText('["session:whoami"]', { ack: true })!;
			const outcome = await raw.answer(probe, 10_000).then(
				() => 'ignored',
				() => (raw.isOpen ? 'neither' : 'closed')
			);
			outcomes[f.name] = { [outcome]: 1 };
			if (f.mustClose) expect(outcome, f.name).toBe('closed');
			else expect(['closed', 'ignored'], f.name).toContain(outcome);
		}
		logTable(`socket.io malformed messages, seed ${SEED}`, outcomes);
		// The member is still here through their first connection, and the bystander heard nothing new.
		expect(await request(bystander, 'session:whoami')).toMatchObject({ ok: true });
		expect(await request(bystander, 'media:token', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
		await eventually(
			async () => (await s.hearth.live.snapshot(w.conveningA))!.roster.find((p) => p.userId === members[0]!.id)?.connected === true
		);
		expect(heard).toEqual([]);
		expect(await dbRows(s.db)).toEqual(rowsBefore);
		expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
	}, 120_000);
});

const frame = (type: number, write: (e: encoding.Encoder) => void = () => {}) => {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, type);
	write(e);
	return encoding.toUint8Array(e);
};
const syncFrame = (sub: number, payload: Uint8Array) =>
	frame(0, (e) => {
		encoding.writeVarUint(e, sub);
		encoding.writeVarUint8Array(e, payload);
	});

/** An awareness update written entry by entry, so an entry can be broken on purpose. */
function awarenessEntries(entries: { clientId: number; clock: number; json: string }[]): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, entries.length);
	for (const x of entries) {
		encoding.writeVarUint(e, x.clientId);
		encoding.writeVarUint(e, x.clock);
		encoding.writeVarString(e, x.json);
	}
	return encoding.toUint8Array(e);
}

interface BoardCase {
	kind: string;
	data: Uint8Array;
	/** The close code [BL1] requires, or 'any' when closing (4400) and ignoring are both documented. */
	expect: number | 'ignored' | 'any';
}

function generateBoardCases(rng: () => number, current: Y.Doc, victimClientId: number): { cases: BoardCase[]; skippedValid: number } {
	const cases: BoardCase[] = [];
	let skippedValid = 0;
	// A real update on top of the board, to truncate and corrupt.
	const other = new Y.Doc();
	Y.applyUpdate(other, Y.encodeStateAsUpdate(current));
	other.getText('t').insert(0, 'a real edit that fuzzing breaks ');
	other.getMap('m').set('k', { nested: [1, 2, 3] });
	const real = Y.encodeStateAsUpdate(other, Y.encodeStateVector(current));
	/** Whether Yjs itself can apply the update to a copy of the board: then it is a valid edit, not garbage. */
	const appliesCleanly = (update: Uint8Array) => {
		const copy = new Y.Doc();
		try {
			Y.applyUpdate(copy, Y.encodeStateAsUpdate(current));
			Y.decodeUpdate(update);
			Y.applyUpdate(copy, update);
			return true;
		} catch {
			return false;
		} finally {
			copy.destroy();
		}
	};
	const update = (kind: string, payload: Uint8Array, sub = pick(rng, [1, 2])) => {
		if (appliesCleanly(payload)) {
			skippedValid++;
			return;
		}
		cases.push({ kind, data: syncFrame(sub, payload), expect: CloseCode.BadFrame });
	};
	for (let i = 0; i < 150; i++) cases.push({ kind: 'random bytes', data: randomBytes(rng, 1 + Math.floor(rng() * 300)), expect: 'any' });
	for (let n = 1; n <= 10; n++) cases.push({ kind: 'truncated varint', data: new Uint8Array(n).fill(0xff), expect: CloseCode.BadFrame });
	for (const prefix of [[0], [0, 2], [0, 1], [1], [0, 0]])
		cases.push({ kind: 'truncated varint', data: Uint8Array.from([...prefix, 0xff, 0xff, 0xff]), expect: CloseCode.BadFrame });
	for (let i = 0; i < 20; i++) {
		const type = 4 + Math.floor(rng() * 1000);
		cases.push({
			kind: 'unknown message type',
			data: frame(type, (e) => encoding.writeUint8Array(e, randomBytes(rng, 8))),
			expect: CloseCode.BadFrame
		});
	}
	cases.push({ kind: 'unknown sync type', data: syncFrame(3 + Math.floor(rng() * 50), real), expect: CloseCode.BadFrame });
	for (let i = 0; i < 80; i++) update('garbage update', randomBytes(rng, 1 + Math.floor(rng() * 200)));
	for (let i = 0; i < 80; i++) update('truncated update', real.slice(0, 1 + Math.floor(rng() * (real.length - 1))));
	for (let i = 0; i < 80; i++) {
		const broken = real.slice();
		for (let k = 0; k < 1 + Math.floor(rng() * 4); k++) broken[Math.floor(rng() * broken.length)] = Math.floor(rng() * 256);
		update('corrupted update', broken);
	}
	// A length that runs past the end of the frame.
	cases.push({
		kind: 'length past the end',
		data: Uint8Array.from([0, 2, ...encodeVarUint(real.length + 50), ...real]),
		expect: CloseCode.BadFrame
	});
	for (let i = 0; i < 10; i++)
		cases.push({ kind: 'garbage state vector', data: syncFrame(0, randomBytes(rng, 1 + Math.floor(rng() * 40))), expect: 'any' });
	cases.push({
		kind: 'oversized update',
		data: syncFrame(2, new Uint8Array(BOARD_LIMITS.maxFrameBytes + 1)),
		expect: CloseCode.MessageTooLarge
	});
	cases.push({
		kind: 'oversized frame',
		data: randomBytes(rng, BOARD_LIMITS.maxFrameBytes + 1 + Math.floor(rng() * 1000)),
		expect: CloseCode.MessageTooLarge
	});
	for (let i = 0; i < 20; i++)
		cases.push({
			kind: 'awareness garbage',
			data: frame(1, (e) => encoding.writeVarUint8Array(e, randomBytes(rng, 1 + Math.floor(rng() * 100)))),
			expect: 'any'
		});
	// A good entry, then a broken one: nothing of it may stick (the good one included).
	for (const clientId of [4_242_424, victimClientId]) {
		const good = awarenessEntries([
			{ clientId, clock: 1_000_000, json: '{"user":{"name":"ghost"}}' },
			{ clientId: 7, clock: 1, json: '{not json' }
		]);
		cases.push({ kind: 'awareness half broken', data: frame(1, (e) => encoding.writeVarUint8Array(e, good)), expect: CloseCode.BadFrame });
		const removal = awarenessEntries([
			{ clientId, clock: 1_000_000, json: 'null' },
			{ clientId: 7, clock: 1, json: '{"a":' }
		]);
		cases.push({
			kind: 'awareness half broken',
			data: frame(1, (e) => encoding.writeVarUint8Array(e, removal)),
			expect: CloseCode.BadFrame
		});
	}
	cases.push({ kind: 'auth message', data: frame(2, (e) => encoding.writeUint8Array(e, randomBytes(rng, 10))), expect: 'ignored' });
	return { cases, skippedValid };
}

function encodeVarUint(n: number): number[] {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, n);
	return [...encoding.toUint8Array(e)];
}

describe(`fuzz: board frames (seed ${SEED})`, () => {
	let s: TestServer;
	let w: World;
	let board: Board;
	const cookies: Record<string, string> = {};
	const clients: YClient[] = [];
	const wss: WebSocket[] = [];

	beforeAll(async () => {
		s = await startTestServer();
		w = await makeWorld(s.hearth);
		board = await s.hearth.boards.create(w.users.facilitator, w.cohortA, { title: 'Fuzzed map' });
		for (const [who, user] of Object.entries(w.users))
			cookies[who] = `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(user.id)).token}`;
	});
	afterAll(async () => {
		for (const c of clients.splice(0)) c.destroy();
		for (const ws of wss.splice(0)) ws.terminate();
		await s.stop();
	});
	const open = (who: keyof World['users']) => {
		const c = connectBoard(s.url, board.id, { cookie: cookies[who] });
		clients.push(c);
		return c;
	};
	const text = (c: YClient) => c.doc.getText('t').toString();

	/** Sends one frame on a fresh writer connection; resolves with its close code, or 'ignored' once a later probe is answered. */
	function offend(data: Uint8Array): Promise<number | 'ignored'> {
		const ws = new WebSocket(`${s.url.replace('http', 'ws')}/yjs/${board.id}`, { headers: { cookie: cookies.member! } });
		wss.push(ws);
		return new Promise((resolve, reject) => {
			let opened = false;
			ws.on('error', () => {}); // the close code tells what happened
			ws.on('close', (code) => (opened ? resolve(code) : reject(new Error(`refused before opening: ${code}`))));
			ws.on('open', () => {
				opened = true;
				ws.send(data);
				// Frames are handled in order: an answer to this sync step 1 (a step 2) means the frame above was handled and the connection kept.
				ws.send(syncFrame(0, Y.encodeStateVector(new Y.Doc())));
			});
			ws.on('message', (m: Buffer) => {
				if (m[0] === MessageType.Sync && m[1] === 1) {
					ws.close();
					resolve('ignored');
				}
			});
		});
	}

	it('[BL1] bad frames from a writer: each closed with a documented code or ignored; the document, its log and everyone else unaffected', async () => {
		const rng = seededRandom(SEED + 2);
		const a = open('facilitator');
		const b = open('member');
		await Promise.all([synced(a), synced(b)]);
		a.doc.getText('t').insert(0, 'before ');
		a.provider.awareness.setLocalStateField('user', { name: 'Fran' });
		b.provider.awareness.setLocalStateField('user', { name: 'Mel' });
		await until([b.doc], () => text(b) === 'before ', 15_000, 'b to sync');
		await eventually(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Fran', 15_000, 'awareness');
		const room = (await s.hearth.boardServer.loaded(board.id))!;
		await room.settled();
		const docBefore = Y.encodeStateAsUpdate(room.doc);
		const rowsBefore = await dbRows(s.db, ['board_updates', 'board_snapshots', 'boards']);
		const awarenessBefore = JSON.stringify([...room.awareness.getStates()].sort(([x], [y]) => x - y));

		const { cases, skippedValid } = generateBoardCases(rng, room.doc, a.doc.clientID);
		const counts = Object.create(null) as Record<string, Record<string, number>>;
		const failures: string[] = [];
		const PARALLEL = 8;
		for (let i = 0; i < cases.length; i += PARALLEL) {
			await Promise.all(
				cases.slice(i, i + PARALLEL).map(async (c) => {
					const outcome = await offend(c.data);
					const row = (counts[c.kind] ??= Object.create(null) as Record<string, number>);
					row[String(outcome)] = (row[String(outcome)] ?? 0) + 1;
					const allowed: (number | 'ignored')[] = c.expect === 'any' ? [CloseCode.BadFrame, 'ignored'] : [c.expect];
					if (!allowed.includes(outcome))
						failures.push(`${c.kind} [${[...c.data.slice(0, 24)].join(',')}…]: ${outcome}, expected ${allowed.join(' or ')}`);
				})
			);
		}
		logTable(
			`board frame fuzz, seed ${SEED}: ${cases.length} frames (${skippedValid} generated updates were valid Yjs and skipped)`,
			counts
		);
		expect(failures).toEqual([]);
		expect(cases.length).toBeGreaterThanOrEqual(400);

		await room.settled();
		expect(Y.encodeStateAsUpdate(room.doc)).toEqual(docBefore);
		expect(await dbRows(s.db, ['board_updates', 'board_snapshots', 'boards'])).toEqual(rowsBefore);
		// Other clients keep syncing: an edit from one reaches the other, through the server.
		a.doc.getText('t').insert(7, 'after');
		await until([b.doc], () => text(b) === 'before after', 15_000, 'a bystander edit to arrive');
		await room.settled();
		expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true);
		// Nothing else reached the document or its log: only that one edit.
		expect(room.doc.getText('t').toString()).toBe('before after');
		expect(Y.encodeStateVector(room.doc)).toEqual(Y.encodeStateVector(a.doc));
		const rowsAfter = await dbRows(s.db, ['board_updates', 'board_snapshots', 'boards']);
		expect(rowsAfter.board_updates!.length).toBe(rowsBefore.board_updates!.length + 1);
		expect(rowsAfter.board_updates!.slice(0, rowsBefore.board_updates!.length)).toEqual(rowsBefore.board_updates);
		// The stored log rebuilds the same document.
		const fromLog = new Y.Doc();
		for (const u of await s.hearth.boards.store.updatesAfter(board.id, 0)) Y.applyUpdate(fromLog, u.data);
		expect(fromLog.getText('t').toString()).toBe('before after');
		expect(fromLog.getMap('m').size).toBe(0);
		// No awareness state was added, changed or removed by a refused frame.
		expect(JSON.stringify([...room.awareness.getStates()].sort(([x], [y]) => x - y))).toBe(awarenessBefore);
		const late = open('observer');
		await synced(late);
		expect(text(late)).toBe('before after');
		await eventually(() => late.provider.awareness.getStates().size >= 2, 15_000, 'awareness for a newcomer');
		expect([...late.provider.awareness.getStates().keys()].sort()).toEqual([a.doc.clientID, b.doc.clientID, late.doc.clientID].sort());
		expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
	}, 300_000);
});
