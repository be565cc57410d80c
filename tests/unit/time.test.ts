import { describe, it, expect } from 'vitest';
import { countdownText, durationText, formatDateTime, formatTime, fromLocalInput, toLocalInput, zoneLabel } from '../../shared/time.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('fromLocalInput / toLocalInput', () => {
	it.each([
		['UTC', '2026-06-22T15:00', '2026-06-22T15:00:00.000Z'],
		['Europe/Berlin', '2026-01-15T09:30', '2026-01-15T08:30:00.000Z'],
		['Europe/Berlin', '2026-06-22T16:00', '2026-06-22T14:00:00.000Z'],
		['Asia/Kolkata', '2026-06-22T09:00', '2026-06-22T03:30:00.000Z'],
		['Asia/Kolkata', '2026-06-22T03:00', '2026-06-21T21:30:00.000Z'],
		['Asia/Singapore', '2026-12-14T22:00', '2026-12-14T14:00:00.000Z'],
		['America/New_York', '2026-01-15T09:00', '2026-01-15T14:00:00.000Z'],
		['America/New_York', '2026-07-01T09:00', '2026-07-01T13:00:00.000Z'],
		['America/New_York', '2026-12-31T23:30', '2027-01-01T04:30:00.000Z'],
		['Australia/Sydney', '2026-06-22T08:00', '2026-06-21T22:00:00.000Z'],
		['Australia/Sydney', '2026-12-22T08:00', '2026-12-21T21:00:00.000Z']
	])('in %s, %s is %s and back', (zone, local, iso) => {
		expect(fromLocalInput(local, zone)).toBe(iso);
		expect(toLocalInput(iso, zone)).toBe(local);
	});

	it('shows midnight as 00:00, not 24:00', () => {
		expect(toLocalInput('2026-06-21T22:00:00.000Z', 'Europe/Berlin')).toBe('2026-06-22T00:00');
		expect(fromLocalInput('2026-06-22T00:00', 'Europe/Berlin')).toBe('2026-06-21T22:00:00.000Z');
	});

	describe('Europe/Berlin, spring forward on 2026-03-29 (02:00 CET becomes 03:00 CEST at 01:00Z)', () => {
		it('keeps the minutes on either side of the jump exact', () => {
			expect(fromLocalInput('2026-03-29T01:59', 'Europe/Berlin')).toBe('2026-03-29T00:59:00.000Z');
			expect(fromLocalInput('2026-03-29T03:00', 'Europe/Berlin')).toBe('2026-03-29T01:00:00.000Z');
			expect(fromLocalInput('2026-03-29T03:30', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z');
		});

		it('resolves a skipped wall time (02:30) to after the jump, shifted by the gap: 03:30 CEST', () => {
			const iso = fromLocalInput('2026-03-29T02:30', 'Europe/Berlin');
			expect(iso).toBe('2026-03-29T01:30:00.000Z');
			expect(Date.parse(iso!)).toBeGreaterThanOrEqual(Date.parse('2026-03-29T01:00:00Z'));
			expect(toLocalInput(iso!, 'Europe/Berlin')).toBe('2026-03-29T03:30');
		});
	});

	describe('Europe/Berlin, fall back on 2026-10-25 (03:00 CEST becomes 02:00 CET at 01:00Z)', () => {
		it('keeps the unambiguous times on either side exact', () => {
			expect(fromLocalInput('2026-10-25T01:30', 'Europe/Berlin')).toBe('2026-10-24T23:30:00.000Z');
			expect(fromLocalInput('2026-10-25T03:30', 'Europe/Berlin')).toBe('2026-10-25T02:30:00.000Z');
		});

		it('gives one of the two real instants for an ambiguous wall time (02:30)', () => {
			const iso = fromLocalInput('2026-10-25T02:30', 'Europe/Berlin');
			expect(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']).toContain(iso);
			expect(toLocalInput(iso!, 'Europe/Berlin')).toBe('2026-10-25T02:30');
		});
	});

	describe('America/New_York (west of Greenwich), spring forward on 2026-03-08 (02:00 EST becomes 03:00 EDT at 07:00Z)', () => {
		it('keeps the minutes on either side of the jump exact', () => {
			expect(fromLocalInput('2026-03-08T01:30', 'America/New_York')).toBe('2026-03-08T06:30:00.000Z');
			expect(fromLocalInput('2026-03-08T03:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
		});

		it('resolves a skipped wall time (02:30) to after the jump, as documented: 03:30 EDT', () => {
			const iso = fromLocalInput('2026-03-08T02:30', 'America/New_York');
			expect(iso).toBe('2026-03-08T07:30:00.000Z');
			expect(toLocalInput(iso!, 'America/New_York')).toBe('2026-03-08T03:30');
		});

		it('gives one of the two real instants for an ambiguous wall time on 2026-11-01 (01:30)', () => {
			const iso = fromLocalInput('2026-11-01T01:30', 'America/New_York');
			expect(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']).toContain(iso);
			expect(toLocalInput(iso!, 'America/New_York')).toBe('2026-11-01T01:30');
		});
	});

	it('resolves a skipped wall time in Australia/Sydney (2026-10-04 02:30) to after the jump: 03:30 AEDT', () => {
		expect(fromLocalInput('2026-10-04T02:30', 'Australia/Sydney')).toBe('2026-10-03T16:30:00.000Z');
	});

	it.each([
		'',
		'garbage',
		'2026-06-22',
		'2026-06-22 15:00',
		'2026-06-22T15:00:00',
		'2026-06-22T15:00Z',
		'2026-6-22T15:00',
		'22/06/2026 15:00'
	])('returns undefined for text that is not YYYY-MM-DDTHH:mm: %j', (text) => {
		expect(fromLocalInput(text, 'Europe/Berlin')).toBeUndefined();
	});

	it.each(['2026-02-30T10:00', '2026-13-01T10:00', '2026-00-10T10:00', '2026-06-31T10:00', '2026-06-22T24:00', '2026-06-22T12:60'])(
		'returns undefined for a well-shaped but impossible date or time: %s',
		(text) => {
			expect(fromLocalInput(text, 'UTC')).toBeUndefined();
		}
	);
});

describe('zoneLabel', () => {
	it.each([
		['Asia/Singapore', '2026-06-22T12:00:00Z', 'Asia/Singapore (GMT+8)'],
		['UTC', '2026-06-22T12:00:00Z', 'UTC (GMT)'],
		['Asia/Kolkata', '2026-06-22T12:00:00Z', 'Asia/Kolkata (GMT+5:30)'],
		['Asia/Kathmandu', '2026-06-22T12:00:00Z', 'Asia/Kathmandu (GMT+5:45)'],
		['America/New_York', '2026-01-15T12:00:00Z', 'America/New York (GMT-5)'],
		['America/New_York', '2026-07-15T12:00:00Z', 'America/New York (GMT-4)'],
		['America/St_Johns', '2026-01-15T12:00:00Z', 'America/St Johns (GMT-3:30)'],
		['Europe/London', '2026-01-15T12:00:00Z', 'Europe/London (GMT)'],
		['Europe/London', '2026-07-15T12:00:00Z', 'Europe/London (GMT+1)']
	])('%s at %s is %s', (zone, iso, label) => {
		expect(zoneLabel(zone, iso)).toBe(label);
	});
});

describe('formatDateTime', () => {
	it('formats an instant in the given zone (22:00 in Singapore for 14:00Z)', () => {
		const text = formatDateTime('2026-12-14T14:00:00Z', 'Asia/Singapore');
		expect(text).toContain('14 Dec 2026');
		expect(text).toContain('22:00');
		expect(text).toContain('Mon');
		expect(formatTime('2026-12-14T14:00:00Z', 'Asia/Singapore')).toBe('22:00');
	});

	it('moves to the next day when the zone is already past midnight', () => {
		const text = formatDateTime('2026-12-14T18:30:00Z', 'Asia/Singapore');
		expect(text).toContain('15 Dec 2026');
		expect(text).toContain('02:30');
	});
});

describe('countdownText', () => {
	it.each([
		[0, 'now'],
		[-5 * SECOND, 'now'],
		[SECOND, 'in 1 s'],
		[59 * SECOND + 999, 'in 59 s'],
		[MINUTE, 'in 1 min 0 s'],
		[4 * MINUTE + 10 * SECOND, 'in 4 min 10 s'],
		[HOUR - 1, 'in 59 min 59 s'],
		[HOUR, 'in 1 h 0 min'],
		[2 * HOUR + 5 * MINUTE + 30 * SECOND, 'in 2 h 5 min'],
		[DAY - 1, 'in 23 h 59 min'],
		[DAY, 'in 1 day 0 h'],
		[DAY + 5 * HOUR, 'in 1 day 5 h'],
		[2 * DAY - 1, 'in 1 day 23 h'],
		[2 * DAY, 'in 2 days'],
		[3 * DAY + 23 * HOUR, 'in 3 days']
	])('%i ms left reads %j', (ms, text) => {
		expect(countdownText(ms)).toBe(text);
	});
});

describe('durationText', () => {
	it.each([
		[5, '5 min'],
		[45, '45 min'],
		[60, '1 h'],
		[90, '1 h 30 min'],
		[150, '2 h 30 min'],
		[1500, '25 h'],
		[24 * 60 + 30, '24 h 30 min'],
		[2 * 24 * 60, '2 days'],
		[14 * 24 * 60, '14 days']
	])('%i minutes reads %j', (minutes, text) => {
		expect(durationText(minutes)).toBe(text);
	});

	it('says "1 day" (singular) for exactly 24 hours', () => {
		expect(durationText(24 * 60)).toBe('1 day');
	});
});
