/**
 * Board fan-out: many stock y-websocket editors on one board of a real Hearth server, each making
 * a few edits a second; how long an edit takes to reach every other editor, how many arrive, and
 * what the server spends doing it.
 *
 * Three kinds of process, so the measured server has its thread to itself: this driver, the
 * server (server-entry.ts), and `--clients` load generators (lib/fanout.ts, fanout-client.ts).
 */
import { type Benchmark, ENGINES, engineFlag } from './lib/bench.ts';
import { driveFanout, latencyLine, loadFlags, loadLine, ms, othersPct, readLoad } from './lib/fanout.ts';
import { withHearth } from './lib/hearth.ts';
import { fmt, mb, table } from './lib/report.ts';

export const boardsFanout: Benchmark = {
	name: 'boards-fanout',
	summary: 'editors on one board: update latency sender → every receiver, throughput, server CPU and memory',
	flags: { ...loadFlags, engine: engineFlag },

	async run(flags) {
		const load = readLoad(flags);
		const engine = flags.choice('engine', ENGINES);
		const base = process.hrtime.bigint().toString();
		return withHearth(engine, base, async (srv, info) => {
			const idle = await srv.call('usage', null);
			const r = await driveFanout(info, load, base, {
				begin: () => srv.call('statsBegin', { watchBoard: true }),
				end: () => srv.call('statsEnd', null)
			});
			const stats = r.server;
			const delivered = r.latencies.length;
			return [
				`### boards-fanout (${engine})`,
				'',
				loadLine(load, r.generators.length),
				'',
				table(
					['figure', 'value'],
					[
						['editors connected and synced', `${load.editors} in ${ms(r.connectMs)}`],
						['edits sent', `${fmt(r.edits, 0)} in ${fmt(r.sendMs / 1000)} s (${fmt(r.edits / (r.sendMs / 1000))} edits/s)`],
						[
							'deliveries (edits × other editors)',
							`${fmt(delivered, 0)} of ${fmt(r.expected, 0)} (${fmt(delivered / (r.sendMs / 1000))}/s); ` +
								`missing at the end ${fmt(r.missing, 0)}, overtaken ${fmt(r.gaps, 0)}`
						],
						['latency sender → every receiver p50 / p95 / p99 / max', latencyLine(r.latencies)],
						['latency sender → server commit p50 / p95 / p99 / max', latencyLine(stats.commitLatencies)],
						['arrival at the server → committed p50 / p95 / p99 / max', latencyLine(stats.durability.lagMs)],
						['last delivery after the last send', ms(r.drainMs)],
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
						['other processes on the machine meanwhile (100 % = one core)', `${fmt(othersPct(r, stats.cpuMs, stats.wallMs), 0)} %`],
						[
							'load generators CPU (each, 100 % = one core)',
							r.generators.map((g) => `${fmt((g.cpuMs / g.wallMs) * 100, 0)} %`).join(', ') +
								` (RSS ${r.generators.map((g) => mb(g.rssBytes)).join(', ')})`
						]
					]
				)
			].join('\n');
		});
	}
};
