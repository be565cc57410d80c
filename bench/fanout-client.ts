/**
 * A load generator for the fan-out benchmark: a share of the editors, each a stock y-websocket
 * `WebsocketProvider` (ws as its WebSocket, a board token in the URL, no BroadcastChannel) with a
 * Y.Doc of its own, all in this one process.
 *
 * Each editor moves "its node": it sets its own key of the map `fanout` to `{ s, t, x, y }`, where
 * `s` counts its edits and `t` is the send time on the shared clock. Every doc observes the map and
 * records, for each remote change, now − t: the latency from sender to this receiver.
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { cpuMs } from './lib/report.ts';
import { servePeer } from './lib/ipc.ts';
import { providerSynced, withDeadline } from './lib/wait.ts';
import { sharedClock, type ClientCommands } from './lib/protocol.ts';

interface Edit {
	s: number;
	t: number;
	x: number;
	y: number;
}

interface Editor {
	key: string;
	doc: Y.Doc;
	provider: WebsocketProvider;
	/** The last edit seen from each other editor. */
	seen: Map<string, number>;
	sent: number;
}

const editors: Editor[] = [];
const latencies: number[] = [];
let deliveries = 0;
let gaps = 0;
let now: () => number = () => 0;
const timers = new Set<NodeJS.Timeout>();
let sending: Promise<void> = Promise.resolve();
let window: { cpu: NodeJS.CpuUsage; at: number } | undefined;
let changed: () => void = () => {};

function stopAll(): void {
	for (const t of timers) clearTimeout(t);
	timers.clear();
	for (const e of editors.splice(0)) {
		e.provider.destroy();
		e.doc.destroy();
	}
}

// Every stock provider adds a process 'exit' listener of its own.
process.setMaxListeners(0);

servePeer<ClientCommands>(
	{
		async connect({ url, boardId, tokens, editors: indices, base }) {
			now = sharedClock(base);
			const started = now();
			for (const i of indices) {
				const doc = new Y.Doc();
				const provider = new WebsocketProvider(`${url.replace(/^http/, 'ws')}/yjs`, boardId, doc, {
					WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
					disableBc: true,
					params: { token: tokens[i % tokens.length]! }
				});
				provider.on('connection-close', (event) => {
					if (event && event.code >= 4000) console.error(`editor ${i}: closed by the server with ${event.code} ${event.reason}`);
				});
				provider.awareness.setLocalStateField('user', { name: `Editor ${i}` });
				const editor: Editor = { key: `e${i}`, doc, provider, seen: new Map(), sent: 0 };
				const map = doc.getMap<Edit>('fanout');
				map.observe((event, tr) => {
					if (tr.local) return;
					const at = now();
					for (const key of event.keysChanged) {
						const v = map.get(key);
						if (!v) continue;
						const before = editor.seen.get(key) ?? 0;
						if (v.s <= before) continue;
						gaps += v.s - before - 1;
						editor.seen.set(key, v.s);
						// Edits made before the window (none, in this benchmark) would arrive in sync step 2.
						if (window) {
							latencies.push(at - v.t);
							deliveries++;
						}
					}
					changed();
				});
				editors.push(editor);
			}
			await withDeadline(Promise.all(editors.map((e) => providerSynced(e.provider))), 60_000, 'every editor to sync');
			return { syncMs: now() - started };
		},

		start({ at, rate, seconds, totalEditors }) {
			window = { cpu: process.cpuUsage(), at: now() };
			const interval = 1000 / rate;
			const count = Math.round(rate * seconds);
			sending = Promise.all(
				editors.map(
					(e) =>
						new Promise<void>((resolve) => {
							const index = Number(e.key.slice(1));
							// Editors spread evenly over one interval, so the server sees a steady stream.
							const offset = (index / totalEditors) * interval;
							const map = e.doc.getMap<Edit>('fanout');
							const next = () => {
								if (e.sent >= count || !editors.includes(e)) return resolve();
								const due = at + offset + e.sent * interval;
								const timer = setTimeout(
									() => {
										timers.delete(timer);
										e.sent++;
										map.set(e.key, { s: e.sent, t: now(), x: (e.sent * 7) % 1000, y: (e.sent * 13) % 700 });
										next();
									},
									Math.max(0, due - now())
								);
								timers.add(timer);
							};
							next();
						})
				)
			).then(() => undefined);
			return null;
		},

		async sent({ timeoutMs }) {
			await withDeadline(sending, timeoutMs, 'the editors to finish sending');
			return { final: Object.fromEntries(editors.map((e) => [e.key, e.sent])) };
		},

		async drain({ final, timeoutMs }) {
			const missing = () => {
				let n = 0;
				for (const e of editors)
					for (const [key, last] of Object.entries(final)) if (key !== e.key) n += Math.max(0, last - (e.seen.get(key) ?? 0));
				return n;
			};
			const ok = await new Promise<boolean>((resolve) => {
				const timer = setTimeout(() => {
					changed = () => {};
					resolve(false);
				}, timeoutMs);
				changed = () => {
					if (missing() > 0) return;
					clearTimeout(timer);
					changed = () => {};
					resolve(true);
				};
				changed();
			});
			return { ok, missing: missing() };
		},

		results() {
			if (!window) throw new Error('start first');
			const cpu = process.cpuUsage(window.cpu);
			return {
				latencies,
				deliveries,
				gaps,
				cpuMs: cpuMs(cpu),
				wallMs: now() - window.at,
				rssBytes: process.memoryUsage.rss()
			};
		},

		stop() {
			stopAll();
			setTimeout(() => process.exit(0), 50).unref();
			return null;
		}
	},
	stopAll
);
