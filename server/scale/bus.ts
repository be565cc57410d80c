/**
 * The bus between Hearth instances: fire-and-forget messages on named channels. With one instance
 * there is no bus at all; `localHub()` gives several instances in one process a bus (unit tests),
 * `redisBus()` is the real one (Redis pub/sub).
 *
 * Invariants:
 * - [SC6] Publishing never waits for Redis: while the connection is down it fails at once (and the
 *   caller carries on with its own clients); it never queues messages for later.
 * - A message is delivered to every subscriber of its channel, the publishing instance's own
 *   included: receivers skip their own messages where that matters.
 * - Messages can be lost (pub/sub is at most once). `onResume` fires when the connection comes
 *   back after a loss, so that each user of the bus catches up from storage.
 */
import type { Logger } from 'pino';
import type { RedisClient } from './redis.ts';

export type Unsubscribe = () => Promise<void>;

export interface Bus {
	readonly instanceId: string;
	/** Sends to every subscriber of `channel`; answers how many received it (0: nobody is listening). */
	publish(channel: string, message: Uint8Array): Promise<number>;
	/** Listens on `channel`; resolves once subscribed (or at once while Redis is down: it subscribes when it comes back). */
	subscribe(channel: string, onMessage: (message: Uint8Array) => void): Promise<Unsubscribe>;
	/** Calls `fn` each time the connection comes back after a loss. */
	onResume(fn: () => void): () => void;
	/** False while Redis is unreachable. */
	readonly connected: boolean;
	close(): Promise<void>;
}

/** Several buses in one process (one per instance), for tests without Redis. */
export function localHub() {
	const channels = new Map<string, Set<(m: Uint8Array) => void>>();
	return {
		bus(instanceId: string): Bus {
			const mine = new Set<{ channel: string; fn: (m: Uint8Array) => void }>();
			return {
				instanceId,
				connected: true,
				async publish(channel, message) {
					const subs = [...(channels.get(channel) ?? [])];
					// Delivered asynchronously, in order, as Redis would.
					for (const fn of subs) queueMicrotask(() => fn(message));
					return subs.length;
				},
				async subscribe(channel, onMessage) {
					const entry = { channel, fn: onMessage };
					mine.add(entry);
					let set = channels.get(channel);
					if (!set) channels.set(channel, (set = new Set()));
					set.add(onMessage);
					return async () => {
						mine.delete(entry);
						channels.get(channel)?.delete(onMessage);
					};
				},
				onResume: () => () => {},
				async close() {
					for (const { channel, fn } of mine) channels.get(channel)?.delete(fn);
					mine.clear();
				}
			};
		}
	};
}

/**
 * The bus over Redis pub/sub: `pub` is a client that fails fast while disconnected, `sub` a
 * subscriber connection (node-redis subscribes again by itself after a reconnect).
 */
export function redisBus(deps: { pub: RedisClient; sub: RedisClient; prefix: string; instanceId: string; logger: Logger }): Bus {
	const { pub, sub, prefix, instanceId, logger } = deps;
	const resumers = new Set<() => void>();
	let down = false;
	const lost = () => {
		if (down) return;
		down = true;
		logger.warn('redis: connection lost; cross-instance traffic is paused, this instance keeps serving its own clients');
	};
	sub.on('error', lost);
	sub.on('reconnecting', lost);
	sub.on('ready', () => {
		if (!down) return;
		down = false;
		logger.info('redis: connected again; catching up from storage');
		for (const fn of resumers) {
			try {
				fn();
			} catch (err) {
				logger.error({ err }, 'redis: catching up failed');
			}
		}
	});
	const listeners = new Map<string, Set<(m: Uint8Array) => void>>();
	const dispatch = (message: Buffer, channel: Buffer) => {
		const name = channel.toString();
		for (const fn of listeners.get(name) ?? []) {
			try {
				fn(new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
			} catch (err) {
				logger.error({ err, channel: name }, 'bus: handling a message failed');
			}
		}
	};
	return {
		instanceId,
		get connected() {
			return pub.isReady && sub.isReady;
		},
		async publish(channel, message) {
			return pub.publish(prefix + channel, Buffer.from(message.buffer, message.byteOffset, message.byteLength));
		},
		async subscribe(channel, onMessage) {
			const name = prefix + channel;
			let set = listeners.get(name);
			const first = !set;
			if (!set) listeners.set(name, (set = new Set()));
			set.add(onMessage);
			if (first) {
				const subscribed = sub.subscribe(name, dispatch, true);
				// While Redis is down the subscription is queued; do not hold the caller (a board loading) for it.
				if (sub.isReady) await subscribed;
				else subscribed.catch((err: unknown) => logger.debug({ err, channel }, 'bus: subscribing failed'));
			}
			return async () => {
				const s = listeners.get(name);
				if (!s?.delete(onMessage) || s.size) return;
				listeners.delete(name);
				if (sub.isReady) await sub.unsubscribe(name, dispatch, true).catch(() => {});
			};
		},
		onResume(fn) {
			resumers.add(fn);
			return () => resumers.delete(fn);
		},
		async close() {
			resumers.clear();
			listeners.clear();
		}
	};
}
