/**
 * The fan-out load, whatever server it is aimed at: `--clients` load generator processes
 * (bench/fanout-client.ts) with the editors spread over them (editor i in generator i mod clients),
 * every editor a stock y-websocket provider on one room, each making `rate` edits a second for
 * `seconds`. The server is the caller's: it hands over where to connect and what to measure on the
 * server side between the first edit and the last delivery.
 */
import path from 'node:path';
import { BOARD_LIMITS } from '../../shared/board.ts';
import type { Flags } from './bench.ts';
import { ROOT } from './cleanup.ts';
import { spawnPeer, type Peer } from './ipc.ts';
import { sharedClock, type ClientCommands, type ClientResults } from './protocol.ts';
import { cpuMs, fmt, machineBusyMs, percentiles } from './report.ts';
import { sleep, withDeadline } from './wait.ts';

export interface FanoutLoad {
	editors: number;
	seconds: number;
	rate: number;
	clients: number;
}

/** Where the editors connect: `${url}/yjs/${boardId}?token=…` (a server that checks nothing ignores the token). */
export interface FanoutTarget {
	url: string;
	boardId: string;
	tokens: string[];
}

export interface FanoutResult<S> {
	connectMs: number;
	edits: number;
	sendMs: number;
	/** edits × (editors − 1). */
	expected: number;
	/** Sender → receiver, one per delivered edit, ms. */
	latencies: number[];
	gaps: number;
	/** Edits some editor still lacked when the drain ended. */
	missing: number;
	/** Last send → last delivery. */
	drainMs: number;
	/** What `measure.end` returned. */
	server: S;
	generators: ClientResults[];
	/** CPU the whole machine spent in the window (all cores, ms) less the driver's and the generators'; undefined off Linux. */
	othersAndServerMs: number | undefined;
}

/**
 * Runs the load against `target`. `measure.begin` runs just before the first edit, `measure.end`
 * once every editor has every other editor's last edit (or the drain deadline passed).
 */
export async function driveFanout<S>(
	target: FanoutTarget,
	load: FanoutLoad,
	base: string,
	measure: { begin(): Promise<unknown> | void; end(): Promise<S> | S }
): Promise<FanoutResult<S>> {
	const { editors, seconds, rate, clients } = load;
	const now = sharedClock(base);
	const procs: Peer<ClientCommands>[] = [];
	try {
		const spawned = Array.from({ length: Math.min(clients, editors) }, (_, i) =>
			spawnPeer<ClientCommands>(path.join(ROOT, 'bench/fanout-client.ts'), `load generator ${i + 1}`)
		);
		procs.push(...(await Promise.all(spawned)));
		const share = (p: number) => Array.from({ length: editors }, (_, i) => i).filter((i) => i % procs.length === p);

		const connectStart = now();
		await Promise.all(procs.map((p, i) => p.call('connect', { ...target, editors: share(i), base }, 90_000)));
		const connectMs = now() - connectStart;
		// Let the burst of awareness introductions (every editor to every editor) pass first.
		await sleep(1_000);

		const at = now() + 500;
		await Promise.all(procs.map((p) => p.call('start', { at, rate, seconds, totalEditors: editors })));
		// A server's begin may take about 30 ms (Hearth's primes its loop delay histogram): start it just before the first edit.
		await sleep(Math.max(0, at - now() - 60));
		await measure.begin();
		const busyAtStart = machineBusyMs();
		const driverCpu = process.cpuUsage();
		const sendTimeout = seconds * 1000 + 30_000;
		const sent = await Promise.all(procs.map((p) => p.call('sent', { timeoutMs: sendTimeout }, sendTimeout + 5_000)));
		const sendMs = now() - at;
		const final: Record<string, number> = Object.assign({}, ...sent.map((s) => s.final));
		const drained = await Promise.all(procs.map((p) => p.call('drain', { final, timeoutMs: 30_000 }, 35_000)));
		const drainMs = now() - at - sendMs;
		const server = await measure.end();
		const busyAtEnd = machineBusyMs();
		const driverCpuMs = cpuMs(process.cpuUsage(driverCpu));
		const generators: ClientResults[] = [];
		for (const p of procs) generators.push(await p.call('results', null));
		await Promise.all(procs.map((p) => p.call('stop', null).catch(() => undefined)));
		await withDeadline(Promise.all(procs.map((p) => p.exited)), 10_000, 'the load generators to exit').catch(() => undefined);

		const edits = Object.values(final).reduce((a, b) => a + b, 0);
		return {
			connectMs,
			edits,
			sendMs,
			expected: edits * (editors - 1),
			latencies: generators.flatMap((r) => r.latencies),
			gaps: generators.reduce((n, r) => n + r.gaps, 0),
			missing: drained.reduce((n, d) => n + d.missing, 0),
			drainMs,
			server,
			generators,
			othersAndServerMs:
				busyAtStart === undefined || busyAtEnd === undefined
					? undefined
					: busyAtEnd - busyAtStart - driverCpuMs - generators.reduce((n, r) => n + r.cpuMs, 0)
		};
	} finally {
		for (const p of procs) p.kill();
	}
}

/** CPU the rest of the machine used in the window, as % of one core (the generators' windows are a little longer, so this errs low). */
export function othersPct(r: FanoutResult<unknown>, serverCpuMs: number, wallMs: number): number {
	return r.othersAndServerMs === undefined ? NaN : (Math.max(0, r.othersAndServerMs - serverCpuMs) / wallMs) * 100;
}

export const ms = (n: number | undefined) => `${fmt(n ?? NaN)} ms`;

/** p50 / p95 / p99 / max of a latency list (sorted in place). */
export function latencyLine(values: number[]): string {
	const [p50, p95, p99, max] = percentiles(values, [50, 95, 99, 100]);
	return `${ms(p50)} / ${ms(p95)} / ${ms(p99)} / ${ms(max)}`;
}

export function loadLine(load: FanoutLoad, generators: number): string {
	return (
		`${load.editors} editors in ${generators} load generator process(es), ${fmt(load.rate)} edits/s each for ${fmt(load.seconds)} s; ` +
		`one Y.Map key per editor set to { s, t, x, y }.`
	);
}

/** The load flags every fan-out benchmark takes. */
export const loadFlags = {
	editors: { help: 'editors (stock providers) on the board', default: 50 },
	seconds: { help: 'how long every editor keeps editing', default: 10 },
	rate: { help: 'edits per second per editor', default: 5 },
	clients: { help: 'load generator processes the editors are spread over', default: 2 }
};

export function readLoad(flags: Flags): FanoutLoad {
	return {
		editors: flags.int('editors', 2, 1000),
		seconds: flags.num('seconds', 1, 600),
		// Each edit is one websocket message; stay well inside Hearth's per-connection budget.
		rate: flags.num('rate', 0.1, BOARD_LIMITS.messagesPerSecond / 2),
		clients: flags.int('clients', 1, 16)
	};
}
