/**
 * The reference y-websocket server, `@y/websocket-server` 0.1.1 as published (its own `src/server.js`,
 * which relays sync and awareness for any room named by the URL path, keeps documents in memory
 * only, and checks nothing), started as a child process on 127.0.0.1 with plain `node`.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { freePort } from '../../tests/helpers/process.ts';
import { track } from './cleanup.ts';
import { withDeadline } from './wait.ts';

export interface ReferenceServer {
	url: string;
	pid: number;
	version: string;
	/** SIGTERM (it has no shutdown of its own to wait for), then waits for the exit. */
	stop(): Promise<void>;
}

export async function startReference(): Promise<ReferenceServer> {
	const require = createRequire(import.meta.url);
	const pkgFile = require.resolve('@y/websocket-server/package.json');
	const { version } = require(pkgFile) as { version: string };
	const port = await freePort();
	const child = spawn(process.execPath, [path.join(path.dirname(pkgFile), 'src/server.js')], {
		env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
		stdio: ['ignore', 'pipe', 'inherit']
	});
	track(child);
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	// It says "running at '<host>' on port <port>" once it listens.
	await withDeadline(
		new Promise<void>((resolve, reject) => {
			let out = '';
			child.stdout!.on('data', (chunk: Buffer) => {
				out += chunk.toString();
				if (out.includes('running at')) resolve();
			});
			void exited.then(() => reject(new Error(`the reference server exited while starting: ${out}`)));
		}),
		30_000,
		'the reference server to listen'
	);
	return {
		url: `http://127.0.0.1:${port}`,
		pid: child.pid!,
		version,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
			await withDeadline(exited, 10_000, 'the reference server to exit').catch(() => child.kill('SIGKILL'));
		}
	};
}
