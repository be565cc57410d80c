/**
 * LiveKit tokens and room management on a real Hearth server with real socket.io clients. There is
 * no LiveKit server here: tokens are decoded with the SDK's TokenVerifier, and room-service calls go
 * to a loopback endpoint (tests/helpers/livekit.ts) that checks each request's path, body and signed
 * grant. Rules [LK1]-[LK7] are in server/media/livekit.ts and docs/PROTOCOL.md.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenVerifier } from 'livekit-server-sdk';
import type { User } from '../../server/auth/users.store.ts';
import type { ManualClock } from '../../server/clock.ts';
import type { JoinResult, RoundView } from '../../shared/live.ts';
import type { MediaToken } from '../../shared/livekit.ts';
import type { Result } from '../../shared/errors.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';
import { openSocket, request, type ClientSocket } from '../helpers/sockets.ts';
import { startFakeLivekit, type FakeLivekit, type TwirpCall } from '../helpers/livekit.ts';

const KEY = 'hearth-test-key';
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

describe('LiveKit tokens and rooms (contract test against a loopback endpoint, no LiveKit server here)', () => {
	let fake: FakeLivekit;
	let s: TestServer;
	let w: World;
	let extra: User[];
	const sockets: ClientSocket[] = [];
	const verifier = new TokenVerifier(KEY, SECRET);

	beforeEach(async () => {
		fake = await startFakeLivekit({ apiKey: KEY, apiSecret: SECRET });
		s = await startTestServer({ env: { LIVEKIT_URL: fake.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET } });
		w = await makeWorld(s.hearth);
		extra = [];
		for (let i = 2; i <= 4; i++) {
			const { token } = await s.hearth.invites.create(w.users.facilitator, w.cohortA, { role: 'member' });
			const { user } = await s.hearth.invites.acceptAsNewUser(token, {
				name: `Member ${i}`,
				email: `m${i}@example.org`,
				password: PASSWORD,
				timeZone: 'UTC'
			});
			extra.push(user);
		}
	});
	afterEach(async () => {
		for (const x of sockets.splice(0)) x.disconnect();
		await s.hearth.media.idle();
		await s.stop();
		await fake.close();
	});

	async function connect(user: User): Promise<ClientSocket> {
		const socket = await openSocket(s.url, `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(user.id)).token}`);
		sockets.push(socket);
		return socket;
	}
	async function joined(user: User): Promise<ClientSocket> {
		const socket = await connect(user);
		const r = await request<JoinResult>(socket, 'convening:join', { conveningId: w.conveningA });
		if (!r.ok) throw new Error(`join failed: ${r.error.code}`);
		return socket;
	}
	/** The facilitator opens the convening, then everyone else joins. */
	async function everyone() {
		const fac = await joined(w.users.facilitator);
		expect(await request(fac, 'convening:phase', { phase: 'live' })).toEqual({ ok: true, data: null });
		const mel = await joined(w.users.member);
		const olu = await joined(w.users.observer);
		const others = [];
		for (const u of extra) others.push(await joined(u));
		return { fac, mel, olu, others };
	}
	const roomName = (room: string) => `hearth-${w.conveningA}-${room}`;
	const token = (socket: ClientSocket, payload: { room?: string; hidden?: boolean } = {}) =>
		request<MediaToken>(socket, 'media:token', payload);
	async function decoded(r: Result<MediaToken>) {
		if (!r.ok) throw new Error(`no token: ${r.error.code} ${r.error.message}`);
		const claims = await verifier.verify(r.data.token);
		return { data: r.data, claims, metadata: JSON.parse(String(claims.metadata)) as unknown };
	}
	const of = (method: string) => (calls: TwirpCall[]) => calls.filter((c) => c.method === method);

	it('[LK1] a member and an observer get a token for the main room only, with their identity, name, metadata and a 10-minute life', async () => {
		const { mel, olu } = await everyone();
		const m = await decoded(await token(mel));
		expect(m.data.room).toBe(roomName('main'));
		expect(m.data.url).toBe(fake.url.replace(/^http/, 'ws'));
		expect(m.claims.video).toEqual({ roomJoin: true, room: roomName('main'), canPublish: true, canSubscribe: true, canPublishData: true });
		expect(m.claims.sub).toBe(w.users.member.id);
		expect(m.claims.name).toBe('Mel Member');
		expect(m.metadata).toEqual({ role: 'member', teamId: w.teamA });
		// Ten minutes (the two claims are stamped a moment apart, so allow for a second boundary between them).
		expect(m.claims.exp! - m.claims.nbf!).toBeGreaterThanOrEqual(599);
		expect(m.claims.exp! - m.claims.nbf!).toBeLessThanOrEqual(600);
		expect(m.data.expiresAt).toBe(new Date(m.claims.exp! * 1000).toISOString());

		const o = await decoded(await token(olu));
		expect(o.claims.video).toEqual({
			roomJoin: true,
			room: roomName('main'),
			canPublish: false,
			canSubscribe: true,
			canPublishData: false
		});
		expect(o.claims.sub).toBe(w.users.observer.id);
		expect(o.metadata).toEqual({ role: 'observer', teamId: null });
		// Listening unseen is for facilitators.
		expect(await token(olu, { hidden: true })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await token(mel, { hidden: true })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		// A room that is not in this convening.
		expect(await token(mel, { room: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
	});

	it('[LK1] during a round a member gets their own group only; a facilitator any room, also hidden; an observer stays in the main room', async () => {
		const { fac, mel, olu } = await everyone();
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-count', count: 2 },
			durationMinutes: 10
		});
		if (!opened.ok) throw new Error(opened.error.code);
		const own = opened.data.groups.find((g) => g.memberIds.includes(w.users.member.id))!;
		const other = opened.data.groups.find((g) => g !== own)!;

		const m = await decoded(await token(mel));
		expect(m.data.room).toBe(roomName(own.id));
		expect(m.claims.video).toEqual({ roomJoin: true, room: roomName(own.id), canPublish: true, canSubscribe: true, canPublishData: true });
		expect((await decoded(await token(mel, { room: own.id }))).data.room).toBe(roomName(own.id));
		expect(await token(mel, { room: other.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await token(mel, { room: 'main' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

		const f = await decoded(await token(fac));
		expect(f.claims.video).toEqual({
			roomJoin: true,
			room: roomName('main'),
			roomAdmin: true,
			canPublish: true,
			canSubscribe: true,
			canPublishData: true
		});
		expect(f.metadata).toEqual({ role: 'facilitator', teamId: null });
		const visible = await decoded(await token(fac, { room: other.id }));
		expect(visible.claims.video).toEqual({
			roomJoin: true,
			room: roomName(other.id),
			roomAdmin: true,
			canPublish: true,
			canSubscribe: true,
			canPublishData: true
		});
		const hidden = await decoded(await token(fac, { room: own.id, hidden: true }));
		expect(hidden.claims.video).toEqual({
			roomJoin: true,
			room: roomName(own.id),
			roomAdmin: true,
			hidden: true,
			canPublish: false,
			canSubscribe: true,
			canPublishData: false
		});
		expect(hidden.claims.sub).toBe(w.users.facilitator.id);
		expect(hidden.claims.name).toBe('Fran Facilitator');

		expect((await decoded(await token(olu))).data.room).toBe(roomName('main'));
		expect(await token(olu, { room: own.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
	});

	it('[LK1] someone who has not joined the convening, has left it, or has left the cohort gets no token; payloads are validated', async () => {
		const fac = await joined(w.users.facilitator);
		expect(await request(fac, 'convening:phase', { phase: 'live' })).toEqual({ ok: true, data: null });
		// Connected and a cohort member, but never joined.
		const outsider = await connect(extra[0]!);
		expect(await token(outsider)).toMatchObject({ ok: false, error: { code: 'not_open' } });
		expect(await token(outsider, { room: 'main' })).toMatchObject({ ok: false, error: { code: 'not_open' } });
		const left = await joined(extra[1]!);
		expect((await token(left)).ok).toBe(true);
		expect(await request(left, 'convening:leave', {})).toEqual({ ok: true, data: null });
		expect(await token(left)).toMatchObject({ ok: false, error: { code: 'not_open' } });
		// Removed from the cohort while still joined: the role is read afresh.
		const removed = await joined(extra[2]!);
		expect((await token(removed)).ok).toBe(true);
		await s.hearth.cohorts.removeMember(w.users.facilitator, w.cohortA, extra[2]!.id);
		expect(await token(removed)).toMatchObject({ ok: false, error: { code: 'not_found' } });
		// [SIO3] Unknown keys and wrong types are refused.
		expect(await request(fac, 'media:token', { room: 'main', extra: 1 })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
		expect(await request(fac, 'media:token', { hidden: 'yes' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
	});

	it('[LK3] opening a round creates each group room with an empty timeout; closing deletes them, with signed room-create grants', async () => {
		const { fac } = await everyone();
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-count', count: 2 },
			durationMinutes: 10
		});
		if (!opened.ok) throw new Error(opened.error.code);
		const groupIds = opened.data.groups.map((g) => g.id);
		const created = of('CreateRoom')(await fake.until((c) => of('CreateRoom')(c).length === 2));
		expect(created.map((c) => c.body).sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual(
			groupIds
				.map((id) => ({ name: roomName(id), emptyTimeout: 600, metadata: JSON.stringify({ conveningId: w.conveningA, groupId: id }) }))
				.sort((a, b) => a.name.localeCompare(b.name))
		);
		for (const c of created) {
			expect(c.grant).toEqual({ roomCreate: true });
			expect(c.issuer).toBe(KEY);
		}
		expect(await request(fac, 'round:close', { mode: 'now' })).toEqual({ ok: true, data: null });
		const deleted = of('DeleteRoom')(await fake.until((c) => of('DeleteRoom')(c).length === 2));
		expect(deleted.map((c) => c.body.room).sort()).toEqual(groupIds.map(roomName).sort());
		for (const c of deleted) expect(c.grant).toEqual({ roomCreate: true });
		expect(fake.refused).toEqual([]);
	});

	it('[LK3] a round that ends at its deadline deletes its rooms too', async () => {
		const { fac } = await everyone();
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-count', count: 2 },
			durationMinutes: 5
		});
		if (!opened.ok) throw new Error(opened.error.code);
		(s.clock as ManualClock).advance(5 * 60_000);
		const deleted = of('DeleteRoom')(await fake.until((c) => of('DeleteRoom')(c).length === 2));
		expect(deleted.map((c) => c.body.room).sort()).toEqual(opened.data.groups.map((g) => roomName(g.id)).sort());
	});

	it('[LK4] in a listen-only circle only the holder may publish a microphone, in the group room and in new tokens', async () => {
		const { fac, mel, others } = await everyone();
		const circleMembers = [w.users.member, extra[0]!, extra[1]!];
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'circle',
			grouping: { kind: 'manual', groups: [{ memberIds: circleMembers.map((u) => u.id) }, { memberIds: [extra[2]!.id] }] },
			durationMinutes: 20,
			circle: { order: 'join', listenOnly: true }
		});
		if (!opened.ok) throw new Error(opened.error.code);
		const group = opened.data.groups[0]!;
		const room = roomName(group.id);
		const order = group.circle!.order;
		expect(order).toEqual(circleMembers.map((u) => u.id));
		// Before the circle starts anyone may speak: no restriction in a token.
		expect((await decoded(await token(mel))).claims.video).toEqual({
			roomJoin: true,
			room,
			canPublish: true,
			canSubscribe: true,
			canPublishData: true
		});

		const updatesSince = async (mark: number) => {
			const calls = await fake.until((c) => of('UpdateParticipant')(c.slice(mark)).length >= order.length);
			const updates = of('UpdateParticipant')(calls.slice(mark));
			expect(updates.map((c) => c.body.identity).sort()).toEqual([...order].sort());
			for (const c of updates) expect(c.grant).toEqual({ roomAdmin: true, room });
			for (const c of updates) expect(c.body.room).toBe(room);
			return { next: calls.length, permission: (userId: string) => updates.find((c) => c.body.identity === userId)?.body.permission };
		};
		const speaking = { canSubscribe: true, canPublish: true, canPublishData: true, canPublishSources: ['CAMERA', 'MICROPHONE'] };
		const listening = { canSubscribe: true, canPublish: true, canPublishData: true, canPublishSources: ['CAMERA'] };
		const [first, second, third] = [mel, others[0]!, others[1]!];

		let mark = fake.calls.length;
		expect(await request(fac, 'circle:start', { groupId: group.id })).toEqual({ ok: true, data: null });
		let seen = await updatesSince(mark);
		expect(seen.permission(order[0]!)).toEqual(speaking);
		expect(seen.permission(order[1]!)).toEqual(listening);
		expect(seen.permission(order[2]!)).toEqual(listening);
		// A token minted now carries the same sources.
		expect((await decoded(await token(first))).claims.video).toMatchObject({
			canPublish: true,
			canPublishSources: ['camera', 'microphone']
		});
		expect((await decoded(await token(second))).claims.video).toMatchObject({ canPublish: true, canPublishSources: ['camera'] });

		// The piece passes: the next holder speaks, the first listens.
		mark = seen.next;
		expect(await request(first, 'circle:done', {})).toEqual({ ok: true, data: null });
		seen = await updatesSince(mark);
		expect(seen.permission(order[0]!)).toEqual(listening);
		expect(seen.permission(order[1]!)).toEqual(speaking);
		expect(seen.permission(order[2]!)).toEqual(listening);

		mark = seen.next;
		expect(await request(second, 'circle:done', {})).toEqual({ ok: true, data: null });
		seen = await updatesSince(mark);
		expect(seen.permission(order[2]!)).toEqual(speaking);

		// Everyone has spoken: nobody holds the piece, and nobody is restricted.
		mark = seen.next;
		expect(await request(third, 'circle:done', {})).toEqual({ ok: true, data: null });
		seen = await updatesSince(mark);
		for (const id of order) expect(seen.permission(id)).toEqual({ canSubscribe: true, canPublish: true, canPublishData: true });
		expect((await decoded(await token(first))).claims.video).not.toHaveProperty('canPublishSources');
		expect(fake.refused).toEqual([]);
	});

	it('[LK4] when the holder leaves or is moved to another group, the microphone follows the piece', async () => {
		const { fac, mel } = await everyone();
		const [a, b, c] = [w.users.member, extra[0]!, extra[1]!];
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'circle',
			grouping: { kind: 'manual', groups: [{ memberIds: [a.id, b.id, c.id] }, { memberIds: [extra[2]!.id] }] },
			durationMinutes: 20,
			circle: { order: 'join', listenOnly: true }
		});
		if (!opened.ok) throw new Error(opened.error.code);
		const [group, elsewhere] = opened.data.groups;
		const room = roomName(group!.id);
		const updatesFrom = async (mark: number, count: number) => {
			const calls = of('UpdateParticipant')(
				(await fake.until((cs) => of('UpdateParticipant')(cs.slice(mark)).length >= count)).slice(mark)
			);
			expect(calls).toHaveLength(count);
			for (const call of calls) expect(call.body.room).toBe(room);
			return new Map(
				calls.map((call) => [call.body.identity, (call.body.permission as { canPublishSources: string[] }).canPublishSources])
			);
		};
		let mark = fake.calls.length;
		expect(await request(fac, 'circle:start', { groupId: group!.id })).toEqual({ ok: true, data: null });
		expect((await updatesFrom(mark, 3)).get(a.id)).toEqual(['CAMERA', 'MICROPHONE']);
		await s.hearth.media.idle();

		// The holder's last connection goes: the piece moves on (they stay in the group, listening).
		mark = fake.calls.length;
		mel.disconnect();
		const afterLeave = await updatesFrom(mark, 3);
		expect(afterLeave).toEqual(
			new Map([
				[a.id, ['CAMERA']],
				[b.id, ['CAMERA', 'MICROPHONE']],
				[c.id, ['CAMERA']]
			])
		);
		await s.hearth.media.idle();

		// The new holder is moved to the other group: the one left in the circle speaks.
		mark = fake.calls.length;
		expect(await request(fac, 'round:move', { userId: b.id, groupId: elsewhere!.id })).toEqual({ ok: true, data: null });
		const afterMove = await updatesFrom(mark, 2);
		expect(afterMove).toEqual(
			new Map([
				[a.id, ['CAMERA']],
				[c.id, ['CAMERA', 'MICROPHONE']]
			])
		);
	});

	it('[LK4] a circle that is not listen-only changes no permissions', async () => {
		const { fac } = await everyone();
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'circle',
			grouping: { kind: 'random-count', count: 1 },
			durationMinutes: 20,
			circle: { order: 'join', listenOnly: false }
		});
		if (!opened.ok) throw new Error(opened.error.code);
		expect(await request(fac, 'circle:start', { groupId: opened.data.groups[0]!.id })).toEqual({ ok: true, data: null });
		await s.hearth.media.idle();
		expect(of('UpdateParticipant')(fake.calls)).toEqual([]);
	});

	it('[LK5] someone removed from the cohort is removed from every LiveKit room of the live convening', async () => {
		const { fac } = await everyone();
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-count', count: 2 },
			durationMinutes: 10
		});
		if (!opened.ok) throw new Error(opened.error.code);
		const own = opened.data.groups.find((g) => g.memberIds.includes(w.users.member.id))!;
		// Only the room they are in has them; the others answer "not found", which is expected.
		fake.answer = (call) =>
			call.method === 'RemoveParticipant' && call.body.room !== roomName(own.id)
				? { status: 404, body: { code: 'not_found', msg: 'participant not found' } }
				: undefined;
		await s.hearth.cohorts.removeMember(w.users.facilitator, w.cohortA, w.users.member.id);
		const calls = of('RemoveParticipant')(await fake.until((c) => of('RemoveParticipant')(c).length === 3));
		expect(calls.map((c) => c.body.room).sort()).toEqual([roomName('main'), ...opened.data.groups.map((g) => roomName(g.id))].sort());
		for (const c of calls) {
			expect(c.body.identity).toBe(w.users.member.id);
			expect(c.grant).toEqual({ roomAdmin: true, room: c.body.room });
			expect(Number(c.body.revokeTokenTs)).toBeGreaterThan(0);
		}
	});

	it('[LK5] a facilitator mutes the microphone someone published; others may not', async () => {
		const { fac, mel } = await everyone();
		const main = roomName('main');
		fake.participants.set(
			main,
			new Map([
				[
					w.users.member.id,
					{
						sid: 'PA_mel',
						identity: w.users.member.id,
						tracks: [
							{ sid: 'TR_mic', type: 'AUDIO', source: 'MICROPHONE' },
							{ sid: 'TR_cam', type: 'VIDEO', source: 'CAMERA' }
						]
					}
				]
			])
		);
		expect(await request(fac, 'media:mute', { userId: w.users.member.id })).toEqual({ ok: true, data: { muted: 1 } });
		const mutes = of('MutePublishedTrack')(fake.calls);
		expect(mutes.map((c) => c.body)).toEqual([{ room: main, identity: w.users.member.id, trackSid: 'TR_mic', muted: true }]);
		expect(mutes[0]!.grant).toEqual({ roomAdmin: true, room: main });
		expect(of('GetParticipant')(fake.calls)[0]!.body).toEqual({ room: main, identity: w.users.member.id });
		expect(await request(fac, 'media:mute', { userId: w.users.member.id, source: 'camera' })).toEqual({ ok: true, data: { muted: 1 } });
		// Members cannot mute others; someone without a LiveKit connection cannot be muted.
		expect(await request(mel, 'media:mute', { userId: w.users.facilitator.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await request(fac, 'media:mute', { userId: extra[0]!.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
		expect(await request(fac, 'media:mute', { userId: w.users.otherMember.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
	});

	it('[LK7] a LiveKit server that fails or is unreachable never fails a round', async () => {
		const { fac } = await everyone();
		fake.answer = () => ({ status: 500, body: { code: 'internal', msg: 'boom' } });
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'random-count', count: 2 },
			durationMinutes: 10
		});
		expect(opened.ok).toBe(true);
		await fake.until((c) => of('CreateRoom')(c).length === 2);
		await fake.close();
		expect(await request(fac, 'round:close', { mode: 'now' })).toEqual({ ok: true, data: null });
		await s.hearth.media.idle();
		expect((await s.hearth.live.snapshot(w.conveningA))!.round).toBeNull();
		fake = await startFakeLivekit({ apiKey: KEY, apiSecret: SECRET }); // for afterEach
	});

	it('/healthz reports LiveKit as configured', async () => {
		const res = await fetch(`${s.url}/healthz`);
		expect(((await res.json()) as { services: { livekit: boolean } }).services.livekit).toBe(true);
	});
});

describe('without LiveKit configured', () => {
	let s: TestServer;
	let w: World;
	afterEach(async () => {
		await s.stop();
	});

	it('[LK1] media:token and media:mute answer unavailable: video runs peer-to-peer', async () => {
		s = await startTestServer();
		w = await makeWorld(s.hearth);
		const socket = await openSocket(s.url, `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(w.users.facilitator.id)).token}`);
		try {
			expect((await request(socket, 'convening:join', { conveningId: w.conveningA })).ok).toBe(true);
			const r = await request(socket, 'media:token', {});
			expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
			if (!r.ok) expect(r.error.message).toMatch(/peer-to-peer/);
			expect(await request(socket, 'media:mute', { userId: w.users.member.id })).toMatchObject({
				ok: false,
				error: { code: 'unavailable' }
			});
			// [LK6] No LiveKit, no webhooks.
			const hook = await fetch(`${s.url}/api/livekit/webhook`, {
				method: 'POST',
				body: '{}',
				headers: { 'content-type': 'application/webhook+json' }
			});
			expect(hook.status).toBe(404);
			expect(await hook.json()).toMatchObject({ ok: false, error: { code: 'not_found' } });
			const health = (await (await fetch(`${s.url}/healthz`)).json()) as { services: { livekit: boolean } };
			expect(health.services.livekit).toBe(false);
		} finally {
			socket.disconnect();
		}
	});
});
