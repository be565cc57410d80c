/**
 * Board fan-out: many stock y-websocket editors on one board of a real Hearth server, each making
 * a few edits a second; how long an edit takes to reach every other editor, how many arrive, and
 * what the server spends doing it.
 *
 * Three kinds of process, so the measured server has its thread to itself: this driver, the
 * server (server-entry.ts), and `--clients` load generators (fanout-client.ts), editor i living
 * in generator i mod clients.
 */
import path from 'node:path';
import { BOARD_LIMITS } from '../shared/board.ts';
import { type Benchmark, ENGINES, engineFlag, freshStorage } from './lib/bench.ts';
import { cleanup, ROOT } from './lib/cleanup.ts';
import { spawnPeer, type Peer } from './lib/ipc.ts';
import { sharedClock, type ClientCommands, type ClientResults, type ServerCommands } from './lib/protocol.ts';
import { cpuMs, fmt, machineBusyMs, mb, percentiles, table } from './lib/report.ts';
import { sleep, withDeadline } from './lib/wait.ts';

export const boardsFanout: Benchmark = {
	name: 'boards-fanout',
	summary: 'editors on one board: update latency sender → every receiver, throughput, server CPU and memory',
	flags: {
		editors: { help: 'editors (stock providers) on the board', default: 50 },
		seconds: { help: 'how long every editor keeps editing', default: 10 },
		rate: { help: 'edits per second per editor', default: 5 },
		clients: { help: 'load generator processes the editors are spread over', default: 2 },
		engine: engineFlag
	},

	async run(flags) {
		const editors = flags.int('editors', 2, 1000);
		const seconds = flags.num('seconds', 1, 600);
		// Each edit is one websocket message; stay well inside the server's per-connection budget.
		const rate = flags.num('rate', 0.1, BOARD_LIMITS.messagesPerSecond / 2);
		const clients = flags.int('clients', 1, 16);
		const engine = flags.choice('engine', ENGINES);
		const base = process.hrtime.bigint().toString();
		const now = sharedClock(base);
		const procs: Peer<ClientCommands>[] = [];
		let server: Peer<ServerCommands> | undefined;

		try {
			const storage = await freshStorage(engine);
			server = await spawnPeer<ServerCommands>(path.join(ROOT, 'bench/server-entry.ts'), 'server');
			const info = await server.call('init', { engine, ...storage, idleSeconds: 30, base }, 120_000);
			const spawned = Array.from({ length: Math.min(clients, editors) }, (_, i) =>
				spawnPeer<ClientCommands>(path.join(ROOT, 'bench/fanout-client.ts'), `load generator ${i + 1}`)
			);
			procs.push(...(await Promise.all(spawned)));
			const share = (p: number) => Array.from({ length: editors }, (_, i) => i).filter((i) => i % procs.length === p);

			const idle = await server.call('usage', null);
			const connectStart = now();
			await Promise.all(
				procs.map((p, i) =>
					p.call('connect', { url: info.url, boardId: info.boardId, tokens: info.tokens, editors: share(i), base }, 90_000)
				)
			);
			const connectMs = now() - connectStart;
			// Let the burst of awareness introductions (every editor to every editor) pass first.
			await sleep(1_000);

			const at = now() + 500;
			await Promise.all(procs.map((p) => p.call('start', { at, rate, seconds, totalEditors: editors })));
			// statsBegin takes about 30 ms (it primes the loop delay histogram): start it just before the first edit.
			await sleep(Math.max(0, at - now() - 60));
			await server.call('statsBegin', { watchBoard: true });
			const busyAtStart = machineBusyMs();
			const driverCpu = process.cpuUsage();
			const sendTimeout = seconds * 1000 + 30_000;
			const sent = await Promise.all(procs.map((p) => p.call('sent', { timeoutMs: sendTimeout }, sendTimeout + 5_000)));
			const sendMs = now() - at;
			const final: Record<string, number> = Object.assign({}, ...sent.map((s) => s.final));
			const drained = await Promise.all(procs.map((p) => p.call('drain', { final, timeoutMs: 30_000 }, 35_000)));
			const drainMs = now() - at - sendMs;
			const stats = await server.call('statsEnd', null);
			const busyAtEnd = machineBusyMs();
			const driverCpuMs = cpuMs(process.cpuUsage(driverCpu));
			const results: ClientResults[] = [];
			for (const p of procs) results.push(await p.call('results', null));

			await Promise.all(procs.map((p) => p.call('stop', null).catch(() => undefined)));
			await server.call('stop', null, 30_000);
			await withDeadline(Promise.all([server.exited, ...procs.map((p) => p.exited)]), 10_000, 'the processes to exit').catch(
				() => undefined
			);

			const edits = Object.values(final).reduce((a, b) => a + b, 0);
			const expected = edits * (editors - 1);
			const latencies = results.flatMap((r) => r.latencies);
			const delivered = latencies.length;
			const gaps = results.reduce((n, r) => n + r.gaps, 0);
			const missing = drained.reduce((n, d) => n + d.missing, 0);
			const [p50, p95, p99, max] = percentiles(latencies, [50, 95, 99, 100]);
			const [c50, c95, c99, cmax] = percentiles(stats.commitLatencies, [50, 95, 99, 100]);
			const ms = (n: number | undefined) => `${fmt(n ?? NaN)} ms`;
			// Everything else the machine ran meanwhile (the load generators' windows are a little longer, so this errs low).
			const othersPct =
				busyAtStart === undefined || busyAtEnd === undefined
					? NaN
					: (Math.max(0, busyAtEnd - busyAtStart - stats.cpuMs - driverCpuMs - results.reduce((n, r) => n + r.cpuMs, 0)) / stats.wallMs) *
						100;

			return [
				`### boards-fanout (${engine})`,
				'',
				`${editors} editors in ${procs.length} load generator process(es), ${fmt(rate)} edits/s each for ${fmt(seconds)} s; ` +
					`one Y.Map key per editor set to { s, t, x, y }.`,
				'',
				table(
					['figure', 'value'],
					[
						['editors connected and synced', `${editors} in ${ms(connectMs)}`],
						['edits sent', `${fmt(edits, 0)} in ${fmt(sendMs / 1000)} s (${fmt(edits / (sendMs / 1000))} edits/s)`],
						[
							'deliveries (edits × other editors)',
							`${fmt(delivered, 0)} of ${fmt(expected, 0)} (${fmt(delivered / (sendMs / 1000))}/s); ` +
								`missing at the end ${fmt(missing, 0)}, overtaken ${fmt(gaps, 0)}`
						],
						['latency sender → every receiver p50 / p95 / p99 / max', `${ms(p50)} / ${ms(p95)} / ${ms(p99)} / ${ms(max)}`],
						['latency sender → server commit p50 / p95 / p99 / max', `${ms(c50)} / ${ms(c95)} / ${ms(c99)} / ${ms(cmax)}`],
						['last delivery after the last send', ms(drainMs)],
						['server CPU (100 % = one core)', `${fmt((stats.cpuMs / stats.wallMs) * 100, 0)} % over ${fmt(stats.wallMs / 1000)} s`],
						['server event loop utilisation', `${fmt(stats.elu * 100, 0)} %`],
						[
							'server event loop delay p50 / p99 / max',
							`${ms(stats.loopDelayP50Ms)} / ${ms(stats.loopDelayP99Ms)} / ${ms(stats.loopDelayMaxMs)}`
						],
						[
							'server RSS before the editors / peak / end (heap used at end)',
							`${mb(idle.rssBytes)} / ${mb(stats.rssPeakBytes)} / ${mb(stats.rssEndBytes)} (${mb(stats.heapUsedEndBytes)})`
						],
						['other processes on the machine meanwhile (100 % = one core)', `${fmt(othersPct, 0)} %`],
						[
							'load generators CPU (each, 100 % = one core)',
							results.map((r) => `${fmt((r.cpuMs / r.wallMs) * 100, 0)} %`).join(', ') +
								` (RSS ${results.map((r) => mb(r.rssBytes)).join(', ')})`
						]
					]
				)
			].join('\n');
		} finally {
			server?.kill();
			for (const p of procs) p.kill();
			await cleanup();
		}
	}
};
