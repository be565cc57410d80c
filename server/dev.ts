/**
 * `npm run dev`: the same server as production, with Vite's dev middleware (and hot reload on
 * the same port) in place of the built SvelteKit handler. One port, one process.
 */
import { createServer as createVite, type ViteDevServer } from 'vite';
import { ConfigError, loadConfig } from './config.ts';
import { makeLogger, startServer } from './http/server.ts';

let config;
try {
	config = loadConfig();
} catch (e) {
	console.error(e instanceof ConfigError ? e.message : e);
	process.exit(1);
}
const logger = makeLogger(config);
let vite: ViteDevServer | undefined;
const running = await startServer({
	config,
	logger,
	makeHandler: async (server) => {
		vite = await createVite({ server: { middlewareMode: true, hmr: { server } }, appType: 'custom' });
		const middlewares = vite.middlewares;
		return (req, res, next) => middlewares(req, res, next);
	}
});
logger.info({ url: running.url, storage: running.hearth.db.engine }, `Hearth (dev) at ${running.url}`);
const stop = () =>
	void running
		.close()
		.then(() => vite?.close())
		.then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
