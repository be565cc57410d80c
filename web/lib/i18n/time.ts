/**
 * shared/time.ts in the viewer's language: the same formats and time zones, with the Intl locale
 * of the current UI language and the words (durations, countdowns) from the message catalogue.
 * English output is exactly what shared/time.ts gives.
 */
import * as time from '../../../shared/time.ts';
import { getLocale, INTL_LOCALES, m } from './index.ts';

export { zoneLabel, toLocalInput, allTimeZones } from '../../../shared/time.ts';

/** The Intl locale for the current UI language ("en-GB", "es-ES"). */
export const intlLocale = (): string => INTL_LOCALES[getLocale()];

export const formatDateTime = (iso: string, timeZone: string) => time.formatDateTime(iso, timeZone, intlLocale());
export const formatDate = (iso: string, timeZone: string) => time.formatDate(iso, timeZone, intlLocale());
export const formatDayShort = (iso: string, timeZone: string) => time.formatDayShort(iso, timeZone, intlLocale());
export const formatTime = (iso: string, timeZone: string) => time.formatTime(iso, timeZone, intlLocale());
export const monthLabel = (iso: string, timeZone: string) => time.monthLabel(iso, timeZone, intlLocale());

/** A number in the viewer's locale ("1,234" / "1234"). */
export const formatNumber = (n: number) => new Intl.NumberFormat(intlLocale()).format(n);

/** "2 h 5 min", "1 day", "3 days": as shared/time.ts durationText, in the viewer's language. */
export function durationText(minutes: number): string {
	if (minutes % (24 * 60) === 0 && minutes >= 24 * 60) {
		const days = minutes / (24 * 60);
		return days === 1 ? m.time_one_day() : m.time_days({ days });
	}
	const h = Math.floor(minutes / 60);
	const min = minutes % 60;
	return h ? (min ? m.time_h_min({ h, min }) : m.time_h({ h })) : m.time_min({ min });
}

/** "in 3 days", "in 2 h 5 min", "now": as shared/time.ts countdownText, in the viewer's language. */
export function countdownText(msLeft: number): string {
	if (msLeft <= 0) return m.time_now();
	const s = Math.floor(msLeft / 1000);
	const d = Math.floor(s / 86_400);
	const h = Math.floor((s % 86_400) / 3600);
	const min = Math.floor((s % 3600) / 60);
	if (d >= 2) return m.time_in_days({ days: d });
	if (d === 1) return m.time_in_one_day_h({ h });
	if (h > 0) return m.time_in_h_min({ h, min });
	if (min > 0) return m.time_in_min_s({ min, s: s % 60 });
	return m.time_in_s({ s: s % 60 });
}
