import type { HearthDeps } from '../app.ts';

export interface HealthReport {
	ok: boolean;
	storage: { engine: 'sqlite' | 'postgres'; ok: boolean };
	services: { redis: boolean; livekit: boolean };
	/** With REDIS_URL: whether Redis answers. Its absence does not make `ok` false (see docs/OPERATIONS.md). */
	redis?: { ok: boolean };
	time: string;
}

/**
 * What /healthz answers: storage in use and whether it answers, which optional services are
 * configured, and (scale-out) whether Redis answers. `ok` follows storage only: an instance without
 * Redis still serves its own clients [SC6], and taking every instance out of a load balancer
 * because Redis is down would turn a degraded service into none.
 */
export async function healthReport({
	db,
	config,
	clock,
	logger,
	scale
}: Pick<HearthDeps, 'db' | 'config' | 'clock' | 'logger' | 'scale'>): Promise<HealthReport> {
	let storageOk = true;
	try {
		await db.ping();
	} catch (err) {
		storageOk = false;
		// The cause goes to the log only: /healthz is public and must not reveal hosts or paths.
		logger.error({ err }, 'health check: storage unreachable');
	}
	let redis: HealthReport['redis'];
	if (scale) {
		redis = { ok: await scale.ping() };
		if (!redis.ok) logger.warn('health check: redis unreachable');
	}
	return {
		ok: storageOk,
		storage: { engine: db.engine, ok: storageOk },
		services: { redis: config.redisUrl !== undefined, livekit: config.livekit !== undefined },
		...(redis ? { redis } : {}),
		time: new Date(clock.now()).toISOString()
	};
}
