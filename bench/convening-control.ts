/**
 * Convening control: many participants in several convenings on one Hearth server, every
 * convening's facilitator opening a breakout round at the same moment. How long until every member
 * has its group (its `room:changed`), what the server's event loop does meanwhile, and how much
 * memory a connection costs.
 *
 * Three kinds of process, so the measured server has its thread to itself: this driver, the
 * server (server-entry.ts, without the SvelteKit app), and `--clients` load generators
 * (convening-client.ts) holding the socket.io clients: member i (who joins convening i mod
 * convenings) in generator i mod clients, convening c's facilitator in generator c mod clients.
 */
import path from 'node:path';
import { MAX_GROUP_SIZE } from '../shared/grouping.ts';
import type { RoundOpenPayload } from '../shared/live.ts';
import { type Benchmark, ENGINES, engineFlag, freshStorage, UsageError } from './lib/bench.ts';
import { cleanup, ROOT } from './lib/cleanup.ts';
import { spawnPeer, type Peer } from './lib/ipc.ts';
import {
	sharedClock,
	type ConveningClientCommands,
	type MemoryUsage,
	type Participant,
	type RoundCollected,
	type RoundsInfo,
	type ServerCommands,
	type ServerStats,
	type Traffic
} from './lib/protocol.ts';
import { cpuMs, fmt, kb, machineBusyMs, mb, percentiles, table } from './lib/report.ts';
import { sleep, withDeadline } from './lib/wait.ts';

/** Sockets each load generator opens at a time while connecting. */
const CONNECT_CONCURRENCY = 25;
/** How long a round's open (or close) may take to reach everyone before the benchmark gives up on it. */
const ROUND_TIMEOUT_MS = 30_000;
/** How far ahead the driver schedules the facilitators' requests, so every generator is armed in time. */
const LEAD_MS = 400;

/** One open or close of a round, in every convening at once, as the driver saw it. */
interface Action {
	/** Per member: request sent → its room:changed (ms); NaN if it never came. */
	moved: number[];
	/** Per member: request sent → the first convening:state showing the change. */
	state: number[];
	/** Per convening: request sent → the last of its members moved. */
	lastPerConvening: number[];
	/** The first request sent → the last member of any convening moved. */
	allMs: number;
	/** Per convening: request sent → the facilitator's acknowledgement. */
	ack: number[];
	/** The last request sent − the first (how much at once the convenings really were). */
	sendSpreadMs: number;
	missing: number;
	wrongRoom: number;
	errors: string[];
	groupSizes: number[];
	/** What the load generators received meanwhile. */
	traffic: Traffic;
	stats: ServerStats;
}

const NO_TRAFFIC: Traffic = { messages: 0, chars: 0, states: 0, stateChars: 0 };

function addTraffic(a: Traffic, b: Traffic, sign = 1): Traffic {
	return {
		messages: a.messages + sign * b.messages,
		chars: a.chars + sign * b.chars,
		states: a.states + sign * b.states,
		stateChars: a.stateChars + sign * b.stateChars
	};
}

/** The figures of one open or close; `before` is the generators' traffic before it. */
function action(collected: RoundCollected[], stats: ServerStats, before: Traffic): Action {
	const requests = collected.flatMap((c) => c.requests);
	const arrivals = collected.flatMap((c) => c.arrivals);
	const sentAt = new Map(requests.map((r) => [r.convening, r.sentAt]));
	const moved: number[] = [];
	const state: number[] = [];
	const last = new Map<number, number>();
	let missing = 0;
	let lastAt = -Infinity;
	for (const a of arrivals) {
		const t0 = sentAt.get(a.convening) ?? NaN;
		if (Number.isNaN(a.movedAt) || Number.isNaN(a.stateAt)) missing++;
		if (!Number.isNaN(a.movedAt)) {
			moved.push(a.movedAt - t0);
			last.set(a.convening, Math.max(last.get(a.convening) ?? -Infinity, a.movedAt - t0));
			lastAt = Math.max(lastAt, a.movedAt);
		}
		if (!Number.isNaN(a.stateAt)) state.push(a.stateAt - t0);
	}
	const sends = requests.map((r) => r.sentAt);
	return {
		moved,
		state,
		lastPerConvening: [...last.values()],
		allMs: lastAt - Math.min(...sends),
		ack: requests.filter((r) => !Number.isNaN(r.ackAt)).map((r) => r.ackAt - r.sentAt),
		sendSpreadMs: Math.max(...sends) - Math.min(...sends),
		missing,
		wrongRoom: collected.reduce((n, c) => n + c.wrongRoom, 0),
		errors: requests.filter((r) => r.error).map((r) => `convening ${r.convening + 1}: ${r.error}`),
		groupSizes: requests.flatMap((r) => r.groupSizes),
		traffic: addTraffic(
			collected.reduce((t, c) => addTraffic(t, c.traffic), NO_TRAFFIC),
			before,
			-1
		),
		stats
	};
}

