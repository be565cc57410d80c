/**
 * Leases: "exactly one instance does this at a time" (a convening's timers and live state, a
 * board's compaction), in Redis.
 *
 * Invariants:
 * - [SC3] A lease is a Redis key holding the holder's instance id with a time to live (taken
 *   atomically: set if absent, or renewed if already ours). The holder renews every lease it holds
 *   every third of the term, in one round trip. A holder that dies stops renewing, the key expires,
 *   and the next instance that asks takes it.
 * - A holder counts its term from when it *sent* the last successful renewal, minus a margin, so it
 *   stops believing it holds a lease before Redis lets anyone else take it. When the term runs out
 *   unrenewed (Redis unreachable) or a renewal finds another holder, `onLost` fires and the holder
 *   stops acting on it.
 * - A Redis lease is not a fencing token: an instance paused for longer than the term could act once
 *   more after losing it. What leases guard (timers, compaction) is written so that doing it twice
 *   is harmless (closing a closed round, a snapshot whose watermark does not move forward).
 * - `localLeases()`: a single instance holds every lease (no Redis).
 */
import type { Logger } from 'pino';
import type { RedisClient } from './redis.ts';

export interface Leases {
	/** Takes the lease (or keeps it, if already ours); true when this instance holds it now. */
	acquire(name: string): Promise<boolean>;
	/** True while this instance holds the lease and its term has not run out. */
	held(name: string): boolean;
	/** Who holds each lease now (instance ids; null when free). Throws when Redis is unreachable. */
	holders(names: string[]): Promise<(string | null)[]>;
	/** Gives the lease up (if ours), so another instance can take it at once. */
	release(name: string): Promise<void>;
	/** Called when a lease this instance held is lost. */
	onLost(fn: (name: string) => void): () => void;
	/** The term, in milliseconds. */
	readonly ttlMs: number;
	close(): Promise<void>;
}

export function localLeases(instanceId = 'local'): Leases {
	const mine = new Set<string>();
	return {
		ttlMs: Number.POSITIVE_INFINITY,
		async acquire(name) {
			mine.add(name);
			return true;
		},
		held: (name) => mine.has(name),
		async holders(names) {
			return names.map((n) => (mine.has(n) ? instanceId : null));
		},
		async release(name) {
			mine.delete(name);
		},
		onLost: () => () => {},
		async close() {
			mine.clear();
		}
	};
}

// Take if free, keep if ours: 1 when held by us afterwards.
const ACQUIRE = `
local v = redis.call('get', KEYS[1])
if v == false then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
return 0`;
// Renew every key still ours; answers 1/0 per key.
const RENEW = `
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then redis.call('pexpire', key, ARGV[2]) out[i] = 1 else out[i] = 0 end
end
return out`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export function redisLeases(deps: { redis: RedisClient; prefix: string; instanceId: string; ttlMs: number; logger: Logger }): Leases {
	const { redis, prefix, instanceId, ttlMs, logger } = deps;
	// Clocks drift and Redis expires keys on its own clock: stop believing a little early.
	const margin = Math.max(50, Math.round(ttlMs / 10));
	const terms = new Map<string, number>(); // name -> held until (performance.now())
	const losers = new Set<(name: string) => void>();
	const key = (name: string) => `${prefix}lease:${name}`;
	let closed = false;

	function lose(name: string): void {
		if (!terms.delete(name)) return;
		logger.info({ lease: name }, 'lease lost');
		for (const fn of losers) {
			try {
				fn(name);
			} catch (err) {
				logger.error({ err, lease: name }, 'lease: handling a loss failed');
			}
		}
	}

	async function renew(): Promise<void> {
		const names = [...terms.keys()];
		if (names.length) {
			const sentAt = performance.now();
			try {
				const kept = (await redis.eval(RENEW, { keys: names.map(key), arguments: [instanceId, String(ttlMs)] })) as number[];
				names.forEach((name, i) => {
					if (!terms.has(name)) return;
					if (kept[i] === 1) terms.set(name, sentAt + ttlMs - margin);
					else lose(name);
				});
			} catch (err) {
				logger.debug({ err }, 'lease: renewal failed');
			}
		}
		const now = performance.now();
		for (const [name, until] of terms) if (until <= now) lose(name);
	}

	const timer = setInterval(() => void renew(), Math.max(100, Math.floor(ttlMs / 3)));
	timer.unref();

	return {
		ttlMs,
		async acquire(name) {
			if (closed) return false;
			const sentAt = performance.now();
			try {
				const ok = (await redis.eval(ACQUIRE, { keys: [key(name)], arguments: [instanceId, String(ttlMs)] })) === 1;
				if (ok && !closed) terms.set(name, sentAt + ttlMs - margin);
				return ok && !closed;
			} catch (err) {
				logger.debug({ err, lease: name }, 'lease: acquiring failed');
				return false;
			}
		},
		held(name) {
			const until = terms.get(name);
			return until !== undefined && until > performance.now();
		},
		async holders(names) {
			if (!names.length) return [];
			const values = await redis.mGet(names.map(key));
			return values.map((v) => (v === null ? null : String(v)));
		},
		async release(name) {
			if (!terms.delete(name)) return;
			await redis.eval(RELEASE, { keys: [key(name)], arguments: [instanceId] }).catch(() => {});
		},
		onLost(fn) {
			losers.add(fn);
			return () => losers.delete(fn);
		},
		async close() {
			closed = true;
			clearInterval(timer);
			const names = [...terms.keys()];
			terms.clear();
			await Promise.all(names.map((n) => redis.eval(RELEASE, { keys: [key(n)], arguments: [instanceId] }).catch(() => {})));
		}
	};
}
