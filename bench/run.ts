/**
 * `npm run bench [-- <name>…] [--flag value …]`: runs the benchmarks (all, or the ones named) one
 * after another and prints the machine and a Markdown table per benchmark. Standalone scripts,
 * not tests: nothing passes or fails on a figure. See docs/PERFORMANCE.md.
 */
import { parseArgs } from 'node:util';
import { boardsCompare } from './boards-compare.ts';
import { boardsFanout } from './boards-fanout.ts';
import { boardsOpen } from './boards-open.ts';
import { conveningControl } from './convening-control.ts';
import { durabilityLag } from './durability-lag.ts';
import { editor } from './editor.ts';
import { scaleOut } from './scale-out.ts';
import { type Benchmark, Flags, type FlagSpec, UsageError } from './lib/bench.ts';
import { cleanup } from './lib/cleanup.ts';
import { machine, machineTable, table } from './lib/report.ts';

const BENCHMARKS: Benchmark[] = [boardsFanout, boardsCompare, durabilityLag, boardsOpen, conveningControl, scaleOut, editor];

class TimedOut extends Error {}

function usage(): string {
	const lines = ['Usage: npm run bench [-- [name…] [--flag value…]]', '', 'Benchmarks (all by default):'];
	for (const b of BENCHMARKS) {
		lines.push(`  ${b.name}: ${b.summary}`);
		for (const [name, spec] of Object.entries(b.flags)) lines.push(`      --${name} (default ${spec.default}): ${spec.help}`);
	}
	lines.push('', 'A flag applies to every benchmark that has it; --timeout <s> (default 300) stops a benchmark that runs longer.');
	return lines.join('\n');
}

async function main(): Promise<number> {
	const specs: Record<string, FlagSpec> = { timeout: { help: 'seconds before a benchmark is stopped', default: 300 } };
	for (const b of BENCHMARKS) Object.assign(specs, b.flags);
	let parsed;
	try {
		parsed = parseArgs({
			allowPositionals: true,
			options: { ...Object.fromEntries(Object.keys(specs).map((k) => [k, { type: 'string' as const }])), help: { type: 'boolean' } }
		});
	} catch (err) {
		console.error(`${err instanceof Error ? err.message : err}\n\n${usage()}`);
		return 2;
	}
	const { positionals, values } = parsed;
	if (values.help) {
		console.log(usage());
		return 0;
	}
	const unknown = positionals.filter((p) => !BENCHMARKS.some((b) => b.name === p));
	if (unknown.length) {
		console.error(`No benchmark named ${unknown.join(', ')}.\n\n${usage()}`);
		return 2;
	}
	const chosen = positionals.length ? BENCHMARKS.filter((b) => positionals.includes(b.name)) : BENCHMARKS;
	const { help: _help, ...flagValues } = values;
	const flags = new Flags(flagValues as Record<string, string | undefined>, specs);

	let timeoutS: number;
	try {
		timeoutS = flags.int('timeout', 10, 24 * 3600);
	} catch (err) {
		console.error(err instanceof Error ? err.message : err);
		return 2;
	}

	console.log(machineTable(machine()));
	const summary: string[][] = [];
	let failed = 0;
	for (const b of chosen) {
		console.log(`\nRunning ${b.name}…`);
		const started = performance.now();
		let timer: NodeJS.Timeout | undefined;
		try {
			const timeout = new Promise<never>((_, reject) => {
				timer = setTimeout(() => reject(new TimedOut(`stopped after --timeout ${timeoutS} s`)), timeoutS * 1000);
			});
			// Two benchmarks may share a flag's name with different defaults: each gets its own.
			const own = new Flags(flagValues as Record<string, string | undefined>, { ...specs, ...b.flags });
			const report = await Promise.race([b.run(own), timeout]);
			console.log(`\n${report}`);
			summary.push([b.name, 'done', `${((performance.now() - started) / 1000).toFixed(1)} s`]);
		} catch (err) {
			failed++;
			if (err instanceof TimedOut) {
				console.error(`${b.name}: ${err.message}`);
				summary.push([b.name, 'timed out', `${((performance.now() - started) / 1000).toFixed(1)} s`]);
			} else if (err instanceof UsageError) {
				console.error(`${b.name}: ${err.message}`);
				summary.push([b.name, 'bad flags', '']);
			} else {
				console.error(`${b.name} failed:`, err instanceof Error ? (err.stack ?? err.message) : err);
				summary.push([b.name, 'failed', `${((performance.now() - started) / 1000).toFixed(1)} s`]);
			}
			await cleanup();
			// A benchmark that timed out may still be running; the next one must not meet its leftovers.
			if (err instanceof TimedOut) break;
		} finally {
			clearTimeout(timer);
		}
	}
	console.log(`\n${table(['benchmark', 'result', 'took'], summary)}`);
	console.log(`load average (1/5/15 min) at the end: ${machine().loadAverage}`);
	return failed ? 1 : 0;
}

main().then(
	async (code) => {
		await cleanup();
		process.exit(code);
	},
	async (err: unknown) => {
		console.error(err);
		await cleanup();
		process.exit(1);
	}
);
