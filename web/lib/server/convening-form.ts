import { fromLocalInput } from '$shared/time.ts';
import { isTimeZone } from '$shared/schemas.ts';

/**
 * Reads the convening form: the start is a wall-clock time in the zone the form was shown in,
 * converted here to an instant; agenda rows come as parallel `agendaTitle`/`agendaMinutes` fields.
 */
export function readConveningForm(data: FormData) {
	const text = (k: string) => {
		const v = data.get(k);
		return typeof v === 'string' ? v : '';
	};
	const zone = isTimeZone(text('zone')) ? text('zone') : 'UTC';
	const titles = data.getAll('agendaTitle').map(String);
	const minutes = data.getAll('agendaMinutes').map(String);
	const agenda = titles
		.map((title, i) => ({ title, durationMinutes: minutes[i] ?? '' }))
		// A fully blank row is the empty row at the end of the editor, not an item.
		.filter((a) => a.title.trim() !== '' || a.durationMinutes.trim() !== '');
	const input = {
		title: text('title'),
		description: text('description'),
		kind: text('kind') || 'convening',
		startsAt: fromLocalInput(text('startsLocal'), zone) ?? '',
		durationMinutes: text('durationMinutes'),
		agenda
	};
	const values = {
		title: input.title,
		description: input.description,
		kind: input.kind,
		startsLocal: text('startsLocal'),
		durationMinutes: input.durationMinutes,
		agenda: agenda.map((a) => ({ title: a.title, durationMinutes: a.durationMinutes }))
	};
	return { input, values };
}
