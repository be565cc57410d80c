/**
 * Dates and times as people read them, in a named IANA zone, with Intl only (no library in the
 * client bundle). Server and browser format with the same locale and zone, so a page renders
 * the same text on both sides and hydrates without flicker. The formatters take the viewer's
 * Intl locale (web/lib/i18n/time.ts passes the UI language's); English is en-GB.
 */
export const LOCALE = 'en-GB';

function parts(ms: number, timeZone: string): Record<string, string> {
	const out: Record<string, string> = {};
	const fmt = new Intl.DateTimeFormat('en-US', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit'
	});
	for (const p of fmt.formatToParts(new Date(ms))) out[p.type] = p.value;
	return out;
}

/** Offset of `timeZone` from UTC at instant `ms`, in milliseconds (positive east of Greenwich). */
export function zoneOffset(ms: number, timeZone: string): number {
	const p = parts(ms, timeZone);
	const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
	return asUtc - Math.floor(ms / 1000) * 1000;
}

/** "2026-06-22T16:00" as shown in a datetime-local input, for an instant in a zone. */
export function toLocalInput(iso: string, timeZone: string): string {
	const p = parts(Date.parse(iso), timeZone);
	return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/**
 * The instant at which the wall clock in `timeZone` shows `local` ("YYYY-MM-DDTHH:mm").
 * Returns undefined for text that is not such a time. A wall time skipped by a DST jump
 * resolves to the instant just after the jump.
 */
export function fromLocalInput(local: string, timeZone: string): string | undefined {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
	if (!m) return undefined;
	const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
	const wall = Date.UTC(y, mo - 1, d, h, mi);
	// Date.UTC rolls 30 February over into March; such text is not a time anyone meant.
	const check = new Date(wall);
	if (
		check.getUTCFullYear() !== y ||
		check.getUTCMonth() !== mo - 1 ||
		check.getUTCDate() !== d ||
		check.getUTCHours() !== h ||
		check.getUTCMinutes() !== mi
	) {
		return undefined;
	}
	// The zone's offsets a day either side of the wall time bracket any DST change near it.
	const before = zoneOffset(wall - 86_400_000, timeZone);
	const after = zoneOffset(wall + 86_400_000, timeZone);
	for (const offset of [before, after]) {
		const instant = wall - offset;
		if (zoneOffset(instant, timeZone) === offset) return new Date(instant).toISOString();
	}
	// A skipped wall time (spring forward): move it forward by the gap, as clocks do.
	return new Date(wall - before).toISOString();
}

export function formatDateTime(iso: string, timeZone: string, locale: string = LOCALE): string {
	return new Intl.DateTimeFormat(locale, {
		timeZone,
		weekday: 'short',
		day: 'numeric',
		month: 'short',
		year: 'numeric',
		hour: '2-digit',
		minute: '2-digit'
	}).format(new Date(iso));
}

export function formatDate(iso: string, timeZone: string, locale: string = LOCALE): string {
	return new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(
		new Date(iso)
	);
}

/** "Mon, 14 Dec": a day within a month heading. */
export function formatDayShort(iso: string, timeZone: string, locale: string = LOCALE): string {
	return new Intl.DateTimeFormat(locale, { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(iso));
}

export function formatTime(iso: string, timeZone: string, locale: string = LOCALE): string {
	return new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** "June 2026", the heading a calendar groups by, in the viewer's zone. */
export function monthLabel(iso: string, timeZone: string, locale: string = LOCALE): string {
	return new Intl.DateTimeFormat(locale, { timeZone, month: 'long', year: 'numeric' }).format(new Date(iso));
}

/** "Asia/Singapore (GMT+8)": the zone named, with its offset at that time. */
export function zoneLabel(timeZone: string, iso: string): string {
	const offset = zoneOffset(Date.parse(iso), timeZone) / 60_000;
	const sign = offset < 0 ? '-' : '+';
	const h = Math.floor(Math.abs(offset) / 60);
	const m = Math.abs(offset) % 60;
	const gmt = offset === 0 ? 'GMT' : `GMT${sign}${h}${m ? ':' + String(m).padStart(2, '0') : ''}`;
	return `${timeZone.replaceAll('_', ' ')} (${gmt})`;
}

/** "in 3 days", "in 2 h 5 min", "in 4 min 10 s", "now": a calm countdown text. */
export function countdownText(msLeft: number): string {
	if (msLeft <= 0) return 'now';
	const s = Math.floor(msLeft / 1000);
	const d = Math.floor(s / 86_400);
	const h = Math.floor((s % 86_400) / 3600);
	const m = Math.floor((s % 3600) / 60);
	if (d >= 2) return `in ${d} days`;
	if (d === 1) return `in 1 day ${h} h`;
	if (h > 0) return `in ${h} h ${m} min`;
	if (m > 0) return `in ${m} min ${s % 60} s`;
	return `in ${s % 60} s`;
}

export function durationText(minutes: number): string {
	if (minutes % (24 * 60) === 0 && minutes >= 24 * 60) {
		const days = minutes / (24 * 60);
		return days === 1 ? '1 day' : `${days} days`;
	}
	const h = Math.floor(minutes / 60);
	const m = minutes % 60;
	return h ? (m ? `${h} h ${m} min` : `${h} h`) : `${m} min`;
}

/** Every IANA zone the runtime knows, for pickers (falls back to a short list on old runtimes). */
export function allTimeZones(): string[] {
	const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
	const zones = intl.supportedValuesOf?.('timeZone') ?? ['UTC', 'Europe/London', 'America/New_York', 'Asia/Singapore'];
	return zones.includes('UTC') ? zones : ['UTC', ...zones];
}
