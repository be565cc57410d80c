import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { cohortSchema, conveningSchema, emailSchema, fieldErrors, inviteSchema, passwordSchema } from '../../shared/schemas.ts';

/** The first issue's message for a failed parse (fails the test when the parse succeeds). */
function firstMessage(result: { success: boolean; error?: z.ZodError }): string {
	expect(result.success).toBe(false);
	return result.error!.issues[0]!.message;
}

/** Parses expecting failure and returns the per-field messages. */
function errorsOf(schema: z.ZodType, input: unknown): Record<string, string> {
	const result = schema.safeParse(input);
	expect(result.success).toBe(false);
	return fieldErrors(result.error!);
}

describe('emailSchema', () => {
	it('trims and lowercases', () => {
		expect(emailSchema.parse('  Ada.Lovelace@Example.ORG ')).toBe('ada.lovelace@example.org');
		expect(emailSchema.parse('bob+hearth@example.org')).toBe('bob+hearth@example.org');
	});

	it('asks for an address when empty or not a string', () => {
		expect(firstMessage(emailSchema.safeParse(''))).toBe('Enter your email address.');
		expect(firstMessage(emailSchema.safeParse('   '))).toBe('Enter your email address.');
		expect(firstMessage(emailSchema.safeParse(undefined))).toBe('Enter your email address.');
		expect(firstMessage(emailSchema.safeParse(42))).toBe('Enter your email address.');
	});

	it.each(['not-an-email', 'ada@', '@example.org', 'ada@example', 'ada @example.org', 'ada@@example.org', 'ada@example..org'])(
		'rejects %j',
		(email) => {
			expect(firstMessage(emailSchema.safeParse(email))).toBe('Enter a valid email address, like name@example.org.');
		}
	);

	it('rejects addresses longer than 254 characters', () => {
		const long = 'a'.repeat(64) + '@' + 'b'.repeat(180) + '.example.org';
		expect(long.length).toBe(257);
		expect(firstMessage(emailSchema.safeParse(long))).toBe('That email address is too long.');
	});
});

describe('passwordSchema', () => {
	it('accepts 10 to 200 characters, unchanged', () => {
		expect(passwordSchema.parse('a'.repeat(10))).toBe('a'.repeat(10));
		expect(passwordSchema.parse('a'.repeat(200))).toBe('a'.repeat(200));
		expect(passwordSchema.parse('  spaces kept  ')).toBe('  spaces kept  ');
	});

	it('refuses shorter or longer', () => {
		expect(firstMessage(passwordSchema.safeParse('a'.repeat(9)))).toBe('Use at least 10 characters for your password.');
		expect(firstMessage(passwordSchema.safeParse(''))).toBe('Use at least 10 characters for your password.');
		expect(firstMessage(passwordSchema.safeParse('a'.repeat(201)))).toBe('Use at most 200 characters for your password.');
		expect(firstMessage(passwordSchema.safeParse(undefined))).toBe('Enter a password.');
	});
});

describe('cohortSchema', () => {
	const valid = { name: ' Class of 2026 ', startsOn: '2026-06-22', endsOn: '2027-07-12', timeZone: 'Europe/Berlin' };

	it('parses a valid cohort, trimming the name and defaulting the description', () => {
		expect(cohortSchema.parse(valid)).toEqual({
			name: 'Class of 2026',
			description: '',
			startsOn: '2026-06-22',
			endsOn: '2027-07-12',
			timeZone: 'Europe/Berlin'
		});
	});

	it('allows a cohort that starts and ends on the same day', () => {
		expect(cohortSchema.safeParse({ ...valid, endsOn: valid.startsOn }).success).toBe(true);
	});

	it('refuses an end before the start, on the endsOn field', () => {
		const result = cohortSchema.safeParse({ ...valid, endsOn: '2026-06-21' });
		expect(result.success).toBe(false);
		expect(result.error!.issues).toHaveLength(1);
		expect(result.error!.issues[0]!.path).toEqual(['endsOn']);
		expect(fieldErrors(result.error!)).toEqual({ endsOn: 'The end date must be on or after the start date.' });
	});

	it('refuses badly shaped dates and unknown time zones', () => {
		expect(errorsOf(cohortSchema, { ...valid, startsOn: '2026-6-22' })).toEqual({ startsOn: 'Enter a date as YYYY-MM-DD.' });
		expect(errorsOf(cohortSchema, { ...valid, timeZone: 'Mars/Olympus' })).toEqual({
			timeZone: 'Choose a valid time zone, like Europe/Berlin.'
		});
		expect(errorsOf(cohortSchema, { ...valid, name: '  ' })).toEqual({ name: 'Enter a name.' });
	});

	it.each(['2026-02-30', '2026-02-31', '2026-04-31', '2026-13-01', '2026-00-10'])('refuses the impossible date %s', (date) => {
		expect(errorsOf(cohortSchema, { ...valid, startsOn: date, endsOn: '2027-07-12' })).toEqual({ startsOn: 'Enter a real date.' });
	});
});

