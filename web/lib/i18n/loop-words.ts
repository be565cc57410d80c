/** Loop readings (shared/loops.ts readLoop) in the viewer's language. */
import type { LoopWords } from '$shared/loops.ts';
import { m } from '$lib/i18n';

export function loopWords(): LoopWords {
	return {
		type: { R: m.map_loop_reinforcing(), B: m.map_loop_balancing(), U: m.map_loop_unknown() },
		start: (from, to, polarity) =>
			polarity === '+'
				? m.loop_start_up({ from, to })
				: polarity === '-'
					? m.loop_start_down({ from, to })
					: m.loop_start_unsure({ from, to }),
		then: (to, polarity) =>
			polarity === '+' ? m.loop_then_up({ to }) : polarity === '-' ? m.loop_then_down({ to }) : m.loop_then_unsure({ to }),
		end: (type, delayed) => (delayed ? m.loop_delayed({ type }) : type)
	};
}
