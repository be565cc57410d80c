/**
 * Redis connections for scale-out, four per instance: commands (leases, publishing), the bus's
 * subscriber, and two of the socket.io adapter's own (its stream reader and its subscriber).
 *
 * - [SC6] The command connection fails fast while Redis is unreachable (no offline queue), so
 *   nothing an instance does for its own clients waits for Redis. Connections that only read
 *   (subscriber, stream reader) keep node-redis's queue, so they pick up where they were when
 *   Redis comes back, without spinning while it is away.
 * - Start-up does not wait for Redis: an instance that cannot reach it serves its own clients and
 *   joins the others when Redis answers.
 */
import { createClient } from 'redis';
import type { Logger } from 'pino';

export type RedisClient = ReturnType<typeof createClient>;

/** How long start-up waits for a first connection before going on without it. */
const CONNECT_WAIT_MS = 3_000;

export function redisClient(url: string, logger: Logger, role: string, opts: { failFast: boolean }): RedisClient {
	const client = createClient({
		url,
		disableOfflineQueue: opts.failFast,
		socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) }
	});
	let failing = false;
	client.on('error', (err: unknown) => {
		// Once per outage, not once per reconnect attempt.
		if (failing) return;
		failing = true;
		logger.warn({ err, role }, 'redis: connection error');
	});
	client.on('ready', () => {
		if (failing) logger.info({ role }, 'redis: connected');
		failing = false;
	});
	return client;
}

/** Connects, waiting a little for the first connection; node-redis keeps trying in the background. */
export async function connect(client: RedisClient, logger: Logger): Promise<void> {
	const connecting = client.connect().then(
		() => true,
		(err: unknown) => {
			logger.warn({ err }, 'redis: could not connect');
			return false;
		}
	);
	let timer: NodeJS.Timeout | undefined;
	const ready = await Promise.race([
		connecting,
		new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), CONNECT_WAIT_MS)))
	]);
	clearTimeout(timer);
	if (!ready) logger.warn('redis: not reachable yet; serving this instance only until it is');
}

/** Closes a client whether or not it is connected. */
export async function disconnect(client: RedisClient): Promise<void> {
	if (!client.isOpen) return;
	if (client.isReady) await client.close().catch(() => client.destroy());
	else client.destroy();
}
