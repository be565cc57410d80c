import type { HearthDeps } from '../app.ts';

export interface HealthReport {
	ok: boolean;
	storage: { engine: 'sqlite' | 'postgres'; ok: boolean };
	services: { redis: boolean; livekit: boolean };
	time: string;
}

/** What /healthz answers: storage in use and whether it answers, and which optional services are configured. */
export async function healthReport({
	db,
	config,
	clock,
	logger
}: Pick<HearthDeps, 'db' | 'config' | 'clock' | 'logger'>): Promise<HealthReport> {
	let storageOk = true;
	try {
		await db.ping();
	} catch (err) {
		storageOk = false;
		// The cause goes to the log only: /healthz is public and must not reveal hosts or paths.
		logger.error({ err }, 'health check: storage unreachable');
	}
	return {
		ok: storageOk,
		storage: { engine: db.engine, ok: storageOk },
		services: { redis: config.redisUrl !== undefined, livekit: config.livekit !== undefined },
		time: new Date(clock.now()).toISOString()
	};
}
