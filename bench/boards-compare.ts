/**
 * Boards, side by side: the fan-out load (lib/fanout.ts: stock y-websocket providers in load
 * generator processes) against Hearth's board endpoint and against the reference y-websocket
 * server (`@y/websocket-server`, lib/reference.ts), one after the other in the same run, each a
 * fresh child process. Both servers are measured from outside, the same way: CPU from
 * /proc/<pid>/stat (utime + stime) and memory from /proc/<pid>/status (VmRSS sampled every 100 ms,
 * VmHWM), from the first edit until every editor has every other editor's last edit.
 *
 * Hearth does more per update than the reference: its editors pass a token check at upgrade, every
 * update is decoded and committed to the log before it is relayed [BD1], and rate and size limits
 * apply. The reference keeps the document in memory and relays at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Engine } from '../server/db/open.ts';
import { type Benchmark, ENGINES, engineFlag } from './lib/bench.ts';
import { cleanup, ROOT } from './lib/cleanup.ts';
import { driveFanout, loadFlags, loadLine, ms, othersPct, readLoad, type FanoutLoad, type FanoutResult } from './lib/fanout.ts';
import { withHearth } from './lib/hearth.ts';
import { procMemory, watchProcess, type ProcWindow } from './lib/proc.ts';
import { startReference } from './lib/reference.ts';
import { fmt, mb, median, percentiles, table } from './lib/report.ts';

type Server = 'hearth' | 'reference';

/** One server's figures in one round. */
interface Figures {
	p50: number;
	p95: number;
	p99: number;
	max: number;
	/** Deliveries per second, first edit to last delivery. */
	throughput: number;
	delivered: number;
	expected: number;
	missing: number;
	/** % of one core. */
	cpuPct: number;
	/** Server CPU per 1,000 deliveries, ms. */
	cpuPerThousand: number;
	rssBeforeBytes: number;
	rssPeakBytes: number;
	hwmBytes: number;
	othersPct: number;
}

function figures(r: FanoutResult<ProcWindow>, rssBeforeBytes: number): Figures {
	const [p50, p95, p99, max] = percentiles(r.latencies, [50, 95, 99, 100]);
	const w = r.server;
	const delivered = r.latencies.length;
	return {
		p50: p50!,
		p95: p95!,
		p99: p99!,
		max: max!,
		throughput: delivered / ((r.sendMs + r.drainMs) / 1000),
		delivered,
		expected: r.expected,
		missing: r.missing,
		cpuPct: (w.cpuMs / w.wallMs) * 100,
		cpuPerThousand: (w.cpuMs / delivered) * 1000,
		rssBeforeBytes,
		rssPeakBytes: w.rssPeakBytes,
		hwmBytes: w.hwmBytes,
		othersPct: othersPct(r, w.cpuMs, w.wallMs)
	};
}

function runHearth(load: FanoutLoad, engine: Engine): Promise<Figures> {
	const base = process.hrtime.bigint().toString();
	return withHearth(engine, base, async (srv, info) => {
		const before = procMemory(srv.pid).rssBytes;
		let watch: ReturnType<typeof watchProcess> | undefined;
		const r = await driveFanout(info, load, base, {
			begin: () => void (watch = watchProcess(srv.pid)),
			end: () => watch!.end()
		});
		return figures(r, before);
	});
}

async function runReference(load: FanoutLoad): Promise<{ figures: Figures; version: string }> {
	const base = process.hrtime.bigint().toString();
	const server = await startReference();
	try {
		const before = procMemory(server.pid).rssBytes;
		let watch: ReturnType<typeof watchProcess> | undefined;
		// The room is the URL path; the token is sent as for Hearth and ignored.
		const r = await driveFanout({ url: server.url, boardId: 'compare', tokens: ['unchecked'] }, load, base, {
			begin: () => void (watch = watchProcess(server.pid)),
			end: () => watch!.end()
		});
		return { figures: figures(r, before), version: server.version };
	} finally {
		await server.stop();
		await cleanup();
	}
}

const ratio = (h: number, r: number) => (Number.isFinite(h / r) ? `${fmt(h / r)}×` : 'n/a');

