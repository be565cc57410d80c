import pg from 'pg';

/** The PostgreSQL every machine runs (trust auth); tests make their own database in it. */
export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a fresh, uniquely named database; `drop()` removes it even with open connections. */
export async function createTestDatabase(prefix = 'hearth_test'): Promise<{ url: string; drop(): Promise<void> }> {
	const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
	const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
	await admin.connect();
	try {
		await admin.query(`CREATE DATABASE ${name}`);
	} finally {
		await admin.end();
	}
	const url = new URL(PG_ADMIN_URL);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		async drop() {
			const c = new pg.Client({ connectionString: PG_ADMIN_URL });
			await c.connect();
			try {
				await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
			} finally {
				await c.end();
			}
		}
	};
}
