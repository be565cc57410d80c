/** Stock y-websocket providers from Node, against a real server (no BroadcastChannel shortcut). */
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

export interface Client {
	doc: Y.Doc;
	provider: WebsocketProvider;
	/** Resolves with the close code when the server closes the connection for good (4400-4499). */
	closed: Promise<{ code: number; reason: string }>;
	destroy(): void;
}

/** A ws class that sends a cookie with the upgrade, as a browser would. */
function withCookie(cookie: string | undefined): typeof WebSocket {
	return class extends WebSocket {
		constructor(url: string | URL, protocols?: string | string[]) {
			super(url, protocols, cookie ? { headers: { cookie } } : {});
		}
	} as typeof WebSocket;
}

export function connectBoard(baseUrl: string, boardId: string, opts: { cookie?: string; token?: string; doc?: Y.Doc } = {}): Client {
	const doc = opts.doc ?? new Y.Doc();
	const provider = new WebsocketProvider(`${baseUrl.replace(/^http/, 'ws')}/yjs`, boardId, doc, {
		WebSocketPolyfill: withCookie(opts.cookie) as unknown as typeof globalThis.WebSocket,
		disableBc: true,
		params: opts.token ? { token: opts.token } : {}
	});
	const closed = new Promise<{ code: number; reason: string }>((resolve) => provider.on('closed', (event) => resolve(event)));
	return {
		doc,
		provider,
		closed,
		destroy() {
			provider.destroy();
			doc.destroy();
		}
	};
}

export function synced(client: Client): Promise<void> {
	if (client.provider.synced) return Promise.resolve();
	return new Promise((resolve) => {
		const on = (s: boolean) => {
			if (!s) return;
			client.provider.off('sync', on);
			resolve();
		};
		client.provider.on('sync', on);
	});
}

/** Waits until `check` holds, re-testing on every change of the docs given (no fixed sleeps). */
export function until(docs: Y.Doc[], check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
	return new Promise((resolve, reject) => {
		if (check()) return resolve();
		const timer = setTimeout(() => {
			cleanup();
			reject(new Error(`timed out waiting for ${what}`));
		}, timeoutMs);
		const on = () => {
			if (!check()) return;
			cleanup();
			resolve();
		};
		const cleanup = () => {
			clearTimeout(timer);
			for (const d of docs) d.off('update', on);
		};
		for (const d of docs) d.on('update', on);
	});
}

/** Waits for an event-driven condition that no doc update signals (awareness, storage), polling briefly. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}
