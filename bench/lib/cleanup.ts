/**
 * Everything a benchmark run leaves behind, undone on the way out: child processes are killed,
 * temporary directories removed, PostgreSQL databases dropped. `cleanup()` runs the lot (call it
 * in `finally`); if the driver exits some other way, the process 'exit' hook still kills the
 * children and removes the directories (dropping a database needs the event loop, so only
 * `cleanup()` does that).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
const tasks: (() => Promise<void>)[] = [];

function killAll(): void {
	for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
	children.clear();
}

function removeDirs(): void {
	for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
	dirs.clear();
}

process.on('exit', () => {
	killAll();
	removeDirs();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		void cleanup().finally(() => process.exit(130));
	});
}

export function track(child: ChildProcess): void {
	children.add(child);
	child.once('exit', () => children.delete(child));
}

/** A fresh directory under the system temp dir, removed by cleanup. */
export function tempDir(prefix: string): string {
	const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	dirs.add(d);
	return d;
}

/** An asynchronous undo step (dropping a database), run by cleanup in reverse order. */
export function onCleanup(task: () => Promise<void>): void {
	tasks.push(task);
}

/** Kills the children, then runs the undo steps, then removes the directories. Never throws. */
export async function cleanup(): Promise<void> {
	killAll();
	// Give the killed processes a moment to release files and database connections.
	await new Promise((r) => setTimeout(r, 100));
	for (const task of tasks.splice(0).reverse()) {
		try {
			await task();
		} catch (err) {
			console.error('cleanup step failed:', err instanceof Error ? err.message : err);
		}
	}
	removeDirs();
}