export const conveningControl: Benchmark = {
	name: 'convening-control',
	summary: 'participants in concurrent convenings: round open → every member in its group, server event loop, memory per connection',
	flags: {
		participants: { help: 'members in all (member i joins convening i mod convenings)', default: 1000 },
		convenings: { help: 'convenings, each with its own facilitator, opening their rounds at the same moment', default: 10 },
		'group-size': { help: 'random groups of this size (round:open grouping random-size)', default: 5 },
		rounds: { help: 'rounds opened and closed (now) in every convening, one after another', default: 3 },
		clients: { help: 'load generator processes the participants are spread over', default: 2 },
		engine: engineFlag
	},

	async run(flags) {
		const participants = flags.int('participants', 2, 20_000);
		const convenings = flags.int('convenings', 1, 200);
		const groupSize = flags.int('group-size', 2, MAX_GROUP_SIZE);
		const rounds = flags.int('rounds', 1, 20);
		const clients = flags.int('clients', 1, 16);
		const engine = flags.choice('engine', ENGINES);
		if (Math.floor(participants / convenings) < 2) throw new UsageError('--participants must give every convening at least 2 members');
		const base = process.hrtime.bigint().toString();
		const now = sharedClock(base);
		const procs: Peer<ConveningClientCommands>[] = [];
		let server: Peer<ServerCommands> | undefined;

		try {
			const storage = await freshStorage(engine);
			server = await spawnPeer<ServerCommands>(path.join(ROOT, 'bench/server-entry.ts'), 'server');
			const srv = server;
			const info = await srv.call('init', { engine, ...storage, idleSeconds: 30, base, app: false }, 120_000);
			const seed = await srv.call('seedConvenings', { participants, convenings }, 120_000);
			const conveningIds = seed.convenings.map((c) => c.id);
			const spawned = Array.from({ length: clients }, (_, i) =>
				spawnPeer<ConveningClientCommands>(path.join(ROOT, 'bench/convening-client.ts'), `load generator ${i + 1}`)
			);
			procs.push(...(await Promise.all(spawned)));
			// Every convening's members are spread over all the load generators.
			const members = seed.convenings.flatMap((c) => c.members);
			const memberShare = (p: number) => members.filter((_, i) => i % procs.length === p);
			const facilitatorShare = (p: number) =>
				seed.convenings.map((c) => c.facilitator).filter((f: Participant) => f.convening % procs.length === p);
			const connect = (people: (p: number) => Participant[]) =>
				Promise.all(
					procs.map((p, i) =>
						p.call(
							'connect',
							{ url: info.url, base, people: people(i), conveningIds, concurrency: CONNECT_CONCURRENCY, timeoutMs: 90_000 },
							95_000
						)
					)
				);

			// Memory with nobody connected, then everyone connected and joined (both after full GCs).
			const memIdle = await srv.call('memory', { gc: true });
			const busyAtStart = machineBusyMs();
			const driverCpu = process.cpuUsage();
			const serverCpuAtStart = (await srv.call('usage', null)).cpuMs;
			const timedFrom = now();

			await srv.call('statsBegin', { watchBoard: false });
			const connectStart = now();
			const facilitatorsJoined = await connect(facilitatorShare);
			const phased = await Promise.all(procs.map((p) => p.call('phase', { phase: 'live' })));
			const membersJoined = await connect(memberShare);
			const connectMs = now() - connectStart;
			const joinStats = await srv.call('statsEnd', null);
			const failures = [...facilitatorsJoined, ...phased, ...membersJoined].flatMap((r) => r.failures);
			if (failures.length)
				throw new Error(`${failures.length} participant(s) could not connect or join, first: ${failures.slice(0, 3).join('; ')}`);
			const perSocketMs = [...facilitatorsJoined, ...membersJoined].flatMap((r) => r.perSocketMs);
			const sockets = perSocketMs.length;
			const memJoined = await srv.call('memory', { gc: true });
			// Everyone has joined: every socket's newest state should show its whole convening connected
			// (after a moment, for the last broadcasts to arrive).
			await sleep(200);
			const expected = seed.convenings.map((c) => c.members.length + 1);
			const staleViews = (await Promise.all(procs.map((p) => p.call('views', null))))
				.flat()
				.filter((v) => v.connected < expected[v.convening]!).length;
			let traffic = (await Promise.all(procs.map((p) => p.call('traffic', null)))).reduce((t, x) => addTraffic(t, x), NO_TRAFFIC);
			const joinTraffic = traffic;

			const open: RoundOpenPayload = { kind: 'open', grouping: { kind: 'random-size', size: groupSize }, durationMinutes: 10 };
			async function act(kind: 'open' | 'close'): Promise<Action> {
				const at = now() + LEAD_MS;
				await Promise.all(procs.map((p) => p.call('round', { action: kind, at, open })));
				// statsBegin takes about 30 ms (it primes the loop delay histogram): start it just before the requests.
				await sleep(Math.max(0, at - now() - 60));
				await srv.call('statsBegin', { watchBoard: false });
				const collected = await Promise.all(
					procs.map((p) => p.call('collect', { timeoutMs: ROUND_TIMEOUT_MS }, ROUND_TIMEOUT_MS + 15_000))
				);
				const done = action(collected, await srv.call('statsEnd', null), traffic);
				traffic = addTraffic(traffic, done.traffic);
				return done;
			}
			const results: { open: Action; close: Action }[] = [];
			for (let r = 0; r < rounds; r++) {
				const opened = await act('open');
				await sleep(300);
				const closed = await act('close');
				results.push({ open: opened, close: closed });
				await sleep(300);
			}

			const timedMs = now() - timedFrom;
			const busyAtEnd = machineBusyMs();
			const driverCpuMs = cpuMs(process.cpuUsage(driverCpu));
			const serverCpuMs = (await srv.call('usage', null)).cpuMs - serverCpuAtStart;
			const generators = await Promise.all(procs.map((p) => p.call('results', null)));
			const memEnd = await srv.call('memory', { gc: true });
			const stored = await srv.call('roundsInfo', null);

			await Promise.all(procs.map((p) => p.call('stop', null).catch(() => undefined)));
			await srv.call('stop', null, 30_000);
			await withDeadline(Promise.all([srv.exited, ...procs.map((p) => p.exited)]), 10_000, 'the processes to exit').catch(() => undefined);

			return report({
				engine,
				participants,
				convenings,
				groupSize,
				rounds,
				procs: procs.length,
				seedMs: seed.seedMs,
				sockets,
				connectMs,
				perSocketMs,
				joinStats,
				joinTraffic,
				staleViews,
				memIdle,
				memJoined,
				memEnd,
				results,
				stored,
				generators,
				othersPct:
					busyAtStart === undefined || busyAtEnd === undefined
						? NaN
						: (Math.max(0, busyAtEnd - busyAtStart - serverCpuMs - driverCpuMs - generators.reduce((n, g) => n + g.cpuMs, 0)) / timedMs) *
							100
			});
		} finally {
			server?.kill();
			for (const p of procs) p.kill();
			await cleanup();
		}
	}
};

