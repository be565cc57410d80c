/** Hearth as a real child process (`node --import tsx server/main.ts`), for crash and restart tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { ROOT } from './server.ts';

export const withoutVitest = (env: NodeJS.ProcessEnv): Record<string, string> =>
	Object.fromEntries(
		Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !/^VITEST|^TEST$|^NODE_ENV$/.test(e[0]))
	);

/** A port free right now on 127.0.0.1, so a restarted server can come back on the same one. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as net.AddressInfo;
			srv.close(() => resolve(port));
		});
		srv.on('error', reject);
	});
}

export interface HearthProcess {
	child: ChildProcess;
	url: Promise<string>;
	exited: Promise<number | null>;
	output(): string;
}

export function runHearth(env: Record<string, string>, args: string[] = []): HearthProcess {
	const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], {
		cwd: ROOT,
		env: { ...withoutVitest(process.env), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let out = '';
	child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
	child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
	const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
	const url = new Promise<string>((resolve, reject) => {
		child.stdout!.on('data', () => {
			const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
			if (m && /Hearth is running/.test(out)) resolve(m[1]!);
		});
		void exited.then((code) => reject(new Error(`exited ${code}: ${out}`)));
	});
	url.catch(() => {});
	return { child, url, exited, output: () => out };
}
