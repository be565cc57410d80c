/**
 * Server texts in the viewer's language. Services speak English and send an error code with every
 * message (shared/errors.ts); the UI translates at the point it shows them: by code for the
 * standard messages, and by the exact English text for the specific ones (validation, live room).
 * A text not in the catalogue is shown as sent rather than hidden.
 */
import type { ErrorCode } from '../../../shared/errors.ts';
import { MAX_NAME, MAX_TEXT } from '../../../shared/schemas.ts';
import { m } from './index.ts';

type Text = (options?: { locale?: 'en' | 'es' }) => string;

const BY_CODE: Record<ErrorCode, Text> = {
	bad_request: (o) => m.error_bad_request({}, o),
	unauthenticated: (o) => m.error_unauthenticated({}, o),
	forbidden: (o) => m.error_forbidden({}, o),
	not_found: (o) => m.error_not_found({}, o),
	conflict: (o) => m.error_conflict({}, o),
	rate_limited: (o) => m.error_rate_limited({}, o),
	invite_expired: (o) => m.error_invite_expired({}, o),
	invite_used: (o) => m.error_invite_used({}, o),
	invalid_credentials: (o) => m.error_invalid_credentials({}, o),
	setup_done: (o) => m.error_setup_done({}, o),
	unavailable: (o) => m.error_unavailable({}, o),
	not_open: (o) => m.error_not_open({}, o),
	read_only: (o) => m.error_read_only({}, o),
	internal: (o) => m.error_internal({}, o)
};

/** The standard message for an error code, in the viewer's language. */
export function errorMessage(code: ErrorCode): string {
	return BY_CODE[code]();
}

// Every specific server text, by its English wording. Parameterised texts are listed with the
// values the server uses.
const SPECIFIC: Text[] = [
	...Object.values(BY_CODE),
	...Object.entries(m)
		.filter(([key]) => key.startsWith('srv_') && !['srv_max_chars', 'srv_sign_in_wait', 'srv_invite_wait'].includes(key))
		.map(
			([, fn]) =>
				(o?: { locale?: 'en' | 'es' }) =>
					(fn as (i: object, o?: object) => string)({}, o)
		),
	(o) => m.srv_max_chars({ max: MAX_NAME }, o),
	(o) => m.srv_max_chars({ max: MAX_TEXT }, o),
	(o) => m.srv_max_chars({ max: 500 }, o)
];
let byEnglish: Map<string, Text> | undefined;

/** A message the server sent (in English), in the viewer's language when the catalogue knows it. */
export function serverText(text: string | null | undefined): string {
	if (!text) return '';
	byEnglish ??= new Map(SPECIFIC.map((t) => [t({ locale: 'en' }), t]));
	const known = byEnglish.get(text);
	if (known) return known();
	const wait = /^Too many sign-in attempts\. Try again in (\d+) minute\(s\)\.$/.exec(text);
	if (wait) return m.srv_sign_in_wait({ minutes: wait[1]! });
	const guessing = /^Too many invitation links were tried from your network\. Try again in (\d+) minute\(s\)\.$/.exec(text);
	if (guessing) return m.srv_invite_wait({ minutes: guessing[1]! });
	return text;
}

/** A form's field messages, each in the viewer's language. */
export function serverFields(fields: Record<string, string> | undefined): Record<string, string> {
	return Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, serverText(v)]));
}
