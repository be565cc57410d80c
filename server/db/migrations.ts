/**
 * The one ordered migration set for both engines. Each migration has a stable id and is never
 * edited once released; a change is a new migration. Column types are chosen to mean the same
 * in SQLite and PostgreSQL (text, integer; no engine-specific defaults).
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const migrations: Record<string, Migration> = {
	'0001_foundation': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('users')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('email', 'text', (c) => c.notNull().unique())
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('password_hash', 'text', (c) => c.notNull())
				.addColumn('time_zone', 'text')
				.addColumn('created_at', 'text', (c) => c.notNull())
				.execute();
			await db.schema
				.createTable('sessions')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('created_at', 'text', (c) => c.notNull())
				.addColumn('expires_at', 'text', (c) => c.notNull())
				.execute();
			await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
			await db.schema
				.createTable('cohorts')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('description', 'text', (c) => c.notNull())
				.addColumn('starts_on', 'text', (c) => c.notNull())
				.addColumn('ends_on', 'text', (c) => c.notNull())
				.addColumn('time_zone', 'text', (c) => c.notNull())
				.addColumn('ics_token', 'text', (c) => c.unique())
				.addColumn('created_at', 'text', (c) => c.notNull())
				.execute();
			await db.schema
				.createTable('teams')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('cohort_id', 'text', (c) => c.notNull().references('cohorts.id').onDelete('cascade'))
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('created_at', 'text', (c) => c.notNull())
				.addUniqueConstraint('teams_cohort_name', ['cohort_id', 'name'])
				.execute();
			await db.schema
				.createTable('memberships')
				.addColumn('cohort_id', 'text', (c) => c.notNull().references('cohorts.id').onDelete('cascade'))
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('role', 'text', (c) => c.notNull())
				.addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('set null'))
				.addColumn('created_at', 'text', (c) => c.notNull())
				.addPrimaryKeyConstraint('memberships_pk', ['cohort_id', 'user_id'])
				.execute();
			await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
			await db.schema
				.createTable('convenings')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('cohort_id', 'text', (c) => c.notNull().references('cohorts.id').onDelete('cascade'))
				.addColumn('kind', 'text', (c) => c.notNull())
				.addColumn('title', 'text', (c) => c.notNull())
				.addColumn('description', 'text', (c) => c.notNull())
				.addColumn('starts_at', 'text', (c) => c.notNull())
				.addColumn('duration_minutes', 'integer', (c) => c.notNull())
				.addColumn('status', 'text', (c) => c.notNull())
				.addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
				.addColumn('created_at', 'text', (c) => c.notNull())
				.addColumn('updated_at', 'text', (c) => c.notNull())
				.execute();
			await db.schema.createIndex('convenings_cohort_start').on('convenings').columns(['cohort_id', 'starts_at']).execute();
			await db.schema
				.createTable('agenda_items')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('convening_id', 'text', (c) => c.notNull().references('convenings.id').onDelete('cascade'))
				.addColumn('position', 'integer', (c) => c.notNull())
				.addColumn('title', 'text', (c) => c.notNull())
				.addColumn('duration_minutes', 'integer', (c) => c.notNull())
				.execute();
			await db.schema.createIndex('agenda_items_convening').on('agenda_items').columns(['convening_id', 'position']).execute();
			await db.schema
				.createTable('invites')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('token_hash', 'text', (c) => c.notNull().unique())
				.addColumn('cohort_id', 'text', (c) => c.notNull().references('cohorts.id').onDelete('cascade'))
				.addColumn('role', 'text', (c) => c.notNull())
				.addColumn('email', 'text')
				.addColumn('created_by', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('created_at', 'text', (c) => c.notNull())
				.addColumn('expires_at', 'text', (c) => c.notNull())
				.addColumn('used_at', 'text')
				.addColumn('used_by', 'text', (c) => c.references('users.id').onDelete('set null'))
				.execute();
		}
	}
};

class StaticProvider implements MigrationProvider {
	async getMigrations() {
		return migrations;
	}
}

export async function migrate(db: Kysely<unknown>): Promise<void> {
	const migrator = new Migrator({ db, provider: new StaticProvider() });
	const { error, results } = await migrator.migrateToLatest();
	const failed = results?.find((r) => r.status === 'Error');
	if (error || failed) {
		const cause = error instanceof Error ? error.message : String(error ?? '');
		throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${cause}`);
	}
}
