/**
 * Request/reply between a benchmark driver and the processes it forks (the measured server, the
 * load generators), over Node's IPC channel.
 *
 * - A child says `hello` once it listens; the driver sends nothing before, so no request is lost.
 * - Every request carries an id and gets exactly one reply, `ok` with data or not with a message.
 * - Every call has a deadline: a child that hangs fails the benchmark instead of stalling it.
 * - A child whose parent goes away (the IPC channel disconnects) exits, so nothing outlives a run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ROOT, track } from './cleanup.ts';

export type Commands = Record<string, { args: unknown; result: unknown }>;

type Request = { kind: 'call'; id: number; cmd: string; args: unknown };
type Reply = { kind: 'reply'; id: number; ok: true; data: unknown } | { kind: 'reply'; id: number; ok: false; error: string };
type Message = Request | Reply | { kind: 'hello' };

export interface Peer<C extends Commands> {
	readonly name: string;
	readonly pid: number;
	call<K extends keyof C & string>(cmd: K, args: C[K]['args'], timeoutMs?: number): Promise<C[K]['result']>;
	/** Asks nothing: kills the process (SIGKILL) if it is still running. */
	kill(): void;
	readonly exited: Promise<void>;
}

/** Forks `file` under tsx and waits for its hello. */
export async function spawnPeer<C extends Commands>(file: string, name: string, env: Record<string, string> = {}): Promise<Peer<C>> {
	const child: ChildProcess = fork(file, [], {
		cwd: ROOT,
		execArgv: ['--import', 'tsx'],
		env: { ...process.env, ...env },
		stdio: ['ignore', 'inherit', 'inherit', 'ipc']
	});
	track(child);
	const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
	let nextId = 1;
	let hello: () => void = () => {};
	const helloSeen = new Promise<void>((resolve) => (hello = resolve));
	const exited = new Promise<void>((resolve) =>
		child.once('exit', (code, signal) => {
			for (const p of pending.values()) {
				clearTimeout(p.timer);
				p.reject(new Error(`${name} exited (${signal ?? code}) before replying`));
			}
			pending.clear();
			resolve();
		})
	);
	child.on('message', (m: Message) => {
		if (m.kind === 'hello') return hello();
		if (m.kind !== 'reply') return;
		const p = pending.get(m.id);
		if (!p) return;
		pending.delete(m.id);
		clearTimeout(p.timer);
		if (m.ok) p.resolve(m.data);
		else p.reject(new Error(`${name}: ${m.error}`));
	});
	const bootTimer = setTimeout(() => child.kill('SIGKILL'), 60_000);
	await Promise.race([helloSeen, exited.then(() => Promise.reject(new Error(`${name} exited while starting`)))]);
	clearTimeout(bootTimer);

	return {
		name,
		pid: child.pid ?? -1,
		exited,
		kill: () => {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		},
		call<K extends keyof C & string>(cmd: K, args: C[K]['args'], timeoutMs = 60_000): Promise<C[K]['result']> {
			const id = nextId++;
			return new Promise((resolve, reject) => {
				// A child already gone (killed by cleanup after a --timeout, say): fail the call, not the driver.
				if (!child.connected) return reject(new Error(`${name}: ${cmd} not sent, the process is gone`));
				const timer = setTimeout(() => {
					pending.delete(id);
					reject(new Error(`${name}: ${cmd} took longer than ${timeoutMs} ms`));
				}, timeoutMs);
				pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
				child.send({ kind: 'call', id, cmd, args } satisfies Request, (err) => {
					if (!err || !pending.delete(id)) return;
					clearTimeout(timer);
					reject(new Error(`${name}: ${cmd} not sent: ${err.message}`));
				});
			});
		}
	};
}

export type Handlers<C extends Commands> = { [K in keyof C]: (args: C[K]['args']) => Promise<C[K]['result']> | C[K]['result'] };

/** In a forked child: answers the driver's calls; `onParentGone` runs (once) if the driver disappears. */
export function servePeer<C extends Commands>(handlers: Handlers<C>, onParentGone: () => Promise<void> | void): void {
	const send = process.send?.bind(process);
	if (!send) throw new Error('This file is started by the benchmark driver (npm run bench), not on its own.');
	process.on('message', (m: Message) => {
		if (m.kind !== 'call') return;
		const handler = handlers[m.cmd as keyof C];
		Promise.resolve()
			.then(() => {
				if (!handler) throw new Error(`unknown command ${m.cmd}`);
				return handler(m.args as C[keyof C]['args']);
			})
			.then(
				(data) => send({ kind: 'reply', id: m.id, ok: true, data } satisfies Reply),
				(err: unknown) =>
					send({ kind: 'reply', id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies Reply)
			);
	});
	let gone = false;
	process.on('disconnect', () => {
		if (gone) return;
		gone = true;
		const force = setTimeout(() => process.exit(1), 5_000);
		force.unref();
		void Promise.resolve(onParentGone()).finally(() => process.exit(1));
	});
	send({ kind: 'hello' });
}