describe('conveningSchema', () => {
	const valid = { title: 'Opening convening', startsAt: '2026-06-22T15:00:00Z', durationMinutes: 90 };

	it('parses a valid convening with defaults', () => {
		expect(conveningSchema.parse(valid)).toEqual({
			title: 'Opening convening',
			description: '',
			kind: 'convening',
			startsAt: '2026-06-22T15:00:00Z',
			durationMinutes: 90,
			agenda: []
		});
	});

	it.each(['2026-06-22T15:00:00Z', '2026-06-22T15:00:00.000Z', '2026-06-22T17:00:00+02:00', '2026-06-22T10:00:00-05:00'])(
		'accepts the instant %s',
		(startsAt) => {
			expect(conveningSchema.parse({ ...valid, startsAt }).startsAt).toBe(startsAt);
		}
	);

	it.each(['2026-06-22T15:00:00', '2026-06-22T15:00', '2026-06-22', 'tomorrow at three', ''])(
		'refuses a start without date, time and offset: %j',
		(startsAt) => {
			expect(errorsOf(conveningSchema, { ...valid, startsAt })).toEqual({ startsAt: 'Enter a start date and time.' });
		}
	);

	it('bounds the duration between 5 minutes and 14 days, in whole minutes', () => {
		expect(conveningSchema.parse({ ...valid, durationMinutes: 5 }).durationMinutes).toBe(5);
		expect(conveningSchema.parse({ ...valid, durationMinutes: 14 * 24 * 60 }).durationMinutes).toBe(20160);
		expect(conveningSchema.parse({ ...valid, durationMinutes: '45' }).durationMinutes).toBe(45);
		expect(errorsOf(conveningSchema, { ...valid, durationMinutes: 4 })).toEqual({
			durationMinutes: 'A convening lasts at least 5 minutes.'
		});
		expect(errorsOf(conveningSchema, { ...valid, durationMinutes: 20161 })).toEqual({
			durationMinutes: 'A convening lasts at most 14 days.'
		});
		expect(errorsOf(conveningSchema, { ...valid, durationMinutes: 30.5 })).toEqual({ durationMinutes: 'Enter whole minutes.' });
		expect(errorsOf(conveningSchema, { ...valid, durationMinutes: 'abc' })).toEqual({ durationMinutes: 'Enter the duration in minutes.' });
	});

	it('accepts a retreat and refuses an unknown kind', () => {
		expect(conveningSchema.parse({ ...valid, kind: 'retreat' }).kind).toBe('retreat');
		expect(conveningSchema.safeParse({ ...valid, kind: 'party' }).success).toBe(false);
	});

	it('keeps the agenda in order, trimming titles and coercing minutes to numbers', () => {
		const parsed = conveningSchema.parse({
			...valid,
			agenda: [
				{ title: ' Check-in ', durationMinutes: '15' },
				{ title: 'Breakouts', durationMinutes: 45 },
				{ title: 'Check-out', durationMinutes: '10' }
			]
		});
		expect(parsed.agenda).toEqual([
			{ title: 'Check-in', durationMinutes: 15 },
			{ title: 'Breakouts', durationMinutes: 45 },
			{ title: 'Check-out', durationMinutes: 10 }
		]);
		expect(typeof parsed.agenda[0]!.durationMinutes).toBe('number');
	});

	it('refuses bad agenda items with the item index in the field path', () => {
		expect(
			errorsOf(conveningSchema, {
				...valid,
				agenda: [
					{ title: 'Fine', durationMinutes: 10 },
					{ title: '  ', durationMinutes: 0 },
					{ title: 'Long', durationMinutes: 601 }
				]
			})
		).toEqual({
			'agenda.1.title': 'Give each agenda item a title.',
			'agenda.1.durationMinutes': 'An agenda item lasts at least 1 minute.',
			'agenda.2.durationMinutes': 'An agenda item lasts at most 600 minutes.'
		});
	});

	it('allows at most 50 agenda items', () => {
		const items = (n: number) => Array.from({ length: n }, (_, i) => ({ title: `Item ${i + 1}`, durationMinutes: 5 }));
		expect(conveningSchema.parse({ ...valid, agenda: items(50) }).agenda).toHaveLength(50);
		expect(errorsOf(conveningSchema, { ...valid, agenda: items(51) })).toEqual({ agenda: 'Use at most 50 agenda items.' });
	});
});

