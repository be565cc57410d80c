/**
 * Durability lag: how long an update spends between arriving at Hearth's board room and being in
 * the log (its append transaction committed), under the fan-out load (lib/fanout.ts), on SQLite and
 * on PostgreSQL. Timed inside the server by BoardRoom's `durabilityTiming` hook (off unless a
 * benchmark sets it): performance.now() when the frame reaches the room, when its batch's append
 * starts, and when the append resolves. Nothing is applied or relayed before that [BD1], so this is
 * also the least an update waits before any other editor can see it.
 */
import pg from 'pg';
import { PG_ADMIN_URL } from '../tests/helpers/pg.ts';
import type { Engine } from '../server/db/open.ts';
import { type Benchmark, ENGINES } from './lib/bench.ts';
import { driveFanout, loadFlags, loadLine, ms, othersPct, readLoad } from './lib/fanout.ts';
import { withHearth } from './lib/hearth.ts';
import type { DurabilityLags, ServerStats } from './lib/protocol.ts';
import { fmt, percentiles, table } from './lib/report.ts';

interface EngineRun {
	engine: Engine;
	lags: DurabilityLags;
	commitLatencies: number[];
	latencies: number[];
	cpuPct: number;
	othersPct: number;
	generators: number;
}

/** What "committed" means on the PostgreSQL the benchmark used. */
async function pgSettings(): Promise<string> {
	const c = new pg.Client({ connectionString: PG_ADMIN_URL });
	await c.connect();
	try {
		const show = async (name: string) => (await c.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name] ?? '?';
		return `fsync=${await show('fsync')}, synchronous_commit=${await show('synchronous_commit')}, wal_sync_method=${await show('wal_sync_method')}`;
	} finally {
		await c.end();
	}
}

const pct = (values: number[], ps: number[]) => percentiles(values, ps).map(ms).join(' / ');

export const durabilityLag: Benchmark = {
	name: 'durability-lag',
	summary: 'board updates: arrival at the server → committed to the log (p50/p99/max), on SQLite and PostgreSQL, under the fan-out load',
	flags: {
		...loadFlags,
		engine: { help: 'sqlite, postgres, or both (PostgreSQL: a fresh database in TEST_PG_URL)', default: 'both' }
	},

	async run(flags) {
		const load = readLoad(flags);
		const choice = flags.choice('engine', [...ENGINES, 'both'] as const);
		const engines: Engine[] = choice === 'both' ? [...ENGINES] : [choice];
		const runs: EngineRun[] = [];
		for (const engine of engines) {
			const base = process.hrtime.bigint().toString();
			runs.push(
				await withHearth(engine, base, async (srv, info) => {
					const r = await driveFanout<ServerStats>(info, load, base, {
						begin: () => srv.call('statsBegin', { watchBoard: true }),
						end: () => srv.call('statsEnd', null)
					});
					const s = r.server;
					if (s.durability.lagMs.length === 0) throw new Error('no update was timed: the board room never committed');
					return {
						engine,
						lags: s.durability,
						commitLatencies: s.commitLatencies,
						latencies: r.latencies,
						cpuPct: (s.cpuMs / s.wallMs) * 100,
						othersPct: othersPct(r, s.cpuMs, s.wallMs),
						generators: r.generators.length
					};
				})
			);
		}
		const settings = engines.includes('postgres') ? await pgSettings() : '';
		const name = (e: Engine) => (e === 'sqlite' ? 'SQLite' : 'PostgreSQL');
		const row = (label: string, f: (r: EngineRun) => string) => [label, ...runs.map(f)];
		return [
			`### durability-lag (${engines.map(name).join(', ')})`,
			'',
			loadLine(load, runs[0]!.generators),
			'',
			table(
				['figure', ...runs.map((r) => name(r.engine))],
				[
					row('updates committed / batches (updates per batch)', (r) => {
						const { lagMs, appendMs } = r.lags;
						return `${fmt(lagMs.length, 0)} / ${fmt(appendMs.length, 0)} (${fmt(lagMs.length / appendMs.length)})`;
					}),
					row('**arrival → committed** p50 / p99 / max', (r) => pct(r.lags.lagMs, [50, 99, 100])),
					row('arrival → committed p95', (r) => pct(r.lags.lagMs, [95])),
					row('of which waiting for its batch to start p50 / p99 / max', (r) => pct(r.lags.waitMs, [50, 99, 100])),
					row('one append (a batch, one transaction) p50 / p99 / max', (r) => pct(r.lags.appendMs, [50, 99, 100])),
					row('sender → applied on the server after commit p50 / p99', (r) => pct(r.commitLatencies, [50, 99])),
					row('sender → every other editor p50 / p99', (r) => pct(r.latencies, [50, 99])),
					row('server CPU (100 % = one core)', (r) => `${fmt(r.cpuPct, 0)} %`),
					row('other processes on the machine meanwhile', (r) => `${fmt(r.othersPct, 0)} %`)
				]
			),
			'',
			'Committed means: ' +
				[
					engines.includes('sqlite')
						? 'SQLite in WAL mode with synchronous=NORMAL, so a commit survives the process crashing but the WAL is synced to disk only at checkpoints (an OS crash or power cut can lose the last commits)'
						: '',
					settings ? `PostgreSQL with ${settings} (a commit is on disk when it returns)` : ''
				]
					.filter(Boolean)
					.join('; ') +
				'.'
		].join('\n');
	}
};
