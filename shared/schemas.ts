/**
 * Payload schemas for every form and request body; the TS types derive from them.
 * Both the server (authoritative) and the web forms use these.
 */
import { z } from 'zod';
import { ROLES } from './roles.ts';

export const MAX_NAME = 120;
export const MAX_TEXT = 4000;

export const emailSchema = z
	.string({ message: 'Enter your email address.' })
	.trim()
	.toLowerCase()
	.min(1, 'Enter your email address.')
	.max(254, 'That email address is too long.')
	.pipe(z.email({ message: 'Enter a valid email address, like name@example.org.' }));

export const passwordSchema = z
	.string({ message: 'Enter a password.' })
	.min(10, 'Use at least 10 characters for your password.')
	.max(200, 'Use at most 200 characters for your password.');

export const nameSchema = z
	.string({ message: 'Enter a name.' })
	.trim()
	.min(1, 'Enter a name.')
	.max(MAX_NAME, `Use at most ${MAX_NAME} characters.`);

export function isTimeZone(value: string): boolean {
	try {
		new Intl.DateTimeFormat('en', { timeZone: value });
		return value.length > 0;
	} catch {
		return false;
	}
}

export const timeZoneSchema = z
	.string({ message: 'Choose a time zone.' })
	.trim()
	.refine(isTimeZone, { message: 'Choose a valid time zone, like Europe/Berlin.' });

const dateOnly = z
	.string({ message: 'Enter a date.' })
	.regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date as YYYY-MM-DD.')
	// Date.parse accepts 30 February; a real date survives the round trip unchanged.
	.refine((v) => !Number.isNaN(Date.parse(v + 'T00:00:00Z')) && new Date(v + 'T00:00:00Z').toISOString().slice(0, 10) === v, {
		message: 'Enter a real date.'
	});

export const signInSchema = z.object({
	email: emailSchema,
	password: z.string({ message: 'Enter your password.' }).min(1, 'Enter your password.').max(200)
});

export const accountSchema = z.object({
	name: nameSchema,
	email: emailSchema,
	password: passwordSchema,
	timeZone: timeZoneSchema
});
export type AccountInput = z.infer<typeof accountSchema>;

export const cohortSchema = z
	.object({
		name: nameSchema,
		description: z.string().trim().max(MAX_TEXT, `Use at most ${MAX_TEXT} characters.`).default(''),
		startsOn: dateOnly,
		endsOn: dateOnly,
		timeZone: timeZoneSchema
	})
	.refine((c) => c.endsOn >= c.startsOn, { message: 'The end date must be on or after the start date.', path: ['endsOn'] });
export type CohortInput = z.infer<typeof cohortSchema>;

export const agendaItemSchema = z.object({
	title: z.string().trim().min(1, 'Give each agenda item a title.').max(MAX_NAME, `Use at most ${MAX_NAME} characters.`),
	durationMinutes: z.coerce
		.number({ message: 'Enter minutes as a number.' })
		.int('Enter whole minutes.')
		.min(1, 'An agenda item lasts at least 1 minute.')
		.max(600, 'An agenda item lasts at most 600 minutes.')
});

export const CONVENING_KINDS = ['convening', 'retreat'] as const;

export const conveningSchema = z.object({
	title: nameSchema,
	description: z.string().trim().max(MAX_TEXT, `Use at most ${MAX_TEXT} characters.`).default(''),
	kind: z.enum(CONVENING_KINDS).default('convening'),
	/** An instant, ISO 8601 with offset or Z. The form converts the local time it shows. */
	startsAt: z.iso.datetime({ offset: true, message: 'Enter a start date and time.' }),
	durationMinutes: z.coerce
		.number({ message: 'Enter the duration in minutes.' })
		.int('Enter whole minutes.')
		.min(5, 'A convening lasts at least 5 minutes.')
		.max(60 * 24 * 14, 'A convening lasts at most 14 days.'),
	agenda: z.array(agendaItemSchema).max(50, 'Use at most 50 agenda items.').default([])
});
export type ConveningInput = z.infer<typeof conveningSchema>;

export const inviteSchema = z.object({
	role: z.enum(ROLES, { message: 'Choose a role.' }),
	email: z
		.string()
		.trim()
		.toLowerCase()
		.max(254)
		.optional()
		.transform((v) => (v ? v : undefined))
		.pipe(z.email({ message: 'Enter a valid email address, or leave it empty.' }).optional()),
	expiresInDays: z.coerce
		.number({ message: 'Enter a number of days.' })
		.int('Enter whole days.')
		.min(1, 'A link lasts at least 1 day.')
		.max(60, 'A link lasts at most 60 days.')
		.default(7)
});
export type InviteInput = z.infer<typeof inviteSchema>;

export const teamSchema = z.object({ name: nameSchema });

/** Turns a zod error into one message per form field (the first one for each). */
export function fieldErrors(error: z.ZodError): Record<string, string> {
	const out: Record<string, string> = {};
	for (const issue of error.issues) {
		const key = issue.path.length ? issue.path.join('.') : 'form';
		out[key] ??= issue.message;
	}
	return out;
}
