/**
 * What the drivers ask the processes they fork (bench/server-entry.ts, bench/fanout-client.ts,
 * bench/convening-client.ts), and the shared clock their timestamps use.
 *
 * Timestamps that cross processes are read from the monotonic clock (`process.hrtime`, Linux's
 * CLOCK_MONOTONIC), which every process on the machine shares, counted in milliseconds from a
 * base the driver hands out. Wall-clock time is not used: it can step, and `performance.now()`
 * has a different origin in every process.
 */
import type { Engine } from '../../server/db/open.ts';
import type { ConveningPhase, RoundOpenPayload } from '../../shared/live.ts';

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
	/** With `watchBoard`: from BoardRoom's durability timing hook. */
	durability: DurabilityLags;
}

/** Each update's way into storage, timed inside the server (performance.now()), ms. */
export interface DurabilityLags {
	/** Arrival at the board's room → its append resolved (committed), per update. */
	lagMs: number[];
	/** Arrival → its batch's append started (waiting for the batch before it, and a setImmediate), per update. */
	waitMs: number[];
	/** The append alone, per batch. */
	appendMs: number[];
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
		args: {
			engine: Engine;
			dataDir: string;
			databaseUrl: string | undefined;
			idleSeconds: number;
			base: string;
			/** false: no SvelteKit handler even when build/ exists (only /healthz, socket.io and boards answer). */
			app?: boolean;
		};
		result: { url: string; boardId: string; warmBoardId: string; tokens: string[]; warmTokens: string[] };
	};
	/** A fresh board token (they last five minutes) for the facilitator. */
	mintToken: { args: { board: 'main' | 'warm' }; result: string };
	/** CPU time the server process has used so far (ms), and its resident memory now. */
	usage: { args: null; result: { cpuMs: number; rssBytes: number } };
	/** `watchBoard`: also time the main board's commits (its observer, and BoardRoom's durability timing hook). */
	statsBegin: { args: { watchBoard: boolean }; result: null };
	statsEnd: { args: null; result: ServerStats };
	seedLog: { args: { updates: number; batch: number }; result: SeedResult };
	boardInfo: { args: null; result: BoardInfo };
	dropSnapshot: { args: null; result: null };
	waitSnapshot: { args: { timeoutMs: number }; result: null };
	waitUnloaded: { args: { timeoutMs: number }; result: null };
	/** Times the two halves of a board load (read the rows, apply them) the way BoardRoom.load does. */
	probeLoad: { args: { useSnapshot: boolean }; result: { rows: number; readMs: number; applyMs: number } };
	/** One cohort of `convenings` convenings, `participants` members spread over them, one facilitator each; sessions for all. */
	seedConvenings: { args: { participants: number; convenings: number }; result: ConveningSeed };
	/** The server's memory now; with `gc`, after two full garbage collections. */
	memory: { args: { gc: boolean }; result: MemoryUsage };
	/** What the rounds left in the database. */
	roundsInfo: { args: null; result: RoundsInfo };
	stop: { args: null; result: null };
};

export interface MemoryUsage {
	heapUsedBytes: number;
	rssBytes: number;
	/** Buffers and other memory outside the V8 heap. */
	externalBytes: number;
}

/** Someone the load generators connect: a cookie session of their own, the convening they join (by index). */
export interface Participant {
	userId: string;
	token: string;
	convening: number;
}

export interface ConveningSeed {
	cohortId: string;
	seedMs: number;
	convenings: { id: string; facilitator: Participant; members: Participant[] }[];
}

export interface RoundsInfo {
	rounds: number;
	closed: number;
	groups: number;
	assignments: number;
	groupBoards: number;
	attendanceSpans: number;
}

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

/** One facilitator's request in a round, seen from its load generator. */
export interface FacilitatorRequest {
	convening: number;
	/** When the request was sent (shared clock, ms). */
	sentAt: number;
	/** When its acknowledgement arrived; NaN if it never did. */
	ackAt: number;
	error: string | null;
	/** round:open: the size of each group in the acknowledged round. */
	groupSizes: number[];
}

/** One member's view of a round's open or close. */
export interface MemberArrival {
	convening: number;
	/** When its `room:changed` (into its group, or back to the main room) arrived; NaN if it never did. */
	movedAt: number;
	/** When the first `convening:state` showing the change (the round, or no round) arrived; NaN if none did. */
	stateAt: number;
}

export interface RoundCollected {
	requests: FacilitatorRequest[];
	arrivals: MemberArrival[];
	/** Members whose room:changed named a room other than their group in the state. */
	wrongRoom: number;
	traffic: Traffic;
}

/** What a load generator's sockets have received so far (socket.io messages, their length in characters). */
export interface Traffic {
	messages: number;
	chars: number;
	/** Of which `convening:state` and `convening:presence`. */
	states: number;
	stateChars: number;
}

export type ConveningClientCommands = {
	/** Connects each person (socket.io, websocket transport, their session cookie) and joins them to their convening. */
	connect: {
		args: { url: string; base: string; people: Participant[]; conveningIds: string[]; concurrency: number; timeoutMs: number };
		result: { perSocketMs: number[]; failures: string[] };
	};
	/** What this generator's sockets have received so far. */
	traffic: { args: null; result: Traffic };
	/** For every socket here: how many people the newest state it has shows connected to its convening. */
	views: { args: null; result: { convening: number; connected: number }[] };
	/** Every facilitator here sets its convening's phase. */
	phase: { args: { phase: ConveningPhase }; result: { failures: string[] } };
	/**
	 * Arms every member here for a room change and, at `at` (shared clock), has every facilitator here
	 * send round:open (with `open`) or round:close now. Returns at once.
	 */
	round: { args: { action: 'open' | 'close'; at: number; open: RoundOpenPayload }; result: null };
	/** Resolves once every facilitator here has its ack and every member here has moved (or the deadline passes). */
	collect: { args: { timeoutMs: number }; result: RoundCollected };
	results: { args: null; result: { cpuMs: number; wallMs: number; rssBytes: number; disconnects: number; sockets: number } };
	stop: { args: null; result: null };
};
