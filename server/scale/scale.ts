/**
 * Scale-out (REDIS_URL set): what one instance needs to cooperate with the others on the same Redis
 * and PostgreSQL. Without REDIS_URL none of this exists and Hearth runs as a single instance.
 *
 * - [SC1] socket.io uses the Redis streams adapter, so rooms and broadcasts span instances.
 * - The bus (Redis pub/sub) carries board traffic, requests to a convening's owner, and notices.
 * - Leases (Redis keys with a term) decide who runs what; every instance also holds its own
 *   `instance:<id>` lease, which tells the others it is alive.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { scaleDefaults, type Config } from '../config.ts';
import { redisBus, type Bus } from './bus.ts';
import { redisLeases, type Leases } from './lease.ts';
import { connect, disconnect, redisClient, type RedisClient } from './redis.ts';
import { createRpc, type Rpc } from './rpc.ts';

export interface Scale {
	instanceId: string;
	bus: Bus;
	leases: Leases;
	rpc: Rpc;
	/** How often owners check on their leases and on the instances whose sockets they hold. */
	tickMs: number;
	/** The socket.io adapter constructor. */
	adapter: ReturnType<typeof createAdapter>;
	/** Lease name telling that an instance is alive. */
	instanceLease(instanceId: string): string;
	/** Whether Redis answers a PING within a second. */
	ping(): Promise<boolean>;
	close(): Promise<void>;
}

export async function connectScale(config: Config, logger: Logger): Promise<Scale | undefined> {
	const url = config.redisUrl;
	if (!url) return undefined;
	const prefix = config.redisPrefix ?? scaleDefaults.redisPrefix;
	const ttlMs = config.redisLeaseMs ?? scaleDefaults.redisLeaseMs;
	const instanceId = `${
		os
			.hostname()
			.replace(/[^A-Za-z0-9-]/g, '')
			.slice(0, 20) || 'hearth'
	}-${process.pid}-${randomBytes(3).toString('hex')}`;
	const log = logger.child({ instance: instanceId });
	if (!config.databaseUrl)
		log.warn('scale-out with SQLite: instances share data only if they run on one machine with the same DATA_DIR; set DATABASE_URL');

	const redis = redisClient(url, log, 'commands', { failFast: true });
	const sub = redis.duplicate({ disableOfflineQueue: false });
	sub.on('error', () => {}); // reported by the bus
	await Promise.all([connect(redis, log), connect(sub, log)]);

	const bus = redisBus({ pub: redis, sub, prefix, instanceId, logger: log });
	const leases = redisLeases({ redis, prefix, instanceId, ttlMs, logger: log });
	const rpc = await createRpc(bus, log, { timeoutMs: Math.max(2_000, Math.min(5_000, ttlMs)) });
	const instanceLease = (id: string) => `instance:${id}`;
	const alive = async () => {
		if (!leases.held(instanceLease(instanceId))) await leases.acquire(instanceLease(instanceId));
	};
	await alive();
	// Redis may come back empty (restarted): say at once that this instance is alive.
	bus.onResume(() => void alive());
	const tickMs = Math.max(100, Math.floor(ttlMs / 3));
	const aliveTimer = setInterval(() => void alive(), tickMs);
	aliveTimer.unref();

	// The adapter publishes on the fail-fast connection (a broadcast reaches this instance's own
	// sockets at once even while Redis is down) and reads its stream on connections that wait.
	const adapterClient = new Proxy(redis, {
		get(target, prop) {
			if (prop === 'duplicate') return () => target.duplicate({ disableOfflineQueue: false });
			const value = Reflect.get(target, prop, target) as unknown;
			return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
		}
	}) as RedisClient;
	const adapter = createAdapter(adapterClient, {
		streamName: `${prefix}socket.io`,
		channelPrefix: `${prefix}socket.io`,
		sessionKeyPrefix: `${prefix}sio:session:`
	});

	log.info({ prefix, leaseMs: ttlMs }, 'scale-out: cooperating with other instances through Redis');
	return {
		instanceId,
		bus,
		leases,
		rpc,
		tickMs,
		adapter,
		instanceLease,
		async ping() {
			let timer: NodeJS.Timeout | undefined;
			try {
				const answer = await Promise.race([
					redis.ping(),
					new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 1_000)))
				]);
				return answer === 'PONG';
			} catch {
				return false;
			} finally {
				clearTimeout(timer);
			}
		},
		async close() {
			clearInterval(aliveTimer);
			await rpc.close().catch(() => {});
			await leases.close();
			await bus.close();
			await disconnect(sub);
			await disconnect(redis);
		}
	};
}
