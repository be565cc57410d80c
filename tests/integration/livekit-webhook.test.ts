/**
 * LiveKit webhooks at POST /api/livekit/webhook on a real server with the built app. Requests are
 * signed the way LiveKit signs them (an AccessToken whose `sha256` claim is the base64 SHA-256 of
 * the body, sent raw as the Authorization header), built with the SDK itself. Rule [LK6].
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AccessToken } from 'livekit-server-sdk';
import { ManualClock } from '../../server/clock.ts';
import { loadConfig } from '../../server/config.ts';
import { startServer, type RunningServer } from '../../server/http/server.ts';
import { builtHandler, freshDb } from '../helpers/server.ts';
import { makeWorld, type World } from '../helpers/world.ts';

const KEY = 'hearth-test-key';
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const AT = Date.parse('2026-12-14T14:05:00Z') / 1000;

async function signature(body: string, opts: { key?: string; secret?: string; ttl?: number } = {}): Promise<string> {
	const at = new AccessToken(opts.key ?? KEY, opts.secret ?? SECRET, { ttl: opts.ttl ?? 600 });
	at.sha256 = createHash('sha256').update(body).digest('base64');
	return at.toJwt();
}

describe.each(['sqlite', 'postgres'] as const)(
	'LiveKit webhooks on %s (contract test with SDK-signed requests, no LiveKit server here)',
	(engine) => {
		let fresh: Awaited<ReturnType<typeof freshDb>>;
		let server: RunningServer;
		let w: World;
		let logged: { level: number; msg: string; reason?: string }[];

		beforeEach(async () => {
			fresh = await freshDb(engine);
			logged = [];
			const sink = new Writable({
				write(chunk: Buffer, _enc, done) {
					for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logged.push(JSON.parse(line) as (typeof logged)[number]);
					done();
				}
			});
			const config = loadConfig({
				PORT: '0',
				HOST: '127.0.0.1',
				DATA_DIR: fresh.dataDir,
				...(fresh.databaseUrl ? { DATABASE_URL: fresh.databaseUrl } : {}),
				// Nothing listens here: webhooks make no calls to LiveKit.
				LIVEKIT_URL: 'ws://127.0.0.1:9',
				LIVEKIT_API_KEY: KEY,
				LIVEKIT_API_SECRET: SECRET
			});
			server = await startServer({
				config,
				handler: await builtHandler(),
				clock: new ManualClock(AT * 1000),
				logger: pino({ level: 'warn' }, sink),
				db: fresh.db
			});
			w = await makeWorld(server.hearth);
		});
		afterEach(async () => {
			await server.close();
			await fresh.cleanup();
		});

		const event = (kind: string, room: string, identity: string, sid: string, createdAt = AT) =>
			JSON.stringify({
				event: kind,
				id: `EV_${kind}_${sid}`,
				createdAt: String(createdAt),
				room: { sid: 'RM_1', name: room },
				participant: { sid, identity, name: 'Someone' }
			});
		const post = (body: string, authorization?: string) =>
			fetch(`${server.url}/api/livekit/webhook`, {
				method: 'POST',
				body,
				headers: { 'content-type': 'application/webhook+json', ...(authorization === undefined ? {} : { authorization }) }
			});
		const presence = () => server.hearth.media.presence(w.conveningA);
		const main = () => `hearth-${w.conveningA}-main`;
		const refusals = () => logged.filter((l) => l.msg === 'livekit webhook refused');

		it('[LK6] a signed participant_joined then participant_left record one media presence span; a retried webhook adds nothing', async () => {
			const joined = event('participant_joined', main(), w.users.member.id, 'PA_1');
			const res = await post(joined, await signature(joined));
			expect(res.status).toBe(200);
			expect(await res.json()).toEqual({ ok: true, data: null });
			expect(await presence()).toEqual([
				{ room: 'main', userId: w.users.member.id, participantSid: 'PA_1', joinedAt: '2026-12-14T14:05:00.000Z', leftAt: null }
			]);
			// LiveKit retries what it thinks failed: the same participant session is not recorded twice.
			expect((await post(joined, await signature(joined))).status).toBe(200);
			expect(await presence()).toHaveLength(1);

			const left = event('participant_left', main(), w.users.member.id, 'PA_1', AT + 600);
			expect((await post(left, await signature(left))).status).toBe(200);
			expect(await presence()).toEqual([
				{
					room: 'main',
					userId: w.users.member.id,
					participantSid: 'PA_1',
					joinedAt: '2026-12-14T14:05:00.000Z',
					leftAt: '2026-12-14T14:15:00.000Z'
				}
			]);
			expect(refusals()).toEqual([]);
		});

		it('[LK6] a bearer prefix is accepted; group rooms and room_finished are recorded; rooms and people that are not Hearth’s are ignored', async () => {
			const group = '2b7e1516-28ae-4d2a-a6d2-abf7158809cf';
			const joined = event('participant_joined', `hearth-${w.conveningA}-${group}`, w.users.observer.id, 'PA_2');
			expect((await post(joined, `Bearer ${await signature(joined)}`)).status).toBe(200);
			const finished = JSON.stringify({
				event: 'room_finished',
				id: 'EV_f',
				createdAt: String(AT + 60),
				room: { name: `hearth-${w.conveningA}-${group}` }
			});
			expect((await post(finished, await signature(finished))).status).toBe(200);
			expect(await presence()).toEqual([
				{
					room: group,
					userId: w.users.observer.id,
					participantSid: 'PA_2',
					joinedAt: '2026-12-14T14:05:00.000Z',
					leftAt: '2026-12-14T14:06:00.000Z'
				}
			]);
			for (const body of [
				event('participant_joined', 'someone-elses-room', w.users.member.id, 'PA_3'),
				event('participant_joined', main(), 'agent-identity', 'PA_4'),
				event('participant_joined', `hearth-00000000-0000-4000-8000-000000000000-main`, w.users.member.id, 'PA_5'),
				event('track_published', main(), w.users.member.id, 'PA_6')
			]) {
				expect((await post(body, await signature(body))).status).toBe(200);
			}
			expect(await presence()).toHaveLength(1);
		});

		it('[LK6] a tampered body, a wrong key or secret, an expired or missing signature are refused with 401 and logged, never stored', async () => {
			const body = event('participant_joined', main(), w.users.member.id, 'PA_1');
			const tampered = body.replace(w.users.member.id, w.users.facilitator.id);
			const cases: [string, string, string | undefined, RegExp][] = [
				['tampered body', tampered, await signature(body), /sha256/],
				['wrong secret', body, await signature(body, { secret: 'another-secret-that-is-long-enough-too' }), /signature/],
				['wrong key', body, await signature(body, { key: 'someone-else' }), /iss/],
				['expired', body, await signature(body, { ttl: -60 }), /exp/],
				['missing', body, undefined, /empty/],
				['garbage', body, 'not-a-jwt', /.+/]
			];
			for (const [name, sent, authorization, reason] of cases) {
				const res = await post(sent, authorization);
				expect(res.status, name).toBe(401);
				expect(await res.json(), name).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
				expect(refusals().at(-1)?.reason, name).toMatch(reason);
			}
			expect(refusals()).toHaveLength(cases.length);
			expect(await presence()).toEqual([]);
		});
	}
);
