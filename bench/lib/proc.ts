/**
 * A process's CPU time and memory read from outside it, in /proc (Linux only), so a server the
 * benchmark did not write (the reference y-websocket server) is measured exactly like Hearth's.
 */
import fs from 'node:fs';

/** /proc counts CPU time in USER_HZ ticks, 100 a second on Linux. */
const MS_PER_TICK = 10;

/** utime + stime of `pid` so far, in ms (10 ms resolution). */
export function procCpuMs(pid: number): number {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
	return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/** Resident memory of `pid` now (VmRSS) and its peak over the process's life (VmHWM), in bytes. */
export function procMemory(pid: number): { rssBytes: number; hwmBytes: number } {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
	return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

export interface ProcWindow {
	wallMs: number;
	cpuMs: number;
	/** The highest VmRSS sampled (every 100 ms) in the window. */
	rssPeakBytes: number;
	/** VmHWM at the end: the peak over the process's whole life, start-up included. */
	hwmBytes: number;
}

/** Starts measuring `pid`; `end()` stops and returns the window's figures. */
export function watchProcess(pid: number): { end(): ProcWindow } {
	const startedAt = performance.now();
	const cpuAtStart = procCpuMs(pid);
	let rssPeak = procMemory(pid).rssBytes;
	const sampler = setInterval(() => {
		try {
			rssPeak = Math.max(rssPeak, procMemory(pid).rssBytes);
		} catch {
			// Gone: end() reports the failure.
		}
	}, 100);
	sampler.unref();
	return {
		end() {
			clearInterval(sampler);
			const mem = procMemory(pid);
			return {
				wallMs: performance.now() - startedAt,
				cpuMs: procCpuMs(pid) - cpuAtStart,
				rssPeakBytes: Math.max(rssPeak, mem.rssBytes),
				hwmBytes: mem.hwmBytes
			};
		}
	};
}
