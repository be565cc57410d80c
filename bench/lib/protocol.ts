/**
 * What the drivers ask the processes they fork (bench/server-entry.ts, bench/fanout-client.ts),
 * and the shared clock their timestamps use.
 *
 * Timestamps that cross processes are read from the monotonic clock (`process.hrtime`, Linux's
 * CLOCK_MONOTONIC), which every process on the machine shares, counted in milliseconds from a
 * base the driver hands out. Wall-clock time is not used: it can step, and `performance.now()`
 * has a different origin in every process.
 */
import type { Engine } from '../../server/db/open.ts';

/** Milliseconds since `base` (a `process.hrtime.bigint()` reading, as a string) on the shared clock. */
export function sharedClock(base: string): () => number {
	const b = BigInt(base);
	return () => Number(process.hrtime.bigint() - b) / 1e6;
}

export interface ServerStats {
	wallMs: number;
	/** CPU time of the server process (user + system) over the window. */
	cpuMs: number;
	/** Event loop utilisation over the window (0..1): how busy the server's one thread was. */
	elu: number;
	loopDelayP50Ms: number;
	loopDelayP99Ms: number;
	loopDelayMaxMs: number;
	rssPeakBytes: number;
	rssEndBytes: number;
	heapUsedEndBytes: number;
	/** Sender → applied on the server's doc (after its log commit), from the server's own observer. */
	commitLatencies: number[];
}

export interface BoardInfo {
	updates: number;
	logBytes: number;
	snapshotBytes: number;
	snapshotUptoId: number;
	/** Logged updates after the snapshot's watermark (all of them without a snapshot). */
	tailUpdates: number;
	loaded: boolean;
	/** SQLite: the database file plus its WAL; PostgreSQL: pg_database_size. */
	dbBytes: number;
}

export interface SeedResult {
	updates: number;
	bytes: number;
	generateMs: number;
	insertMs: number;
	/** What a client that opened the board must see. */
	expect: { textLength: number; nodes: number };
}

export type ServerCommands = {
	init: {
		args: { engine: Engine; dataDir: string; databaseUrl: string | undefined; idleSeconds: number; base: string };
		result: { url: string; boardId: string; warmBoardId: string; tokens: string[]; warmTokens: string[] };
	};
	/** A fresh board token (they last five minutes) for the facilitator. */
	mintToken: { args: { board: 'main' | 'warm' }; result: string };
	/** CPU time the server process has used so far (ms), and its resident memory now. */
	usage: { args: null; result: { cpuMs: number; rssBytes: number } };
	statsBegin: { args: { watchBoard: boolean }; result: null };
	statsEnd: { args: null; result: ServerStats };
	seedLog: { args: { updates: number; batch: number }; result: SeedResult };
	boardInfo: { args: null; result: BoardInfo };
	dropSnapshot: { args: null; result: null };
	waitSnapshot: { args: { timeoutMs: number }; result: null };
	waitUnloaded: { args: { timeoutMs: number }; result: null };
	/** Times the two halves of a board load (read the rows, apply them) the way BoardRoom.load does. */
	probeLoad: { args: { useSnapshot: boolean }; result: { rows: number; readMs: number; applyMs: number } };
	stop: { args: null; result: null };
};

export interface ClientResults {
	/** Sender → this receiver, one per delivered edit, ms. */
	latencies: number[];
	deliveries: number;
	/** Edits a receiver never saw on its own (a later edit of the same editor overtook them). */
	gaps: number;
	cpuMs: number;
	wallMs: number;
	rssBytes: number;
}

export type ClientCommands = {
	connect: {
		args: { url: string; boardId: string; tokens: string[]; editors: number[]; base: string };
		result: { syncMs: number };
	};
	start: { args: { at: number; rate: number; seconds: number; totalEditors: number }; result: null };
	/** Resolves when this process's editors have sent every edit: the last sequence number of each. */
	sent: { args: { timeoutMs: number }; result: { final: Record<string, number> } };
	/** Resolves when every local doc has seen every editor's final edit (or the deadline passes). */
	drain: { args: { final: Record<string, number>; timeoutMs: number }; result: { ok: boolean; missing: number } };
	results: { args: null; result: ClientResults };
	stop: { args: null; result: null };
};
