/**
 * Board open: how long a stock provider takes to open a board with a long update log, from
 * `new WebsocketProvider` to synced, with the board not in the server's memory: once with no
 * snapshot (the server reads and applies every logged update) and once after compaction (one
 * snapshot row). The log is written straight through the store, in batches, before any client.
 *
 * Each run: drop the snapshot; open (cold, no snapshot); close, which compacts the board at once
 * [BL3]; wait for the snapshot and for the unload; open again (cold, from the snapshot); close and
 * wait for the unload. The server runs with BOARD_IDLE_SECONDS=0, in its own process; a small
 * board is opened first so the figures pay for the data, not for a cold JIT.
 */
import path from 'node:path';
import * as Y from 'yjs';
import { connectBoard, type Client } from '../tests/helpers/yjs.ts';
import { type Benchmark, ENGINES, engineFlag, freshStorage } from './lib/bench.ts';
import { cleanup, ROOT } from './lib/cleanup.ts';
import { observed } from './lib/history.ts';
import { spawnPeer, type Peer } from './lib/ipc.ts';
import type { ServerCommands } from './lib/protocol.ts';
import { cpuMs, fmt, kb, machineBusyMs, median, table } from './lib/report.ts';
import { providerSynced, withDeadline } from './lib/wait.ts';

interface Open {
	/** new WebsocketProvider → websocket open: the server authorises, then loads the board, then upgrades. */
	upgradeMs: number;
	/** new WebsocketProvider → synced (the state is on the client). */
	syncMs: number;
	/** The longest the server's event loop was blocked meanwhile: every other board and socket waited that long. */
	blockedMs: number;
}

