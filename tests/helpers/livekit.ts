/**
 * A loopback stand-in for LiveKit's room service API, for contract tests: no LiveKit server can be
 * installed here. It speaks what livekit-server-sdk's RoomServiceClient sends (Twirp over HTTP:
 * `POST /twirp/livekit.RoomService/<Method>` with a JSON body and `Authorization: Bearer <jwt>`),
 * verifies every request's JWT with the SDK's TokenVerifier, and records each call with its grant.
 *
 * It checks the transport contract (path, JSON, signed grants), not LiveKit's behaviour: what a
 * real server does with a call is for docs/VIDEO.md's manual run against `livekit-server --dev`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenVerifier, type VideoGrant } from 'livekit-server-sdk';

export interface TwirpCall {
	method: string;
	body: Record<string, unknown>;
	/** The video grant of the call's bearer token. */
	grant: VideoGrant;
	issuer: string;
}

export interface Answer {
	status: number;
	body: unknown;
}

export interface FakeLivekit {
	/** `http://127.0.0.1:<port>`, for LIVEKIT_URL. */
	url: string;
	calls: TwirpCall[];
	/** Requests refused for a bad path, body or signature, with the reason. */
	refused: string[];
	/** Participants the fake knows, by room then identity (GetParticipant, and 404 for others). */
	participants: Map<string, Map<string, Record<string, unknown>>>;
	/** Overrides the answer to a call (return undefined for the default). */
	answer: (call: TwirpCall) => Answer | undefined;
	/** Waits until `check` holds on the calls, or fails after `timeoutMs`. */
	until(check: (calls: TwirpCall[]) => boolean, timeoutMs?: number): Promise<TwirpCall[]>;
	close(): Promise<void>;
}

const notFound = (msg: string): Answer => ({ status: 404, body: { code: 'not_found', msg } });

function defaultAnswer(fake: FakeLivekit, call: TwirpCall): Answer {
	const room = String(call.body.room ?? '');
	const identity = String(call.body.identity ?? '');
	const known = fake.participants.get(room)?.get(identity);
	switch (call.method) {
		case 'CreateRoom':
			return {
				status: 200,
				body: { sid: 'RM_fake', name: call.body.name, emptyTimeout: call.body.emptyTimeout, metadata: call.body.metadata }
			};
		case 'DeleteRoom':
			return { status: 200, body: {} };
		case 'GetParticipant':
			return known ? { status: 200, body: known } : notFound('participant does not exist');
		case 'MutePublishedTrack':
			return { status: 200, body: { track: { sid: call.body.trackSid, muted: call.body.muted } } };
		case 'UpdateParticipant':
			return { status: 200, body: { identity, permission: call.body.permission } };
		case 'RemoveParticipant':
			return { status: 200, body: {} };
		default:
			return { status: 404, body: { code: 'bad_route', msg: `no handler for ${call.method}` } };
	}
}

export async function startFakeLivekit(opts: { apiKey: string; apiSecret: string }): Promise<FakeLivekit> {
	const verifier = new TokenVerifier(opts.apiKey, opts.apiSecret);
	const server = http.createServer();
	const fake: FakeLivekit = {
		url: '',
		calls: [],
		refused: [],
		participants: new Map(),
		answer: () => undefined,
		async until(check, timeoutMs = 5000) {
			const deadline = Date.now() + timeoutMs;
			while (!check(fake.calls)) {
				if (Date.now() > deadline) throw new Error(`LiveKit calls never matched; got ${JSON.stringify(fake.calls.map((c) => c.method))}`);
				await new Promise((r) => setTimeout(r, 10));
			}
			return fake.calls;
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
	server.on('request', (req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			void (async () => {
				const reply = (a: Answer) => {
					res.writeHead(a.status, { 'content-type': 'application/json' });
					res.end(JSON.stringify(a.body));
				};
				const refuse = (reason: string, status = 400) => {
					fake.refused.push(reason);
					reply({ status, body: { code: status === 401 ? 'unauthenticated' : 'malformed', msg: reason } });
				};
				const route = /^\/twirp\/livekit\.RoomService\/([A-Za-z]+)$/.exec(req.url ?? '');
				if (req.method !== 'POST' || !route) return refuse(`bad route ${req.method} ${req.url}`, 404);
				if (!String(req.headers['content-type']).startsWith('application/json')) return refuse('not JSON');
				let body: Record<string, unknown>;
				try {
					body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
				} catch {
					return refuse('body does not parse');
				}
				const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
				if (!bearer) return refuse('no bearer token', 401);
				let claims;
				try {
					claims = await verifier.verify(bearer[1]!);
				} catch (err) {
					return refuse(`bad token: ${(err as Error).message}`, 401);
				}
				const call: TwirpCall = { method: route[1]!, body, grant: (claims.video ?? {}) as VideoGrant, issuer: String(claims.iss) };
				fake.calls.push(call);
				reply(fake.answer(call) ?? defaultAnswer(fake, call));
			})();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return fake;
}
