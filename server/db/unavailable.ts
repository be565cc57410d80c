/**
 * Telling "storage cannot be reached or written right now" apart from a bug, so that callers can
 * answer `unavailable` (socket.io), 503 (pages, /healthz) or close a board with 4503, instead of
 * `internal`. Kept free of driver imports: the web bundle's hooks use it too.
 */

/** SQLite result codes (better-sqlite3's `code`, extended codes included) meaning the file cannot be used now. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|READONLY|IOERR|FULL|CANTOPEN|PROTOCOL|NOTADB)/;
/**
 * PostgreSQL SQLSTATEs meaning the database is not there for us right now: 08 connection
 * exceptions, 53 insufficient resources (disk full, too many connections), 57P0x operator
 * intervention (shutdown, terminated backend, cannot connect now), 55000 for a database that does
 * not accept connections (`ALLOW_CONNECTIONS false`), 25006 read-only transaction (a standby).
 */
const PG_UNAVAILABLE = /^(08|53|57P0)|^(55000|25006)$/;
/** Socket-level errors of the PostgreSQL client, and node-postgres' own connection messages. */
const NET_UNAVAILABLE = /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/;
const PG_CLIENT_MESSAGE =
	/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i;

export function isStorageUnavailable(err: unknown, depth = 0): boolean {
	if (!err || typeof err !== 'object' || depth > 3) return false;
	const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
	const code = typeof e.code === 'string' ? e.code : '';
	if (SQLITE_UNAVAILABLE.test(code) || PG_UNAVAILABLE.test(code) || NET_UNAVAILABLE.test(code)) return true;
	if (typeof e.message === 'string' && PG_CLIENT_MESSAGE.test(e.message)) return true;
	// AggregateError (a connection refused on every address) and wrapped causes.
	if (Array.isArray(e.errors) && e.errors.some((x) => isStorageUnavailable(x, depth + 1))) return true;
	return isStorageUnavailable(e.cause, depth + 1);
}
