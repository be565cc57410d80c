/**
 * The one list of error codes a client can receive, over HTTP and socket.io alike.
 * Clients show a message for a code; they never see raw server error text.
 */
export const ErrorCode = {
	BadRequest: 'bad_request',
	Unauthenticated: 'unauthenticated',
	Forbidden: 'forbidden',
	NotFound: 'not_found',
	Conflict: 'conflict',
	RateLimited: 'rate_limited',
	InviteExpired: 'invite_expired',
	InviteUsed: 'invite_used',
	InvalidCredentials: 'invalid_credentials',
	SetupDone: 'setup_done',
	Unavailable: 'unavailable',
	NotOpen: 'not_open',
	ReadOnly: 'read_only',
	Internal: 'internal'
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_MESSAGES: Record<ErrorCode, string> = {
	bad_request: 'Some of what was sent is not valid.',
	unauthenticated: 'Please sign in first.',
	forbidden: 'You do not have permission to do that.',
	not_found: 'That could not be found.',
	conflict: 'That already exists.',
	rate_limited: 'Too many attempts. Please wait a moment and try again.',
	invite_expired: 'This invitation has expired. Ask a facilitator for a new link.',
	invite_used: 'This invitation has already been used. Sign in, or ask a facilitator for a new link.',
	invalid_credentials: 'That email and password do not match an account.',
	setup_done: 'Hearth is already set up.',
	unavailable: 'Storage is unavailable right now. Nothing was changed; please try again shortly.',
	not_open: 'This convening is not open right now.',
	read_only: 'You are here as an observer: you can follow along but not take part.',
	internal: 'Something went wrong on our side.'
};

export type Result<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };

/** Marks AppErrors across module copies: the built web bundle holds its own copy of this file, so `instanceof` would miss errors thrown by the server's. */
const APP_ERROR = Symbol.for('hearth.AppError');

export class AppError extends Error {
	readonly [APP_ERROR] = true;

	static is(e: unknown): e is AppError {
		return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[APP_ERROR] === true;
	}

	constructor(
		readonly code: ErrorCode,
		message: string = ERROR_MESSAGES[code],
		/** Per-field messages for forms. */
		readonly fields: Record<string, string> = {}
	) {
		super(message);
		this.name = 'AppError';
	}
}
