/**
 * `npm start`: reads configuration, builds the web app if it is missing or older than its
 * sources, migrates storage, seeds the demo cohort with --demo, and serves on one port.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.ts';
import { openDb } from './db/open.ts';
import { makeLogger, startServer } from './http/server.ts';
import { loadSvelteKitHandler } from './http/sveltekit.ts';
import { seedDemo, DEMO_PASSWORD } from './seed/demo.ts';
import { systemClock } from './clock.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const handlerFile = path.join(root, 'build', 'handler.js');

function newestMtime(dir: string): number {
	let newest = 0;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
	}
	return newest;
}

function ensureBuilt(log: (msg: string) => void): void {
	const built = fs.existsSync(handlerFile) ? fs.statSync(handlerFile).mtimeMs : 0;
	const sources = Math.max(newestMtime(path.join(root, 'web')), newestMtime(path.join(root, 'shared')));
	if (built >= sources) return;
	log(built ? 'Web sources changed: rebuilding the app…' : 'Building the web app (first run)…');
	const res = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
		cwd: root,
		stdio: 'inherit'
	});
	if (res.status !== 0) {
		console.error('The web app failed to build; see the output above.');
		process.exit(1);
	}
}

async function main() {
	let config;
	try {
		config = loadConfig();
	} catch (e) {
		if (e instanceof ConfigError) {
			console.error(e.message);
			process.exit(1);
		}
		throw e;
	}
	const logger = makeLogger(config);
	ensureBuilt((msg) => logger.info(msg));
	const handler = await loadSvelteKitHandler(path.join(root, 'build'));

	const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
	if (process.argv.includes('--demo')) {
		const result = await seedDemo(db, systemClock);
		logger.info(
			{ cohort: result.cohortName, created: result.created },
			`Demo cohort ready. Sign in as ${result.facilitatorEmail} (facilitator) or ${result.memberEmail} (member), password "${DEMO_PASSWORD}".`
		);
	}
	const running = await startServer({ config, handler, logger, db });
	const needsSetup = await running.hearth.auth.setupNeeded();
	logger.info(
		{ url: running.url, storage: db.engine, location: db.location },
		needsSetup
			? `Hearth is running. Open ${running.url}/setup to create the first facilitator and cohort.`
			: `Hearth is running at ${running.url}`
	);

	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		logger.info({ signal }, 'shutting down');
		const force = setTimeout(() => process.exit(1), 10_000);
		force.unref();
		running.close().then(
			() => process.exit(0),
			(err: unknown) => {
				logger.error({ err }, 'shutdown failed');
				process.exit(1);
			}
		);
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));
}

void main();
