/** `npm run seed:demo`: seeds the demo cohort into the configured storage and exits. */
import { ConfigError, loadConfig } from '../config.ts';
import { openDb } from '../db/open.ts';
import { systemClock } from '../clock.ts';
import { DEMO_PASSWORD, seedDemo } from './demo.ts';

try {
	const config = loadConfig();
	const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
	const r = await seedDemo(db, systemClock);
	console.log(r.created ? `Seeded "${r.cohortName}".` : `"${r.cohortName}" is already there; nothing changed.`);
	console.log(`Sign in as ${r.facilitatorEmail} (facilitator) or ${r.memberEmail} (member) with password "${DEMO_PASSWORD}".`);
	await db.close();
} catch (e) {
	console.error(e instanceof ConfigError ? e.message : e);
	process.exit(1);
}
