/** Turns service errors into SvelteKit responses: pages get an HTTP error, forms a `fail` with field messages. */
import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { AppError, ErrorCode, ERROR_MESSAGES } from '../../../shared/errors.ts';
import type { User } from '../../../server/auth/users.store.ts';
import { serverFields, serverText } from '../i18n/errors.ts';

const STATUS: Record<ErrorCode, number> = {
	bad_request: 400,
	unauthenticated: 401,
	forbidden: 403,
	not_found: 404,
	conflict: 409,
	rate_limited: 429,
	invite_expired: 410,
	invite_used: 410,
	invalid_credentials: 400,
	setup_done: 409,
	unavailable: 503,
	not_open: 409,
	read_only: 403,
	internal: 500
};

/** The signed-in user, or a redirect to sign in (coming back here afterwards). */
export function requireUser(event: Pick<RequestEvent, 'locals' | 'url'>): User {
	const user = event.locals.user;
	if (!user) redirect(303, `/login?next=${encodeURIComponent(event.url.pathname + event.url.search)}`);
	return user;
}

/** For loads: run a service call, answering its AppError with the matching HTTP status. */
export async function orError<T>(work: Promise<T>): Promise<T> {
	try {
		return await work;
	} catch (e) {
		if (AppError.is(e)) error(STATUS[e.code], { message: serverText(e.message), code: e.code });
		throw e;
	}
}

/** For form actions: AppErrors become `fail(status, { message, fields, values })` the form shows, in the viewer's language. */
export async function orFail<T, V extends Record<string, unknown> = Record<string, never>>(work: Promise<T>, values?: V) {
	try {
		return { ok: true as const, data: await work };
	} catch (e) {
		if (AppError.is(e)) {
			// Authorization failures on a form are still HTTP errors, not form messages.
			if (e.code === ErrorCode.NotFound || e.code === ErrorCode.Forbidden || e.code === ErrorCode.Unauthenticated) {
				error(STATUS[e.code], { message: serverText(e.message), code: e.code });
			}
			return {
				ok: false as const,
				failure: fail(STATUS[e.code], {
					message: serverText(e.message),
					code: e.code,
					fields: serverFields(e.fields),
					values: values ?? ({} as V)
				})
			};
		}
		throw e;
	}
}

export const messageFor = (code: ErrorCode): string => ERROR_MESSAGES[code];

/** Form fields as plain strings (files and repeated keys are not used by Hearth's forms). */
export function formValues(data: FormData, omit: string[] = ['password']): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of data) if (typeof v === 'string' && !omit.includes(k)) out[k] = v;
	return out;
}
