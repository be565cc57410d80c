/**
 * A TCP proxy owned by a test, between a client and a server, that can black-hole the network:
 * `cut()` stops delivering bytes in both directions without closing anything, as when a laptop's
 * Wi-Fi drops; `restore()` brings the link back. Like TCP after an outage, bytes sent meanwhile
 * (and a close that happened meanwhile) are delivered once the link is back, in order. A connection
 * opened during a cut hangs (its handshake is not answered) until the restore. Each side only
 * notices the drop through its own timeouts (pings, watchdogs), as on a real network.
 */
import net from 'node:net';

export interface TcpProxy {
	/** Where clients connect instead of the target (`http://127.0.0.1:<port>`). */
	url: string;
	port: number;
	/** Connections currently open through the proxy. */
	readonly open: number;
	cut(): void;
	restore(): void;
	close(): Promise<void>;
}

/** One direction of one connection: delivers now, or queues while the link is down. */
interface Lane {
	queue: (Buffer | 'end')[];
	to: net.Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
	let down = false;
	const lanes = new Set<Lane>();
	const sockets = new Set<net.Socket>();
	const held: (() => void)[] = [];

	function deliver(lane: Lane, chunk: Buffer | 'end'): void {
		if (down || lane.queue.length) {
			lane.queue.push(chunk);
			return;
		}
		if (lane.to.destroyed) return;
		if (chunk === 'end') lane.to.end();
		else lane.to.write(chunk);
	}
	function flush(lane: Lane): void {
		for (const chunk of lane.queue.splice(0)) {
			if (lane.to.destroyed) continue;
			if (chunk === 'end') lane.to.end();
			else lane.to.write(chunk);
		}
	}
	function pipe(from: net.Socket, to: net.Socket): void {
		const lane: Lane = { queue: [], to };
		lanes.add(lane);
		from.on('data', (chunk: Buffer) => deliver(lane, chunk));
		// A reset or a close travels like data: late while the link is down.
		from.on('end', () => deliver(lane, 'end'));
		from.on('close', () => deliver(lane, 'end'));
		from.on('error', () => {});
	}
	function connect(client: net.Socket): void {
		const upstream = net.connect(target.port, target.host);
		sockets.add(upstream);
		upstream.on('close', () => sockets.delete(upstream));
		pipe(client, upstream);
		pipe(upstream, client);
		client.resume();
	}

	const server = net.createServer({ pauseOnConnect: true }, (client) => {
		sockets.add(client);
		client.on('close', () => sockets.delete(client));
		client.on('error', () => {});
		if (down) held.push(() => connect(client));
		else connect(client);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;

	return {
		url: `http://127.0.0.1:${port}`,
		port,
		get open() {
			return [...sockets].filter((s) => !s.destroyed).length;
		},
		cut() {
			down = true;
		},
		restore() {
			down = false;
			for (const lane of lanes) flush(lane);
			for (const go of held.splice(0)) go();
		},
		async close() {
			for (const s of sockets) s.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
