/** Bounded waits: every wait in the benchmarks has a deadline. */
import type { WebsocketProvider } from 'y-websocket';

/** Rejects when `p` takes longer than `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
	return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves on the provider's first full sync with the server. */
export function providerSynced(p: WebsocketProvider): Promise<void> {
	if (p.synced) return Promise.resolve();
	return new Promise((resolve) => {
		const on = (s: boolean) => {
			if (!s) return;
			p.off('sync', on);
			resolve();
		};
		p.on('sync', on);
	});
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
