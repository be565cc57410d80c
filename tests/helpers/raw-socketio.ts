/**
 * A socket.io client at the wire level (engine.io 4 over a websocket), for frames the real client
 * would never send: payload text written by hand (a 10,000-deep object, `__proto__` keys), acks
 * that are not the last argument, unknown packet types, binary attachments that lie. It answers
 * pings, so it stays connected as long as the server lets it.
 *
 * Packets (socket.io protocol 5): `40` connect, `42<id?>[event, ...args]` event, `43<id>[...]` ack,
 * `45<n>-<id?>[...]` event with n binary attachments sent as the next binary frames.
 */
import WebSocket from 'ws';

export interface RawSocketIo {
	ws: WebSocket;
	/** Every ack answer received, by ack id (a correct server answers each id once). */
	answers: Map<number, unknown[][]>;
	/** Sends an event whose argument list (`[event, ...args]`) is given as JSON text; returns its ack id, if asked for one. */
	emitText(argsJson: string, opts?: { ack?: boolean; attachments?: Uint8Array[] }): number | undefined;
	/** Sends a raw engine.io frame. */
	send(frame: string | Uint8Array): void;
	/** Waits until ack `id` has been answered (resolves with its first answer). */
	answer(id: number, timeoutMs?: number): Promise<unknown[]>;
	/** Resolves when the connection closes (for whatever reason). */
	closed: Promise<void>;
	readonly isOpen: boolean;
	close(): void;
}

export async function openRawSocketIo(baseUrl: string, cookie: string): Promise<RawSocketIo> {
	const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers: { cookie } });
	const answers = new Map<number, unknown[][]>();
	const waiters = new Map<number, () => void>();
	let nextId = 1;
	let open = true;
	const closed = new Promise<void>((resolve) =>
		ws.on('close', () => {
			open = false;
			resolve();
		})
	);
	const connected = new Promise<void>((resolve, reject) => {
		ws.on('error', reject);
		ws.on('message', (data: Buffer, isBinary: boolean) => {
			if (isBinary) return;
			const text = data.toString();
			if (text.startsWith('0')) ws.send('40');
			else if (text === '2') ws.send('3');
			else if (text.startsWith('40')) resolve();
			else if (text.startsWith('44')) reject(new Error(`refused: ${text}`));
			else if (text.startsWith('43')) {
				const m = /^43(\d+)(.*)$/s.exec(text);
				if (!m) return;
				const id = Number(m[1]);
				answers.set(id, [...(answers.get(id) ?? []), JSON.parse(m[2]!) as unknown[]]);
				waiters.get(id)?.();
			}
		});
		ws.on('close', () => reject(new Error('closed before connecting')));
	});
	await connected;
	const send = (frame: string | Uint8Array) => {
		if (ws.readyState === ws.OPEN) ws.send(frame);
	};
	return {
		ws,
		answers,
		send,
		emitText(argsJson, opts = {}) {
			const id = opts.ack ? nextId++ : undefined;
			const att = opts.attachments ?? [];
			send(`${att.length ? `45${att.length}-` : '42'}${id ?? ''}${argsJson}`);
			for (const a of att) send(a);
			return id;
		},
		answer(id, timeoutMs = 10_000) {
			const have = answers.get(id);
			if (have) return Promise.resolve(have[0]!);
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => {
					waiters.delete(id);
					reject(new Error(`no answer to ack ${id}`));
				}, timeoutMs);
				waiters.set(id, () => {
					clearTimeout(timer);
					waiters.delete(id);
					resolve(answers.get(id)![0]!);
				});
				void closed.then(() => {
					if (answers.has(id)) return;
					clearTimeout(timer);
					reject(new Error(`connection closed before ack ${id} was answered`));
				});
			});
		},
		closed,
		get isOpen() {
			return open;
		},
		close() {
			ws.terminate();
		}
	};
}
