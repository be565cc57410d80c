/**
 * The LiveKit client in Chromium, as far as it goes without a LiveKit server (none can run here:
 * the rest is checked by hand, docs/VIDEO.md). LIVEKIT_URL points at a loopback stand-in that
 * answers the room service with `{}` and records every connection attempt the browser makes to it
 * (`/rtc…?access_token=<jwt>`), then refuses it. So this checks the wiring the unit tests cannot:
 * livekit-client loads in the page, the page asks for a token for the room it is in and connects to
 * LiveKit with it, a room change makes it connect with a fresh token for the new room, and the
 * camera and microphone (livekit-client's local tracks) work before any room is reached.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { seedDemo, DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { SESSION_COOKIE } from '../../shared/session.ts';
import type { JoinResult, RoundView } from '../../shared/live.ts';
import { livekitRoomName } from '../../shared/livekit.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, signInThroughForm, skipDeviceCheck } from '../helpers/browser.ts';
import { openSocket, request, type ClientSocket } from '../helpers/sockets.ts';

const POLL = { timeout: 30_000, interval: 250 };
const KEY = 'hearth-e2e-key';
const SECRET = 'an-e2e-secret-that-is-long-enough-for-hs256';
const MEI = 'mei.tanaka@hearth.example';

interface Attempt {
	path: string;
	room: string;
	identity: string;
}

/** What the browser tried: each connection attempt's path, and the room and identity its token names. */
async function startStandIn(): Promise<{ url: string; attempts: Attempt[]; close(): Promise<void> }> {
	const attempts: Attempt[] = [];
	const record = (rawUrl: string | undefined) => {
		const url = new URL(rawUrl ?? '/', 'http://x');
		const jwt = url.searchParams.get('access_token');
		if (!jwt) return;
		const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
			sub: string;
			video: { room: string };
		};
		attempts.push({ path: url.pathname, room: claims.video.room, identity: claims.sub });
	};
	const server = http.createServer((req, res) => {
		record(req.url);
		if (req.method === 'POST' && req.url?.startsWith('/twirp/')) {
			req.resume();
			res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
		} else res.writeHead(503).end('no LiveKit server here');
	});
	server.on('upgrade', (req, socket) => {
		record(req.url);
		socket.destroy();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		attempts,
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

describe('LiveKit mode in the browser, without a LiveKit server (stand-in records connection attempts)', () => {
	let s: TestServer;
	let standIn: Awaited<ReturnType<typeof startStandIn>>;
	let browser: Browser;
	let fac: ClientSocket;
	let livePath: string;
	let conveningId: string;
	const ids: Record<string, string> = {};

	beforeAll(async () => {
		standIn = await startStandIn();
		s = await startTestServer({ clock: systemClock, env: { LIVEKIT_URL: standIn.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET } });
		const seeded = await seedDemo(s.db, s.clock);
		const row = await s.db.kysely
			.selectFrom('convenings')
			.select('id')
			.where('cohort_id', '=', seeded.cohortId)
			.where('starts_at', '=', '2026-12-14T14:00:00.000Z')
			.executeTakeFirstOrThrow();
		conveningId = row.id;
		livePath = `/cohorts/${seeded.cohortId}/convenings/${conveningId}/live?debug-media`;
		for (const u of await s.db.kysely.selectFrom('users').select(['id', 'email']).execute()) ids[u.email] = u.id;
		fac = await openSocket(s.url, `${SESSION_COOKIE}=${(await s.hearth.auth.createSession(ids[seeded.facilitatorEmail]!)).token}`);
		const joined = await request<JoinResult>(fac, 'convening:join', { conveningId });
		expect(joined.ok && joined.data.media.mode).toBe('livekit');
		await request(fac, 'convening:phase', { phase: 'live' });
		browser = await launchBrowser({ media: true });
	});
	afterAll(async () => {
		fac?.disconnect();
		await browser?.close();
		await s?.hearth.media.idle();
		await s?.stop();
		await standIn?.close();
	});

	async function enter(email: string): Promise<Page> {
		const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
		await skipDeviceCheck(context);
		await context.grantPermissions(['camera', 'microphone']);
		const page = await context.newPage();
		await signInThroughForm(page, s.url, email, DEMO_PASSWORD, livePath);
		await page.waitForURL(/\/live\?debug-media$/);
		await expect.poll(() => page.getByTestId('connection').textContent(), POLL).toBe('Connected');
		return page;
	}

	/** The LiveKit rooms the browser has tried to connect to as `email`, in order, without repeats in a row. */
	const roomsTried = (email: string) =>
		standIn.attempts
			.filter((a) => a.identity === ids[email])
			.flatMap((a, i, all) => (i > 0 && all[i - 1]!.room === a.room ? [] : [a.room]));

	/** What my own tile plays: its tracks' kinds and states. */
	const selfTracks = (page: Page) =>
		page
			.getByTestId('video-self')
			.locator('video')
			.evaluate((video: unknown) => {
				const stream = (video as { srcObject: { getTracks(): { kind: string; readyState: string }[] } | null }).srcObject;
				return stream?.getTracks().map((t) => `${t.kind}:${t.readyState}`) ?? [];
			})
			.then((tracks) => tracks.sort());

	it('connects to the LiveKit room of the room it is in, follows a breakout with a fresh token, and runs the camera locally', async () => {
		const page = await enter(MEI);
		const main = livekitRoomName(conveningId, 'main');

		// livekit-client was loaded and is trying the main room with Mei's token; no server answers.
		await expect
			.poll(() => page.evaluate(() => (globalThis as unknown as { hearthMedia?: { mode: string } }).hearthMedia?.mode), POLL)
			.toBe('livekit');
		await expect.poll(() => roomsTried(MEI), POLL).toEqual([main]);
		expect(standIn.attempts.some((a) => a.path.startsWith('/rtc'))).toBe(true);
		await expect.poll(() => page.getByTestId('media-status').textContent(), POLL).toBe('Connecting video…');

		// Camera and microphone are livekit-client's local tracks, made before any room is reached.
		await page.getByRole('button', { name: 'Turn on camera and microphone' }).click();
		await expect.poll(() => selfTracks(page), POLL).toEqual(['audio:live', 'video:live']);
		await page.getByRole('button', { name: 'Stop camera' }).click();
		await expect.poll(() => selfTracks(page), POLL).toEqual(['audio:live']); // the tile shows initials
		await page.getByRole('button', { name: 'Start camera' }).click();
		await expect.poll(() => selfTracks(page), POLL).toEqual(['audio:live', 'video:live']);
		await page.getByRole('button', { name: 'Mute' }).click();
		await expect.poll(() => page.getByRole('button', { name: 'Unmute' }).count(), POLL).toBe(1);
		await page.screenshot({ path: artifactPath('livekit-connecting.png') });

		// A breakout: the next attempt carries a token for Mei's group's LiveKit room, asked for at once.
		const opened = await request<RoundView>(fac, 'round:open', {
			kind: 'open',
			grouping: { kind: 'manual', groups: [{ memberIds: [ids[MEI]!] }] },
			durationMinutes: 10
		});
		expect(opened.ok).toBe(true);
		const groupId = opened.ok ? opened.data.groups[0]!.id : '';
		await expect.poll(() => roomsTried(MEI), { timeout: 5000, interval: 100 }).toEqual([main, livekitRoomName(conveningId, groupId)]);

		// Back to the main room when it closes, again with a fresh token; the local camera kept running throughout.
		expect(await request(fac, 'round:close', { mode: 'now' })).toEqual({ ok: true, data: null });
		await expect.poll(() => roomsTried(MEI), { timeout: 5000, interval: 100 }).toEqual([main, livekitRoomName(conveningId, groupId), main]);
		expect(await selfTracks(page)).toEqual(['audio:live', 'video:live']);
		await page.context().close();
	});
});