export const boardsOpen: Benchmark = {
	name: 'boards-open',
	summary: 'opening a board with a long update log, before and after compaction',
	flags: {
		updates: { help: 'logged updates on the board', default: 100_000 },
		batch: { help: 'updates per append (one transaction each) while seeding', default: 1000 },
		runs: { help: 'open / compact / open rounds (the table shows the median)', default: 3 },
		engine: engineFlag
	},

	async run(flags) {
		const updates = flags.int('updates', 1, 5_000_000);
		const batch = flags.int('batch', 1, 10_000);
		const runs = flags.int('runs', 1, 20);
		const engine = flags.choice('engine', ENGINES);
		let server: Peer<ServerCommands> | undefined;
		let client: Client | undefined;

		try {
			const storage = await freshStorage(engine);
			server = await spawnPeer<ServerCommands>(path.join(ROOT, 'bench/server-entry.ts'), 'server');
			const srv = server;
			const info = await srv.call('init', { engine, ...storage, idleSeconds: 0, base: process.hrtime.bigint().toString() }, 120_000);

			async function open(board: 'main' | 'warm', check?: (doc: Y.Doc) => void): Promise<Open> {
				const token = await srv.call('mintToken', { board });
				await srv.call('statsBegin', { watchBoard: false });
				const started = performance.now();
				let upgradeMs = NaN;
				const c = connectBoard(info.url, board === 'main' ? info.boardId : info.warmBoardId, { token });
				client = c;
				c.provider.on('status', ({ status }) => {
					if (status === 'connected' && Number.isNaN(upgradeMs)) upgradeMs = performance.now() - started;
				});
				await withDeadline(providerSynced(c.provider), 120_000, 'the board to sync');
				const syncMs = performance.now() - started;
				const stats = await srv.call('statsEnd', null);
				check?.(c.doc);
				return { upgradeMs, syncMs, blockedMs: stats.loopDelayMaxMs };
			}
			function close(): void {
				client?.destroy();
				client = undefined;
			}

			// Warm-up: the same code paths on a small board.
			await open('warm', (doc) => doc.getText('t').insert(0, 'warm-up'));
			close();

			const seed = await srv.call('seedLog', { updates, batch }, 30 * 60_000);
			const logged = await srv.call('boardInfo', null);
			const same = (doc: Y.Doc) => {
				const got = observed(doc);
				if (got.nodes !== seed.expect.nodes || got.textLength !== seed.expect.textLength)
					throw new Error(`the opened board differs from the log: ${JSON.stringify(got)} vs ${JSON.stringify(seed.expect)}`);
			};

			const before: Open[] = [];
			const after: Open[] = [];
			const compactMs: number[] = [];
			const busyAtStart = machineBusyMs();
			const serverCpuAtStart = (await srv.call('usage', null)).cpuMs;
			const driverCpu = process.cpuUsage();
			const runsStarted = performance.now();
			for (let run = 0; run < runs; run++) {
				if (run > 0) await srv.call('dropSnapshot', null);
				before.push(await open('main', same));
				const closedAt = performance.now();
				close();
				await srv.call('waitSnapshot', { timeoutMs: 120_000 }, 125_000);
				compactMs.push(performance.now() - closedAt);
				await srv.call('waitUnloaded', { timeoutMs: 30_000 }, 35_000);
				after.push(await open('main', same));
				close();
				await srv.call('waitUnloaded', { timeoutMs: 30_000 }, 35_000);
			}
			const busyAtEnd = machineBusyMs();
			const ours = (await srv.call('usage', null)).cpuMs - serverCpuAtStart + cpuMs(process.cpuUsage(driverCpu));
			const othersPct =
				busyAtStart === undefined || busyAtEnd === undefined
					? NaN
					: (Math.max(0, busyAtEnd - busyAtStart - ours) / (performance.now() - runsStarted)) * 100;
			const compacted = await srv.call('boardInfo', null);
			const probeLog = await srv.call('probeLoad', { useSnapshot: false }, 120_000);
			const probeSnap = await srv.call('probeLoad', { useSnapshot: true }, 120_000);
			await srv.call('stop', null, 60_000);
			await withDeadline(srv.exited, 10_000, 'the server to exit').catch(() => undefined);

			const list = (xs: number[]) => xs.map((x) => fmt(x, 0)).join(', ');
			const med = (xs: number[]) => `${fmt(median(xs), 0)} ms`;
			return [
				`### boards-open (${engine})`,
				'',
				`${fmt(seed.updates, 0)} logged updates (${kb(seed.bytes)} of update data) on one board, ${fmt(seed.expect.nodes, 0)} nodes and ` +
					`${fmt(seed.expect.textLength, 0)} label characters at the end; median of ${runs} run(s), every run listed in brackets.`,
				'',
				table(
					['figure', 'before compaction (log only)', 'after compaction (snapshot)'],
					[
						['rows the server reads', fmt(logged.tailUpdates, 0), `1 snapshot + ${fmt(compacted.tailUpdates, 0)} updates`],
						[
							'new provider → upgraded (auth + load)',
							`${med(before.map((o) => o.upgradeMs))} [${list(before.map((o) => o.upgradeMs))}]`,
							`${med(after.map((o) => o.upgradeMs))} [${list(after.map((o) => o.upgradeMs))}]`
						],
						[
							'new provider → synced',
							`${med(before.map((o) => o.syncMs))} [${list(before.map((o) => o.syncMs))}]`,
							`${med(after.map((o) => o.syncMs))} [${list(after.map((o) => o.syncMs))}]`
						],
						[
							'longest server event loop block during the open',
							`${med(before.map((o) => o.blockedMs))} [${list(before.map((o) => o.blockedMs))}]`,
							`${med(after.map((o) => o.blockedMs))} [${list(after.map((o) => o.blockedMs))}]`
						],
						[
							'server: read rows / apply to a doc (again, after the runs)',
							`${fmt(probeLog.readMs, 0)} ms / ${fmt(probeLog.applyMs, 0)} ms`,
							`${fmt(probeSnap.readMs, 0)} ms / ${fmt(probeSnap.applyMs, 0)} ms`
						],
						['stored size', `log ${kb(logged.logBytes)}`, `snapshot ${kb(compacted.snapshotBytes)} (the log stays)`]
					]
				),
				'',
				table(
					['other figures', 'value'],
					[
						[
							'seeding: make the updates / append them',
							`${fmt(seed.generateMs, 0)} ms / ${fmt(seed.insertMs, 0)} ms (batches of ${batch})`
						],
						['last provider leaves → snapshot stored', `${med(compactMs)} [${list(compactMs)}]`],
						['other processes on the machine during the runs (100 % = one core)', `${fmt(othersPct, 0)} %`],
						[engine === 'sqlite' ? 'database file + WAL after compaction' : 'database size after compaction', kb(compacted.dbBytes)]
					]
				)
			].join('\n');
		} finally {
			client?.destroy();
			server?.kill();
			await cleanup();
		}
	}
};
