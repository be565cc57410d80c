/** The shape every benchmark has, and its command-line flags. */
import type { Engine } from '../../server/db/open.ts';
import { createTestDatabase } from '../../tests/helpers/pg.ts';
import { onCleanup, tempDir } from './cleanup.ts';

export interface FlagSpec {
	/** Shown in `npm run bench -- --help`. */
	help: string;
	default: number | string;
}

export interface Benchmark {
	name: string;
	summary: string;
	flags: Record<string, FlagSpec>;
	/** Runs with the given flags and returns the report (Markdown). */
	run(flags: Flags): Promise<string>;
}

export class Flags {
	constructor(
		private readonly values: Record<string, string | undefined>,
		private readonly specs: Record<string, FlagSpec>
	) {}

	int(name: string, min: number, max: number): number {
		const raw = this.values[name] ?? String(this.specs[name]?.default);
		const n = Number(raw);
		if (!Number.isInteger(n) || n < min || n > max)
			throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got ${raw})`);
		return n;
	}

	num(name: string, min: number, max: number): number {
		const raw = this.values[name] ?? String(this.specs[name]?.default);
		const n = Number(raw);
		if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max} (got ${raw})`);
		return n;
	}

	choice<T extends string>(name: string, choices: readonly T[]): T {
		const raw = this.values[name] ?? String(this.specs[name]?.default);
		if (!choices.includes(raw as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got ${raw})`);
		return raw as T;
	}
}

export class UsageError extends Error {}

export const ENGINES = ['sqlite', 'postgres'] as const satisfies readonly Engine[];

export const engineFlag: FlagSpec = { help: 'storage engine: sqlite or postgres (a fresh database in TEST_PG_URL)', default: 'sqlite' };

/** Fresh storage for the server process: a temp directory, and a PostgreSQL database if asked; both removed by cleanup. */
export async function freshStorage(engine: Engine): Promise<{ dataDir: string; databaseUrl: string | undefined }> {
	const dataDir = tempDir('hearth-bench-');
	if (engine === 'sqlite') return { dataDir, databaseUrl: undefined };
	const pg = await createTestDatabase('hearth_bench');
	onCleanup(() => pg.drop());
	return { dataDir, databaseUrl: pg.url };
}
