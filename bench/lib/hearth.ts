/** A Hearth server (bench/server-entry.ts) in a child process for the length of one measurement. */
import path from 'node:path';
import type { Engine } from '../../server/db/open.ts';
import { freshStorage } from './bench.ts';
import { cleanup, ROOT } from './cleanup.ts';
import { spawnPeer, type Peer } from './ipc.ts';
import type { ServerCommands } from './protocol.ts';
import { withDeadline } from './wait.ts';

export type HearthInfo = ServerCommands['init']['result'];

/**
 * Starts Hearth on fresh `engine` storage (test world, a board, tokens; boards unload 30 s after the
 * last editor leaves), runs `fn`, stops the server cleanly, and removes everything, also on failure.
 * `base` is the shared clock's base (lib/protocol.ts).
 */
export async function withHearth<T>(
	engine: Engine,
	base: string,
	fn: (srv: Peer<ServerCommands>, info: HearthInfo) => Promise<T>
): Promise<T> {
	let server: Peer<ServerCommands> | undefined;
	try {
		const storage = await freshStorage(engine);
		server = await spawnPeer<ServerCommands>(path.join(ROOT, 'bench/server-entry.ts'), 'Hearth');
		const info = await server.call('init', { engine, ...storage, idleSeconds: 30, base }, 120_000);
		const result = await fn(server, info);
		await server.call('stop', null, 30_000);
		await withDeadline(server.exited, 10_000, 'Hearth to exit').catch(() => undefined);
		return result;
	} finally {
		server?.kill();
		await cleanup();
	}
}
