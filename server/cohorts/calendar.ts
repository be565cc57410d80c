/**
 * The cohort's calendar as iCalendar (RFC 5545), made with ical-generator. Times are written in
 * UTC (`...Z`): every calendar app shows them in its own zone, and no VTIMEZONE can be wrong.
 */
import ical, { ICalEventStatus } from 'ical-generator';
import type { Cohort } from './cohorts.store.ts';
import type { Convening } from './convenings.store.ts';

export function cohortIcs(cohort: Cohort, convenings: Convening[], origin: string | undefined): string {
	const cal = ical({
		name: cohort.name,
		description: cohort.description || undefined,
		prodId: { company: 'Hearth', product: 'Hearth', language: 'EN' },
		ttl: 60 * 60
	});
	for (const c of convenings) {
		const start = new Date(c.startsAt);
		const agenda = c.agenda.map((a) => `• ${a.title} (${a.durationMinutes} min)`).join('\n');
		cal.createEvent({
			id: `${c.id}@hearth`,
			start,
			end: new Date(start.getTime() + c.durationMinutes * 60_000),
			summary: c.title,
			description: [c.description, agenda].filter(Boolean).join('\n\n') || undefined,
			status: c.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
			url: origin ? `${origin}/cohorts/${cohort.id}/convenings/${c.id}` : undefined,
			stamp: new Date(c.updatedAt),
			lastModified: new Date(c.updatedAt)
		});
	}
	return cal.toString();
}
