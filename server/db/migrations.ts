/**
 * The one ordered migration set for both engines. Each migration has a stable id and is never
 * edited once released; a change is a new migration. Column types are chosen to mean the same
 * in SQLite and PostgreSQL (text, integer; no engine-specific defaults).
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** Migrations that differ by engine (identity columns, binary types) read it from here. */
const makeMigrations = (engine: 'sqlite' | 'postgres'): Record<string, Migration> => ({
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
	},
	'0002_boards': {
		async up(db: Kysely<unknown>) {
			const binary = engine === 'postgres' ? 'bytea' : 'blob';
			await db.schema
				.createTable('boards')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('cohort_id', 'text', (c) => c.notNull().references('cohorts.id').onDelete('cascade'))
				.addColumn('convening_id', 'text', (c) => c.references('convenings.id').onDelete('set null'))
				.addColumn('group_id', 'text')
				.addColumn('title', 'text', (c) => c.notNull())
				.addColumn('write_policy', 'text', (c) => c.notNull())
				.addColumn('schema_version', 'integer', (c) => c.notNull())
				.addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
				.addColumn('created_at', 'text', (c) => c.notNull())
				.addColumn('updated_at', 'text', (c) => c.notNull())
				.addColumn('archived_at', 'text')
				.execute();
			await db.schema.createIndex('boards_cohort').on('boards').columns(['cohort_id', 'updated_at']).execute();
			await db.schema
				.createTable('board_members')
				.addColumn('board_id', 'text', (c) => c.notNull().references('boards.id').onDelete('cascade'))
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addPrimaryKeyConstraint('board_members_pk', ['board_id', 'user_id'])
				.execute();
			await db.schema
				.createTable('board_updates')
				.addColumn('id', engine === 'postgres' ? 'bigserial' : 'integer', (c) =>
					engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()
				)
				.addColumn('board_id', 'text', (c) => c.notNull().references('boards.id').onDelete('cascade'))
				.addColumn('data', binary, (c) => c.notNull())
				.addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
				.addColumn('created_at', 'text', (c) => c.notNull())
				.execute();
			await db.schema.createIndex('board_updates_board').on('board_updates').columns(['board_id', 'id']).execute();
			await db.schema
				.createTable('board_snapshots')
				.addColumn('board_id', 'text', (c) => c.primaryKey().references('boards.id').onDelete('cascade'))
				.addColumn('data', binary, (c) => c.notNull())
				.addColumn('upto_id', 'bigint', (c) => c.notNull())
				.addColumn('created_at', 'text', (c) => c.notNull())
				.execute();
			await db.schema
				.createTable('server_secrets')
				.addColumn('name', 'text', (c) => c.primaryKey())
				.addColumn('value', 'text', (c) => c.notNull())
				.execute();
		}
	},
	'0003_live': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('convening_live')
				.addColumn('convening_id', 'text', (c) => c.primaryKey().references('convenings.id').onDelete('cascade'))
				.addColumn('phase', 'text', (c) => c.notNull())
				.addColumn('agenda_index', 'integer', (c) => c.notNull())
				.addColumn('agenda_started_at', 'text')
				.addColumn('updated_at', 'text', (c) => c.notNull())
				.execute();
			await db.schema
				.createTable('attendance')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('convening_id', 'text', (c) => c.notNull().references('convenings.id').onDelete('cascade'))
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('joined_at', 'text', (c) => c.notNull())
				.addColumn('left_at', 'text')
				.execute();
			await db.schema.createIndex('attendance_convening').on('attendance').columns(['convening_id', 'user_id']).execute();
			await db.schema
				.createTable('chat_messages')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('convening_id', 'text', (c) => c.notNull().references('convenings.id').onDelete('cascade'))
				.addColumn('room', 'text', (c) => c.notNull())
				.addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
				.addColumn('body', 'text', (c) => c.notNull())
				.addColumn('created_at', 'text', (c) => c.notNull())
				.execute();
			await db.schema.createIndex('chat_messages_room').on('chat_messages').columns(['convening_id', 'room', 'created_at']).execute();
		}
	},
	'0004_rounds': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('rounds')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('convening_id', 'text', (c) => c.notNull().references('convenings.id').onDelete('cascade'))
				.addColumn('kind', 'text', (c) => c.notNull())
				.addColumn('prompt', 'text', (c) => c.notNull())
				.addColumn('grouping', 'text', (c) => c.notNull())
				.addColumn('status', 'text', (c) => c.notNull())
				.addColumn('opened_at', 'text', (c) => c.notNull())
				.addColumn('deadline_at', 'text', (c) => c.notNull())
				.addColumn('closes_at', 'text')
				.addColumn('closed_at', 'text')
				.addColumn('options', 'text', (c) => c.notNull())
				.execute();
			await db.schema.createIndex('rounds_convening').on('rounds').columns(['convening_id', 'opened_at']).execute();
			await db.schema
				.createTable('round_groups')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
				.addColumn('position', 'integer', (c) => c.notNull())
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('board_id', 'text', (c) => c.references('boards.id').onDelete('set null'))
				.addColumn('circle', 'text')
				.execute();
			await db.schema
				.createTable('round_assignments')
				.addColumn('round_id', 'text', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('group_id', 'text', (c) => c.references('round_groups.id').onDelete('cascade'))
				.addPrimaryKeyConstraint('round_assignments_pk', ['round_id', 'user_id'])
				.execute();
		}
	},
	'0005_circle_keepers': {
		async up(db: Kysely<unknown>) {
			await db.schema.alterTable('round_groups').addColumn('keeper_id', 'text').execute();
		}
	},
	// Media presence from LiveKit webhooks: one span per LiveKit participant session, next to attendance.
	'0006_media': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('media_presence')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('convening_id', 'text', (c) => c.notNull().references('convenings.id').onDelete('cascade'))
				.addColumn('room', 'text', (c) => c.notNull())
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('participant_sid', 'text', (c) => c.notNull().unique())
				.addColumn('joined_at', 'text', (c) => c.notNull())
				.addColumn('left_at', 'text')
				.execute();
			await db.schema.createIndex('media_presence_convening').on('media_presence').columns(['convening_id', 'user_id']).execute();
		}
	},
	// Each person's UI language (null: from their browser's Accept-Language).
	'0007_user_language': {
		async up(db: Kysely<unknown>) {
			await db.schema.alterTable('users').addColumn('language', 'text').execute();
		}
	}
});

class StaticProvider implements MigrationProvider {
	constructor(private readonly engine: 'sqlite' | 'postgres') {}
	async getMigrations() {
		return makeMigrations(this.engine);
	}
}

export async function migrate(db: Kysely<unknown>, engine: 'sqlite' | 'postgres'): Promise<void> {
	const migrator = new Migrator({ db, provider: new StaticProvider(engine) });
	const { error, results } = await migrator.migrateToLatest();
	const failed = results?.find((r) => r.status === 'Error');
	if (error || failed) {
		const cause = error instanceof Error ? error.message : String(error ?? '');
		throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${cause}`);
	}
}
