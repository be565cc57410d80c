/**
 * One http.Server for everything: /healthz, the SvelteKit app (adapter-node's handler),
 * socket.io and the board websocket path, all on one port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createHearth, type Hearth } from '../app.ts';
import { hearthContext } from '../context.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { openDb, type Db } from '../db/open.ts';
import { connectScale } from '../scale/scale.ts';
import { FILE_CSP, originAllowed, refuseUpgrade, setBaseHeaders } from './security.ts';
import { markProtocol, type NodeHandler } from './sveltekit.ts';

export type { NodeHandler };

export interface RunningServer {
	url: string;
	port: number;
	hearth: Hearth;
	server: http.Server;
	/** Stops accepting, closes realtime connections, then the database. Safe to call twice. */
	close(): Promise<void>;
}

export function makeLogger(config: Pick<Config, 'logLevel'>): Logger {
	return pino({ level: config.logLevel, base: undefined });
}

export async function startServer(opts: {
	config: Config;
	/** The SvelteKit request handler (build/handler.js). Without one only /healthz and realtime answer. */
	handler?: NodeHandler | undefined;
	/** Makes the handler from the server instead (dev: Vite's middleware, whose hot reload shares the port). */
	makeHandler?: (server: http.Server) => Promise<NodeHandler>;
	clock?: Clock;
	logger?: Logger;
	db?: Db;
}): Promise<RunningServer> {
	const { config } = opts;
	const logger = opts.logger ?? makeLogger(config);
	const db = opts.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
	// Scale-out when REDIS_URL is set; undefined (a single instance) otherwise.
	const scale = await connectScale(config, logger);
	const hearth = createHearth({ config, db, clock: opts.clock ?? systemClock, logger, scale });
	const context = hearthContext();
	const server = http.createServer();
	// The app's listener goes first: socket.io wraps the request listeners present when it attaches,
	// so it answers its own path and passes the rest on. `handler` is set before listen().
	server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
		const path = (req.url ?? '/').split('?')[0];
		// [SEC1] On every response, static files and /healthz included; pages add their CSP.
		setBaseHeaders(req, res, config);
		if (path === '/healthz') {
			void hearth.health().then((report) => {
				res.writeHead(report.ok ? 200 : 503, {
					'content-type': 'application/json',
					'cache-control': 'no-store',
					'content-security-policy': FILE_CSP
				});
				res.end(JSON.stringify(report));
			});
			return;
		}
		if (!handler) {
			res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
			return;
		}
		markProtocol(req);
		context.run(hearth, () =>
			handler(req, res, () => {
				res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
			})
		);
	});

	hearth.attach(server);
	server.on('upgrade', (req, socket, head) => {
		// [SEC3] A board opened from another site's page would carry its visitor's cookie: refused
		// before any websocket exists. (socket.io checks its own handshakes: realtime.ts.)
		if ((req.url ?? '').startsWith('/yjs/') && !originAllowed(req, config)) {
			refuseUpgrade(socket);
			return;
		}
		if (hearth.handleUpgrade(req, socket, head)) return;
		// socket.io and Vite's hot reload answer their own upgrades; anything else would hang
		// (socket.io's destroyUpgrade is off).
		const viteHmr = String(req.headers['sec-websocket-protocol'] ?? '').includes('vite-hmr');
		if (!(req.url ?? '').startsWith('/socket.io/') && !viteHmr) socket.destroy();
	});

	const handler = opts.makeHandler ? await opts.makeHandler(server) : opts.handler;

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(config.port, config.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
	const url = config.origin ?? `http://${shownHost}:${port}`;

	let closing: Promise<void> | undefined;
	const close = () =>
		(closing ??= (async () => {
			server.close();
			server.closeIdleConnections();
			await hearth.close();
			server.closeAllConnections();
			await scale?.close();
			await db.close();
		})());

	return { url, port, hearth, server, close };
}