export const boardsCompare: Benchmark = {
	name: 'boards-compare',
	summary: 'the fan-out load against Hearth and against the reference y-websocket server, side by side',
	flags: {
		...loadFlags,
		engine: engineFlag,
		repeats: { help: 'runs of each server (the order alternates: H R, R H, …); the table shows the median', default: 2 }
	},

	async run(flags) {
		const load = readLoad(flags);
		const engine = flags.choice('engine', ENGINES);
		const repeats = flags.int('repeats', 1, 20);
		const runs: Record<Server, Figures[]> = { hearth: [], reference: [] };
		const order: Server[] = [];
		let referenceVersion = '';
		for (let i = 0; i < repeats; i++) {
			for (const which of (i % 2 === 0 ? ['hearth', 'reference'] : ['reference', 'hearth']) as Server[]) {
				order.push(which);
				if (which === 'hearth') runs.hearth.push(await runHearth(load, engine));
				else {
					const { figures, version } = await runReference(load);
					runs.reference.push(figures);
					referenceVersion = version;
				}
			}
		}

		const med = (s: Server, f: (x: Figures) => number) => median(runs[s].map(f));
		const row = (label: string, f: (x: Figures) => number, show: (n: number) => string): string[] => {
			const h = med('hearth', f);
			const r = med('reference', f);
			return [label, show(h), show(r), ratio(h, r)];
		};
		const perRound = (s: Server) =>
			runs[s].map((x, i) => [
				`${s === 'hearth' ? 'Hearth' : 'reference'} ${i + 1}`,
				`${fmt(x.p50)} / ${fmt(x.p95)} / ${fmt(x.p99)} / ${fmt(x.max)} ms`,
				`${fmt(x.throughput, 0)}/s (${fmt(x.delivered, 0)} of ${fmt(x.expected, 0)}, missing ${fmt(x.missing, 0)})`,
				`${fmt(x.cpuPct, 0)} %`,
				`${mb(x.rssBeforeBytes)} / ${mb(x.rssPeakBytes)} / ${mb(x.hwmBytes)}`,
				`${fmt(x.othersPct, 0)} %`
			]);
		return [
			`### boards-compare (Hearth on ${engine} vs @y/websocket-server ${referenceVersion})`,
			'',
			`${loadLine(load, Math.min(load.clients, load.editors))} ${repeats} run(s) of each, in the order ${order.join(', ')}; ` +
				(repeats > 1 ? 'each figure is the median over the runs. ' : '') +
				`Hearth's process is the whole server (socket.io, the database${fs.existsSync(path.join(ROOT, 'build', 'handler.js')) ? ', the built SvelteKit app' : ''}), the reference's a plain relay.`,
			'',
			table(
				['figure', 'Hearth', 'reference', 'Hearth / reference'],
				[
					row('latency sender → every receiver p50', (x) => x.p50, ms),
					row('latency p95', (x) => x.p95, ms),
					row('latency p99', (x) => x.p99, ms),
					row('latency max', (x) => x.max, ms),
					row(
						'throughput (deliveries/s, first edit to last delivery)',
						(x) => x.throughput,
						(n) => `${fmt(n, 0)}/s`
					),
					row(
						'server CPU (/proc utime+stime, 100 % = one core)',
						(x) => x.cpuPct,
						(n) => `${fmt(n, 0)} %`
					),
					row('server CPU per 1,000 deliveries', (x) => x.cpuPerThousand, ms),
					row('server RSS peak in the window (sampled VmRSS)', (x) => x.rssPeakBytes, mb),
					row('server RSS growth (peak − before the editors)', (x) => x.rssPeakBytes - x.rssBeforeBytes, mb),
					row('server peak RSS over its life (VmHWM)', (x) => x.hwmBytes, mb)
				]
			),
			'',
			table(
				[
					'run',
					'latency p50 / p95 / p99 / max',
					'throughput (delivered of expected)',
					'server CPU',
					'RSS before / peak / VmHWM',
					'other processes'
				],
				[...perRound('hearth'), ...perRound('reference')]
			)
		].join('\n');
	}
};
