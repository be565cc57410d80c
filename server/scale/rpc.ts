/**
 * Requests from one instance to another over the bus: each instance listens on its own channel
 * (`rpc:<instanceId>`); a request carries the asker's id, the answer goes back to the asker's channel.
 *
 * - A request nobody receives (the target is not subscribed: it died or lost Redis) fails at once
 *   with `RpcUnreachable`; one without an answer within `timeoutMs` fails with `RpcTimeout`. Either
 *   way the caller does not know whether it ran.
 * - Payloads and answers are JSON. A handler's AppError reaches the caller as the same AppError
 *   (code and message); any other failure as `internal`, logged where it happened.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError, ErrorCode, ERROR_MESSAGES } from '../../shared/errors.ts';
import type { Bus, Unsubscribe } from './bus.ts';

export class RpcUnreachable extends Error {}
export class RpcTimeout extends Error {}

type Message =
	| { k: 'q'; id: string; from: string; name: string; payload: unknown }
	| { k: 'r'; id: string; ok: true; value: unknown }
	| { k: 'r'; id: string; ok: false; code: string; message: string };

export type Handler = (payload: unknown, from: string) => Promise<unknown>;

export interface Rpc {
	call(to: string, name: string, payload: unknown): Promise<unknown>;
	handle(name: string, handler: Handler): void;
	close(): Promise<void>;
}

const encode = (m: Message) => new TextEncoder().encode(JSON.stringify(m));

export async function createRpc(bus: Bus, logger: Logger, opts: { timeoutMs: number }): Promise<Rpc> {
	const handlers = new Map<string, Handler>();
	const pending = new Map<string, { resolve(v: unknown): void; reject(e: unknown): void; timer: NodeJS.Timeout }>();
	const channel = (instanceId: string) => `rpc:${instanceId}`;

	function answer(to: string, m: Message): void {
		bus.publish(channel(to), encode(m)).catch((err: unknown) => logger.debug({ err }, 'rpc: answering failed'));
	}

	async function onRequest(m: Extract<Message, { k: 'q' }>): Promise<void> {
		const handler = handlers.get(m.name);
		try {
			if (!handler) throw new Error(`no handler for ${m.name}`);
			answer(m.from, { k: 'r', id: m.id, ok: true, value: await handler(m.payload, m.from) });
		} catch (err) {
			if (AppError.is(err)) return answer(m.from, { k: 'r', id: m.id, ok: false, code: err.code, message: err.message });
			logger.error({ err, request: m.name }, 'rpc: request failed');
			answer(m.from, { k: 'r', id: m.id, ok: false, code: ErrorCode.Internal, message: ERROR_MESSAGES.internal });
		}
	}

	const unsubscribe: Unsubscribe = await bus.subscribe(channel(bus.instanceId), (data) => {
		let m: Message;
		try {
			m = JSON.parse(new TextDecoder().decode(data)) as Message;
		} catch {
			return;
		}
		if (m.k === 'q') return void onRequest(m);
		const p = pending.get(m.id);
		if (!p) return;
		pending.delete(m.id);
		clearTimeout(p.timer);
		if (m.ok) p.resolve(m.value);
		else p.reject(new AppError(m.code as ErrorCode, m.message));
	});

	return {
		handle(name, handler) {
			handlers.set(name, handler);
		},
		call(to, name, payload) {
			const id = randomUUID();
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					pending.delete(id);
					reject(new RpcTimeout(`no answer from ${to} to ${name}`));
				}, opts.timeoutMs);
				pending.set(id, { resolve, reject, timer });
				bus.publish(channel(to), encode({ k: 'q', id, from: bus.instanceId, name, payload })).then(
					(received) => {
						if (received > 0 || !pending.has(id)) return;
						pending.delete(id);
						clearTimeout(timer);
						reject(new RpcUnreachable(`${to} is not listening`));
					},
					(err: unknown) => {
						pending.delete(id);
						clearTimeout(timer);
						reject(new RpcUnreachable(err instanceof Error ? err.message : String(err)));
					}
				);
			});
		},
		async close() {
			for (const p of pending.values()) {
				clearTimeout(p.timer);
				p.reject(new RpcUnreachable('closing'));
			}
			pending.clear();
			await unsubscribe();
		}
	};
}