describe('inviteSchema', () => {
	it('defaults to no email and 7 days', () => {
		const parsed = inviteSchema.parse({ role: 'member' });
		expect(parsed).toEqual({ role: 'member', email: undefined, expiresInDays: 7 });
		expect(parsed.email).toBeUndefined();
	});

	it.each(['', '   '])('treats the email %j as none', (email) => {
		expect(inviteSchema.parse({ role: 'observer', email }).email).toBeUndefined();
	});

	it('normalises a given email and refuses a bad one', () => {
		expect(inviteSchema.parse({ role: 'member', email: ' Bob@Example.ORG ' }).email).toBe('bob@example.org');
		expect(errorsOf(inviteSchema, { role: 'member', email: 'bob' })).toEqual({ email: 'Enter a valid email address, or leave it empty.' });
	});

	it('bounds expiresInDays to whole days from 1 to 60, coercing form text', () => {
		expect(inviteSchema.parse({ role: 'member', expiresInDays: '14' }).expiresInDays).toBe(14);
		expect(inviteSchema.parse({ role: 'member', expiresInDays: 1 }).expiresInDays).toBe(1);
		expect(inviteSchema.parse({ role: 'member', expiresInDays: 60 }).expiresInDays).toBe(60);
		expect(errorsOf(inviteSchema, { role: 'member', expiresInDays: 0 })).toEqual({ expiresInDays: 'A link lasts at least 1 day.' });
		expect(errorsOf(inviteSchema, { role: 'member', expiresInDays: 61 })).toEqual({ expiresInDays: 'A link lasts at most 60 days.' });
		expect(errorsOf(inviteSchema, { role: 'member', expiresInDays: 2.5 })).toEqual({ expiresInDays: 'Enter whole days.' });
	});

	it('accepts exactly the three roles', () => {
		for (const role of ['facilitator', 'member', 'observer']) expect(inviteSchema.parse({ role }).role).toBe(role);
		expect(errorsOf(inviteSchema, { role: 'admin' })).toEqual({ role: 'Choose a role.' });
		expect(errorsOf(inviteSchema, {})).toEqual({ role: 'Choose a role.' });
	});
});

describe('fieldErrors', () => {
	it('keeps only the first message for each path', () => {
		const schema = z.object({ code: z.string().min(6, 'first').regex(/^\d+$/, 'second'), other: z.string().min(1, 'other') });
		const result = schema.safeParse({ code: 'ab', other: '' });
		expect(result.success).toBe(false);
		expect(result.error!.issues.map((i) => i.message)).toEqual(['first', 'second', 'other']);
		expect(fieldErrors(result.error!)).toEqual({ code: 'first', other: 'other' });
	});

	it('joins nested paths with dots and files root issues under "form"', () => {
		expect(errorsOf(z.object({ a: z.array(z.object({ b: z.string() })) }), { a: [{ b: 'x' }, { b: 1 }] })).toEqual({
			'a.1.b': expect.any(String)
		});
		expect(errorsOf(z.string({ message: 'root problem' }), 5)).toEqual({ form: 'root problem' });
	});
});
