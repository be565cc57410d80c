/** [MV2] Peer-to-peer signalling over socket.io: only between connected people in the same room. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JoinResult, RoundView } from '../../shared/live.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';
import { nextEvent, openSocket, request, type ClientSocket } from '../helpers/sockets.ts';
import type { User } from '../../server/auth/users.store.ts';

describe('peer-to-peer signalling', () => {
	let s: TestServer;
	let w: World;
	let extra: User;
	const sockets: ClientSocket[] = [];

	beforeEach(async () => {
		s = await startTestServer({ env: { ICE_SERVERS: '[{"urls":"stun:stun.example.org:3478"}]', P2P_MAX_PARTICIPANTS: '5' } });
		w = await makeWorld(s.hearth);
		const { token } = await s.hearth.invites.create(w.users.facilitator, w.cohortA, { role: 'member' });
		extra = (
			await s.hearth.invites.acceptAsNewUser(token, {
				name: 'Second Member',
				email: 'second@example.org',
				password: PASSWORD,
				timeZone: 'UTC'
			})
		).user;
	});
	afterEach(async () => {
		for (const x of sockets.splice(0)) x.disconnect();
		await s.stop();
	});

	async function joined(user: User): Promise<{ socket: ClientSocket; result: JoinResult }> {
		const socket = await openSocket(s.url, `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(user.id)).token}`);
		sockets.push(socket);
		const r = await request<JoinResult>(socket, 'convening:join', { conveningId: w.conveningA });
		if (!r.ok) throw new Error(r.error.code);
		return { socket, result: r.data };
	}

	it('[MV2] relays offers, answers and candidates within a room, with the ICE servers and cap from configuration', async () => {
		const fac = await joined(w.users.facilitator);
		await request(fac.socket, 'convening:phase', { phase: 'live' });
		expect(fac.result.media).toEqual({
			mode: 'p2p',
			iceServers: [{ urls: 'stun:stun.example.org:3478' }],
			maxParticipants: 5,
			screenShare: 'facilitators'
		});
		const mel = await joined(w.users.member);
		const got = nextEvent(mel.socket, 'media:signal');
		expect(
			await request(fac.socket, 'media:signal', { to: w.users.member.id, data: { type: 'offer', sid: 's1', sdp: 'v=0 fake' } })
		).toEqual({
			ok: true,
			data: null
		});
		expect(await got).toEqual({ from: w.users.facilitator.id, data: { type: 'offer', sid: 's1', sdp: 'v=0 fake' } });
		const cand = nextEvent(fac.socket, 'media:signal');
		const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
		expect(
			await request(mel.socket, 'media:signal', { to: w.users.facilitator.id, data: { type: 'candidate', sid: 's2', candidate } })
		).toEqual({
			ok: true,
			data: null
		});
		expect((await cand).data).toEqual({ type: 'candidate', sid: 's2', candidate });
	});

	it('[MV2] refuses signalling to someone in another room, someone absent, and malformed messages', async () => {
		const fac = await joined(w.users.facilitator);
		await request(fac.socket, 'convening:phase', { phase: 'live' });
		const mel = await joined(w.users.member);
		const second = await joined(extra);
		const r = await request<RoundView>(fac.socket, 'round:open', {
			kind: 'open',
			grouping: { kind: 'manual', groups: [{ memberIds: [w.users.member.id] }, { memberIds: [extra.id] }] },
			durationMinutes: 10
		});
		expect(r.ok).toBe(true);
		let leaked = false;
		second.socket.on('media:signal', () => (leaked = true));
		expect(await request(mel.socket, 'media:signal', { to: extra.id, data: { type: 'offer', sid: 's', sdp: 'x' } })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		expect(
			await request(mel.socket, 'media:signal', { to: w.users.observer.id, data: { type: 'offer', sid: 's', sdp: 'x' } })
		).toMatchObject({
			ok: false,
			error: { code: 'not_found' }
		});
		for (const bad of [
			{ to: extra.id, data: { type: 'offer', sid: 's' } },
			{ to: extra.id, data: { type: 'offer', sdp: 'no sid' } },
			{ to: extra.id, data: { type: 'offer', sid: 's', sdp: 'x'.repeat(60_001) } },
			{ to: extra.id, data: { type: 'bye' } },
			{ to: 5, data: { type: 'answer', sid: 's', sdp: 'x' } }
		]) {
			expect(await request(mel.socket, 'media:signal', bad)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
		}
		// A round trip on the same socket shows nothing was relayed meanwhile.
		await request(second.socket, 'hand:raise');
		expect(leaked).toBe(false);
	});
});
