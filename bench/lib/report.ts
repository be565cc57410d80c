/** Figures and how they are printed: percentiles, the machine, and Markdown tables. */
import fs from 'node:fs';
import os from 'node:os';

/** Nearest-rank percentiles of `values` (sorted in place). */
export function percentiles(values: number[], ps: number[]): number[] {
	if (values.length === 0) return ps.map(() => NaN);
	values.sort((a, b) => a - b);
	return ps.map((p) => values[Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))]!);
}

/** The middle value; for an even count, the mean of the two middle ones. */
export function median(values: number[]): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A number with a sensible count of digits for a table. */
export function fmt(n: number, digits?: number): string {
	if (!Number.isFinite(n)) return 'n/a';
	const d = digits ?? (Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2);
	return n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export function mb(bytes: number): string {
	return `${fmt(bytes / (1024 * 1024), 1)} MB`;
}

export function kb(bytes: number): string {
	return bytes >= 1024 * 1024 ? mb(bytes) : `${fmt(bytes / 1024, 1)} KB`;
}

export const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** A Markdown table, columns padded so it also reads in a terminal. */
export function table(header: string[], rows: string[][]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
	return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export interface Machine {
	cores: number;
	cpu: string;
	memory: string;
	node: string;
	os: string;
	loadAverage: string;
}

export function machine(): Machine {
	const cpus = os.cpus();
	return {
		cores: os.availableParallelism(),
		cpu: cpus[0]?.model.trim() ?? 'unknown',
		memory: mb(os.totalmem()),
		node: process.version,
		os: `${os.type()} ${os.release()} (${os.arch()})`,
		loadAverage: os
			.loadavg()
			.map((l) => fmt(l))
			.join(' / ')
	};
}

export function machineTable(m: Machine): string {
	return table(
		['machine', ''],
		[
			['cores', String(m.cores)],
			['CPU', m.cpu],
			['memory', m.memory],
			['Node', m.node],
			['OS', m.os],
			['load average (1/5/15 min) at start', m.loadAverage]
		]
	);
}

/** Bytes of a file, or 0 when it does not exist (SQLite's -wal file, say). */
export function fileSize(file: string): number {
	try {
		return fs.statSync(file).size;
	} catch {
		return 0;
	}
}

/**
 * CPU time spent by every process on the machine so far (all cores, ms), from /proc/stat; undefined
 * off Linux. Minus what the benchmark's own processes used, it shows how busy everything else kept
 * the machine during a measurement.
 */
export function machineBusyMs(): number | undefined {
	try {
		const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
		const [, ...fields] = line.trim().split(/\s+/);
		const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
		const ticks = [user, nice, system, irq, softirq, steal].reduce<number>((a, b) => a + (b ?? 0), 0);
		// /proc/stat counts in USER_HZ, 100 per second on Linux.
		return ticks * 10;
	} catch {
		return undefined;
	}
}