function report(r: {
	engine: string;
	participants: number;
	convenings: number;
	groupSize: number;
	rounds: number;
	procs: number;
	seedMs: number;
	sockets: number;
	connectMs: number;
	perSocketMs: number[];
	joinStats: ServerStats;
	joinTraffic: Traffic;
	staleViews: number;
	memIdle: MemoryUsage;
	memJoined: MemoryUsage;
	memEnd: MemoryUsage;
	results: { open: Action; close: Action }[];
	stored: RoundsInfo;
	generators: { cpuMs: number; wallMs: number; rssBytes: number; disconnects: number; sockets: number }[];
	othersPct: number;
}): string {
	const ms = (n: number | undefined) => `${fmt(n ?? NaN)} ms`;
	const trio = (values: number[], ps = [50, 95, 99, 100]) =>
		percentiles([...values], ps)
			.map((v) => fmt(v))
			.join(' / ') + ' ms';
	const opens = r.results.map((x) => x.open);
	const closes = r.results.map((x) => x.close);
	const all = (xs: Action[], pick: (a: Action) => number[]) => xs.flatMap(pick);
	const pct = (s: ServerStats) => `${fmt((s.cpuMs / s.wallMs) * 100, 0)} %`;
	const loop = (s: ServerStats) => `${fmt(s.loopDelayP50Ms)} / ${fmt(s.loopDelayP99Ms)} / ${fmt(s.loopDelayMaxMs)} ms`;
	const worst = (xs: Action[], pick: (s: ServerStats) => number) => Math.max(...xs.map((x) => pick(x.stats)));
	const missing = [...opens, ...closes].reduce((n, a) => n + a.missing, 0);
	const wrong = [...opens, ...closes].reduce((n, a) => n + a.wrongRoom, 0);
	const errors = [...opens, ...closes].flatMap((a) => a.errors);
	const sizes = new Map<number, number>();
	for (const s of opens[0]?.groupSizes ?? []) sizes.set(s, (sizes.get(s) ?? 0) + 1);
	const groupsText = [...sizes]
		.sort(([a], [b]) => b - a)
		.map(([size, n]) => `${n} of ${size}`)
		.join(', ');
	const perConn = (pick: (m: MemoryUsage) => number) => (pick(r.memJoined) - pick(r.memIdle)) / r.sockets;
	const perMember = Math.floor(r.participants / r.convenings);
	const disconnects = r.generators.reduce((n, g) => n + g.disconnects, 0);

	const summary = table(
		['figure', 'value'],
		[
			['seeded (users, sessions, memberships, convenings in one transaction)', ms(r.seedMs)],
			[
				'connected and joined (facilitators first, then members)',
				`${fmt(r.sockets, 0)} sockets in ${fmt(r.connectMs / 1000)} s; per socket connect + join p50 / p99 / max ${trio(r.perSocketMs, [50, 99, 100])}`
			],
			[
				'received by the load generators while they joined',
				`${fmt(r.joinTraffic.messages, 0)} messages, ${mb(r.joinTraffic.chars)}; of which convening:state/presence ${fmt(r.joinTraffic.states, 0)}, ` +
					`${mb(r.joinTraffic.stateChars)}`
			],
			['sockets whose newest state, once all had joined, misses someone', `${fmt(r.staleViews, 0)} of ${fmt(r.sockets, 0)}`],
			[
				'server while they joined: CPU / loop delay p50 / p99 / max',
				`${pct(r.joinStats)} / ${loop(r.joinStats)} (over ${fmt(r.joinStats.wallMs / 1000)} s)`
			],
			['**round:open → member has its room:changed** p50 / p95 / p99 / max', trio(all(opens, (a) => a.moved))],
			[
				'**round:open → last member of the convening moved** p50 / p99 / max over convenings × rounds',
				trio(
					all(opens, (a) => a.lastPerConvening),
					[50, 99, 100]
				)
			],
			['round:open → every member of every convening moved, per round', opens.map((a) => ms(a.allMs)).join(', ')],
			['round:open → member has the state with the groups p50 / p95 / p99 / max', trio(all(opens, (a) => a.state))],
			[
				'round:open → facilitator has its ack p50 / p99 / max',
				trio(
					all(opens, (a) => a.ack),
					[50, 99, 100]
				)
			],
			['round:close (now) → member back in the main room p50 / p95 / p99 / max', trio(all(closes, (a) => a.moved))],
			[
				'round:close → last member of the convening back p50 / p99 / max',
				trio(
					all(closes, (a) => a.lastPerConvening),
					[50, 99, 100]
				)
			],
			['opens sent within (first to last facilitator)', `${ms(Math.max(...opens.map((a) => a.sendSpreadMs)))} (worst round)`],
			[
				'**server event loop delay during the opens** p50 / p99 / max (worst round)',
				`${fmt(worst(opens, (s) => s.loopDelayP50Ms))} / ${fmt(worst(opens, (s) => s.loopDelayP99Ms))} / ${fmt(worst(opens, (s) => s.loopDelayMaxMs))} ms`
			],
			[
				'server CPU / event loop utilisation during the opens (mean of the rounds)',
				`${fmt((opens.reduce((n, a) => n + a.stats.cpuMs / a.stats.wallMs, 0) / opens.length) * 100, 0)} % / ${fmt((opens.reduce((n, a) => n + a.stats.elu, 0) / opens.length) * 100, 0)} %`
			],
			[
				'**server memory per connection** (heap used / RSS, after GC)',
				`${kb(perConn((m) => m.heapUsedBytes))} / ${kb(perConn((m) => m.rssBytes))} (external ${kb(perConn((m) => m.externalBytes))})`
			],
			[
				'server heap used: nobody connected / all joined / after the rounds (after GC)',
				`${mb(r.memIdle.heapUsedBytes)} / ${mb(r.memJoined.heapUsedBytes)} / ${mb(r.memEnd.heapUsedBytes)}`
			],
			[
				'server RSS: nobody connected / all joined / after the rounds',
				`${mb(r.memIdle.rssBytes)} / ${mb(r.memJoined.rssBytes)} / ${mb(r.memEnd.rssBytes)}`
			],
			['groups in the first round (all convenings)', groupsText || 'n/a'],
			[
				'received by the load generators per open (first round)',
				opens[0]
					? `${fmt(opens[0].traffic.messages, 0)} messages, ${mb(opens[0].traffic.chars)}; convening:state/presence ` +
						`${fmt(opens[0].traffic.states, 0)} × ${kb(opens[0].traffic.stateChars / Math.max(1, opens[0].traffic.states))}`
					: 'n/a'
			],
			[
				'stored after the run',
				`${fmt(r.stored.rounds, 0)} rounds (${fmt(r.stored.closed, 0)} closed), ${fmt(r.stored.groups, 0)} groups, ` +
					`${fmt(r.stored.groupBoards, 0)} group boards, ${fmt(r.stored.assignments, 0)} assignments`
			],
			[
				'missing moves / wrong rooms / failed requests / dropped sockets',
				`${fmt(missing, 0)} / ${fmt(wrong, 0)} / ${fmt(errors.length, 0)} / ${fmt(disconnects, 0)}`
			],
			['other processes on the machine meanwhile (100 % = one core)', `${fmt(r.othersPct, 0)} %`],
			[
				'load generators CPU (each, 100 % = one core)',
				r.generators.map((g) => `${fmt((g.cpuMs / g.wallMs) * 100, 0)} %`).join(', ') +
					` (RSS ${r.generators.map((g) => mb(g.rssBytes)).join(', ')}; ${r.generators.map((g) => g.sockets).join(' + ')} sockets)`
			]
		]
	);
	const perRound = table(
		[
			'round',
			'open: member moved p50 / p99 / max',
			'last member moved, first – last convening',
			'all moved',
			'server CPU',
			'loop delay p50 / p99 / max',
			'close: member back p50 / p99 / max',
			'loop delay max (close)'
		],
		r.results.map(({ open, close }, i) => [
			String(i + 1),
			trio(open.moved, [50, 99, 100]),
			`${fmt(Math.min(...open.lastPerConvening))} – ${ms(Math.max(...open.lastPerConvening))}`,
			ms(open.allMs),
			pct(open.stats),
			loop(open.stats),
			trio(close.moved, [50, 99, 100]),
			ms(close.stats.loopDelayMaxMs)
		])
	);
	return [
		`### convening-control (${r.engine})`,
		'',
		`${fmt(r.participants, 0)} members in ${r.convenings} convening(s) (${perMember}${r.participants % r.convenings ? '–' + (perMember + 1) : ''} each, ` +
			`plus a facilitator each) in ${r.procs} load generator process(es); ${r.rounds} round(s) of random groups of ${r.groupSize}, ` +
			`every convening's round opened at the same moment, then closed (now) the same way.`,
		'',
		summary,
		'',
		perRound,
		...(errors.length ? ['', `Failed requests: ${errors.slice(0, 5).join('; ')}${errors.length > 5 ? ' …' : ''}`] : [])
	].join('\n');
}
