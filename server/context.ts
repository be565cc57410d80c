/**
 * SvelteKit's server code (hooks, loads, actions) reaches the services through this store:
 * the HTTP server runs each request inside `context.run(hearth, ...)`. It lives on globalThis
 * because the built SvelteKit bundle and the server are separate module instances, and it is
 * an AsyncLocalStorage (not a plain global) so several servers can share one process in tests.
 * This module imports nothing else, so the web bundle that imports it stays free of server code.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Hearth } from './app.ts';

const KEY = Symbol.for('hearth.context');
type WithContext = typeof globalThis & { [KEY]?: AsyncLocalStorage<Hearth> };

export function hearthContext(): AsyncLocalStorage<Hearth> {
	const g = globalThis as WithContext;
	return (g[KEY] ??= new AsyncLocalStorage<Hearth>());
}
