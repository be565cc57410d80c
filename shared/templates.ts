/**
 * Board templates: the thinking tools (iceberg, ladder of inference), the basic reinforcing and balancing loops, and the
 * system archetypes of shared/fixtures/cld, each a BoardTemplate for `applyTemplate`. Pure data and geometry: no DOM, no Node.
 *
 * Invariants:
 * - Ids are stable: boards and the picker refer to them. A template may be renamed or redrawn, its id never changes.
 * - Every template passes boardTemplateSchema and fits in about 1600 x 1000 board units from (0, 0); where it lands on a
 *   board is applyTemplate's offset.
 * - An archetype template is its fixture's graph: the fixture's node ids are the variable keys, its labels the variable
 *   labels (the standard names) and its edges the links, with polarity and delay, so applying it yields exactly the
 *   fixture's expected_loops. The data is copied here because shared/ reads no files; the tests compare it with the files.
 * - Templates hold no loops and no loop labels: loops are computed live from the links and labelled by the editor.
 *
 * Geometry: a variable's x/y is its centre (drawn about 160 x 56); frames, notes and texts are placed by their top-left
 * corner. A loop is drawn as a ring: its variables evenly spaced around an ellipse in link order, clockwise on screen
 * unless the ring says otherwise. Rings that share a variable meet at it, which puts shared variables between the loops'
 * centres. Variables on no ring (a goal, a constraint: inputs to a loop) go beside the variable they link to, on the side
 * away from the rest of the map. Assumed curvature convention: positive bends a link to the left of its direction as seen
 * on screen (y down), so positive bulges a clockwise ring outward; the two links of a pair (a -> b and b -> a) get the same
 * curvature, which bends them apart into a lens.
 */
import type { BoardColorToken, BoardTemplate } from './board-doc.ts';

export type TemplateCategory = 'thinking-tool' | 'loop' | 'archetype';

export interface TemplateInfo {
	/** Stable: never renamed once released. */
	id: string;
	name: string;
	category: TemplateCategory;
	/** One or two plain sentences for the picker. */
	description: string;
	template: BoardTemplate;
}

export const TEMPLATE_CATEGORY_LABELS: Readonly<Record<TemplateCategory, string>> = {
	'thinking-tool': 'Thinking tools',
	loop: 'Feedback loops',
	archetype: 'System archetypes'
};

/** The size the layout assumes for a variable; its x/y is the centre. */
export const TEMPLATE_VARIABLE_SIZE = { w: 160, h: 56 } as const;

/** Every template's elements lie within this box from (0, 0). */
export const TEMPLATE_BOUNDS = { w: 1600, h: 1000 } as const;

const TITLE_SIZE = 32;
const DESCRIPTION_SIZE = 16;
const DESCRIPTION_Y = 48;
/** Where the content starts below the title and the description. */
const CONTENT_TOP = 110;

/** Bulge of a ring's links: gentle, enough to read the loop as a circle. */
const RING_CURVATURE = 0.2;
/** Bend of the two links between the same two variables: enough to keep them, and their polarity marks, apart. */
const PAIR_CURVATURE = 0.35;
/** An input variable sits this far from the variable it links to... */
const INPUT_DISTANCE = 240;
/** ...and at least this far from every other variable, its link this far from every other variable's centre. */
const INPUT_CLEARANCE = 220;
const INPUT_LINK_CLEARANCE = 80;

// ---------------------------------------------------------------------------------------------------------------------
// Causal loop diagrams

interface CldNode {
	id: string;
	label: string;
}

interface CldEdge {
	from: string;
	to: string;
	polarity: '+' | '-';
	delay: boolean;
}

/** One loop drawn as a ring: `loop` in link order, placed from `start` degrees (0 = right, 90 = down) around the ellipse. */
interface Ring {
	loop: readonly string[];
	cx: number;
	cy: number;
	rx: number;
	/** Defaults to rx: a circle. */
	ry?: number;
	start: number;
	/** Counterclockwise on screen, to mirror a neighbouring ring. */
	ccw?: true;
}

interface CldSpec {
	nodes: readonly CldNode[];
	edges: readonly CldEdge[];
	/** The loops to draw as rings; together they place every variable of a loop, the rest are inputs placed beside them. */
	rings: readonly Ring[];
}

interface Point {
	x: number;
	y: number;
}

const distance = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);

function distanceToSegment(p: Point, a: Point, b: Point): number {
	const dx = b.x - a.x;
	const dy = b.y - a.y;
	const length2 = dx * dx + dy * dy;
	const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
	return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

function ringPoints(ring: Ring): Point[] {
	const n = ring.loop.length;
	return ring.loop.map((_, i) => {
		const angle = ((ring.start + ((ring.ccw ? -360 : 360) * i) / n) * Math.PI) / 180;
		return { x: Math.round(ring.cx + ring.rx * Math.cos(angle)), y: Math.round(ring.cy + (ring.ry ?? ring.rx) * Math.sin(angle)) };
	});
}

/**
 * Positions of the variables, in the spec's own coordinates. Throws on a spec that cannot be drawn as promised (a ring
 * that is not a loop, a variable two rings put in different places, an input with no room): the specs are constants,
 * so this fails when the module loads, in the tests, never on a user's board.
 */
function placeVariables(spec: CldSpec): Map<string, Point> {
	const at = new Map<string, Point>();
	const linked = (from: string, to: string) => spec.edges.some((e) => e.from === from && e.to === to);
	for (const ring of spec.rings) {
		const points = ringPoints(ring);
		ring.loop.forEach((id, i) => {
			const next = ring.loop[(i + 1) % ring.loop.length]!;
			if (!linked(id, next)) throw new Error(`Ring ${ring.loop.join(' -> ')} is not a loop: no link ${id} -> ${next}.`);
			const point = points[i]!;
			const before = at.get(id);
			if (before === undefined) at.set(id, point);
			else if (distance(before, point) > 2) throw new Error(`Rings put ${id} in two places.`);
		});
	}
	for (;;) {
		const neighbourOf = (id: string) =>
			spec.edges.flatMap((e) => (e.from === id ? [e.to] : e.to === id ? [e.from] : [])).find((other) => at.has(other));
		const input = spec.nodes.find((node) => !at.has(node.id) && neighbourOf(node.id) !== undefined);
		if (input === undefined) break;
		at.set(input.id, besideAnchor(at, at.get(neighbourOf(input.id)!)!));
	}
	const lost = spec.nodes.find((node) => !at.has(node.id));
	if (lost) throw new Error(`${lost.id} is on no ring and linked to nothing placed.`);
	return at;
}

/** A spot beside `anchor`, pointing away from the centroid of the others, turned step by step until it is clear. */
function besideAnchor(at: ReadonlyMap<string, Point>, anchor: Point): Point {
	const placed = [...at.values()];
	const cx = placed.reduce((sum, p) => sum + p.x, 0) / placed.length;
	const cy = placed.reduce((sum, p) => sum + p.y, 0) / placed.length;
	const away = anchor.x === cx && anchor.y === cy ? -Math.PI / 2 : Math.atan2(anchor.y - cy, anchor.x - cx);
	for (let step = 0; step <= 12; step++) {
		for (const turn of step === 0 ? [0] : [step, -step]) {
			const angle = away + (turn * Math.PI) / 12;
			const p = { x: Math.round(anchor.x + INPUT_DISTANCE * Math.cos(angle)), y: Math.round(anchor.y + INPUT_DISTANCE * Math.sin(angle)) };
			const clear = placed.every(
				(q) => q === anchor || (distance(p, q) >= INPUT_CLEARANCE && distanceToSegment(q, p, anchor) >= INPUT_LINK_CLEARANCE)
			);
			if (clear) return p;
		}
	}
	throw new Error('No room for an input variable.');
}

/** +1 when bending left (positive curvature) takes the link a -> b away from `centre`, -1 towards it, 0 when neither. */
function outwardSign(a: Point, b: Point, centre: Point): number {
	const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
	// Left of the direction of travel on screen, y pointing down.
	const side = (b.y - a.y) * (mid.x - centre.x) - (b.x - a.x) * (mid.y - centre.y);
	return Math.abs(side) < 1e-6 ? 0 : Math.sign(side);
}

function curvatures(spec: CldSpec, at: ReadonlyMap<string, Point>): number[] {
	/** The side every ring through the link agrees is outward; 0 on no ring or when rings disagree (a shared link). */
	const outward = (edge: CldEdge): number => {
		const signs = spec.rings.flatMap((ring) =>
			ring.loop.some((id, i) => id === edge.from && ring.loop[(i + 1) % ring.loop.length] === edge.to)
				? [outwardSign(at.get(edge.from)!, at.get(edge.to)!, { x: ring.cx, y: ring.cy })]
				: []
		);
		return signs.length > 0 && signs.every((s) => s === signs[0]) ? signs[0]! : 0;
	};
	return spec.edges.map((edge, i) => {
		if (edge.from === edge.to) return 0;
		const j = spec.edges.findIndex((other) => other.from === edge.to && other.to === edge.from);
		if (j === -1) return RING_CURVATURE * outward(edge);
		// One sign for both links of the pair, taken from whichever lies on a ring (the earlier one first), so they bend apart.
		const [first, second] = i < j ? [edge, spec.edges[j]!] : [spec.edges[j]!, edge];
		return PAIR_CURVATURE * (outward(first) || outward(second) || 1);
	});
}

function header(name: string, description: string): NonNullable<BoardTemplate['texts']> {
	return [
		{ key: 'title', text: name, x: 0, y: 0, size: TITLE_SIZE },
		{ key: 'description', text: description, x: 0, y: DESCRIPTION_Y, size: DESCRIPTION_SIZE }
	];
}

/** The spec as a template: variables keyed by node id, moved so the map starts at the left edge below the header. */
function cldTemplate(name: string, description: string, spec: CldSpec): BoardTemplate {
	const at = placeVariables(spec);
	const bends = curvatures(spec, at);
	const points = [...at.values()];
	const dx = TEMPLATE_VARIABLE_SIZE.w / 2 - Math.min(...points.map((p) => p.x));
	const dy = CONTENT_TOP + TEMPLATE_VARIABLE_SIZE.h / 2 - Math.min(...points.map((p) => p.y));
	return {
		texts: header(name, description),
		variables: spec.nodes.map((node) => {
			const p = at.get(node.id)!;
			return { key: node.id, label: node.label, x: p.x + dx, y: p.y + dy };
		}),
		links: spec.edges.map((edge, i) => ({ ...edge, curvature: bends[i]! }))
	};
}

// ---------------------------------------------------------------------------------------------------------------------
// Thinking tools

const ICEBERG_LEVELS = [
	{ key: 'events', name: 'Events', prompt: 'What happened? What did we see, hear and feel?', color: 'sky' },
	{ key: 'patterns', name: 'Patterns', prompt: 'What trends recur over time? Has this happened before?', color: 'teal' },
	{
		key: 'structures',
		name: 'Structures',
		prompt: 'What structures influence the patterns? Think of rules, resources, relationships and flows.',
		color: 'blue'
	},
	{
		key: 'mental-models',
		name: 'Mental models',
		prompt: 'What assumptions, beliefs and values hold the system in place?',
		color: 'violet'
	}
] as const satisfies readonly { key: string; name: string; prompt: string; color: BoardColorToken }[];

function icebergTemplate(name: string, description: string): BoardTemplate {
	const height = 190;
	const gap = 16;
	const widest = 1440;
	const frames = ICEBERG_LEVELS.map((level, i) => {
		// Each level wider than the one above, centred: the tip, then more and more below the waterline.
		const w = 480 + ((widest - 480) * i) / (ICEBERG_LEVELS.length - 1);
		return { key: level.key, name: level.name, x: (widest - w) / 2, y: CONTENT_TOP + i * (height + gap), w, h: height, color: level.color };
	});
	const events = frames[0]!;
	return {
		variables: [],
		frames,
		notes: ICEBERG_LEVELS.map((level, i) => {
			const frame = frames[i]!;
			return { key: `${level.key}-prompt`, text: level.prompt, x: frame.x + 24, y: frame.y + 48, w: 260, h: 120, color: 'yellow' as const };
		}),
		texts: [
			...header(name, description),
			{
				key: 'waterline',
				text: 'Waterline: what lies below is harder to see, and changing it does more.',
				x: events.x + events.w + 24,
				y: events.y + events.h - 20,
				size: 14
			}
		]
	};
}

const LADDER_RUNGS = [
	{ key: 'observable-data', name: 'Observable data and experiences', prompt: 'What would a video recording show?' },
	{ key: 'selected-data', name: 'Selected data', prompt: 'What did I notice, and what did I leave out?' },
	{ key: 'added-meanings', name: 'Added meanings', prompt: 'What does it mean to me, given my culture and history?' },
	{ key: 'assumptions', name: 'Assumptions', prompt: 'What am I taking for granted, based on the meanings I added?' },
	{ key: 'conclusions', name: 'Conclusions', prompt: 'What did I conclude?' },
	{ key: 'beliefs', name: 'Beliefs', prompt: 'What do I now believe about the world, or about these people?' },
	{ key: 'actions', name: 'Actions', prompt: 'What do I do because of these beliefs?' }
] as const;

/** The ladder's rung names, bottom (what anyone could observe) to top (what we do). */
export const LADDER_OF_INFERENCE_RUNGS: readonly string[] = LADDER_RUNGS.map((rung) => rung.name);

/** The iceberg's levels, top (the visible tip) to bottom. */
export const ICEBERG_LEVEL_NAMES: readonly string[] = ICEBERG_LEVELS.map((level) => level.name);

function ladderTemplate(name: string, description: string): BoardTemplate {
	const height = 96;
	const gap = 16;
	const width = 900;
	const top = (i: number) => CONTENT_TOP + (LADDER_RUNGS.length - 1 - i) * (height + gap);
	const beliefs = LADDER_RUNGS.findIndex((rung) => rung.key === 'beliefs');
	const selected = LADDER_RUNGS.findIndex((rung) => rung.key === 'selected-data');
	return {
		variables: [],
		// Climbed bottom to top: the first rung is the lowest.
		frames: LADDER_RUNGS.map((rung, i) => ({
			key: rung.key,
			name: rung.name,
			x: 0,
			y: top(i),
			w: width,
			h: height,
			color: 'stone' as const
		})),
		notes: [
			...LADDER_RUNGS.map((rung, i) => ({
				key: `${rung.key}-prompt`,
				text: rung.prompt,
				x: 340,
				y: top(i) + 16,
				w: 536,
				h: 64,
				color: 'yellow' as const
			})),
			{
				key: 'reflexive-loop',
				text: 'The reflexive loop: our beliefs affect what data we select next time. What might I be overlooking?',
				// Beside the ladder, halfway between the beliefs rung and the selected data rung it leads back to.
				x: width + 40,
				y: (top(beliefs) + top(selected) + height) / 2 - 80,
				w: 300,
				h: 160,
				color: 'pink'
			}
		],
		texts: header(name, description)
	};
}

// ---------------------------------------------------------------------------------------------------------------------
// The basic loops, with everyday names

const REINFORCING_LOOP: CldSpec = {
	nodes: [
		{ id: 'trust', label: 'Trust' },
		{ id: 'collaboration', label: 'Collaboration' },
		{ id: 'shared_success', label: 'Shared success' }
	],
	edges: [
		{ from: 'trust', to: 'collaboration', polarity: '+', delay: false },
		{ from: 'collaboration', to: 'shared_success', polarity: '+', delay: false },
		{ from: 'shared_success', to: 'trust', polarity: '+', delay: false }
	],
	rings: [{ loop: ['trust', 'collaboration', 'shared_success'], cx: 0, cy: 0, rx: 210, start: 270 }]
};

// Not Workload -> Stress -> Productivity: lower productivity raises the workload, a vicious circle, which is reinforcing.
const BALANCING_LOOP: CldSpec = {
	nodes: [
		{ id: 'workload', label: 'Workload' },
		{ id: 'stress', label: 'Stress' },
		{ id: 'support', label: 'Support from colleagues' }
	],
	edges: [
		{ from: 'workload', to: 'stress', polarity: '+', delay: false },
		{ from: 'stress', to: 'support', polarity: '+', delay: false },
		{ from: 'support', to: 'workload', polarity: '-', delay: false }
	],
	rings: [{ loop: ['workload', 'stress', 'support'], cx: 0, cy: 0, rx: 210, start: 270 }]
};

// ---------------------------------------------------------------------------------------------------------------------
// The archetypes: nodes and edges copied from shared/fixtures/cld/<fixture>.json, in the files' order

interface Archetype extends CldSpec {
	id: string;
	name: string;
	description: string;
}

const ARCHETYPES: readonly Archetype[] = [
	{
		// archetype_01_reinforcing_loop
		id: 'archetype-reinforcing-loop',
		name: 'Reinforcing Loop',
		description: 'The building block of growth and decline: each variable moves the next in the same direction, so change compounds.',
		nodes: [
			{ id: 'state_1', label: 'State 1' },
			{ id: 'state_2', label: 'State 2' }
		],
		edges: [
			{ from: 'state_1', to: 'state_2', polarity: '+', delay: false },
			{ from: 'state_2', to: 'state_1', polarity: '+', delay: false }
		],
		rings: [{ loop: ['state_1', 'state_2'], cx: 0, cy: 0, rx: 170, start: 180 }]
	},
	{
		// archetype_02_balancing_loop
		id: 'archetype-balancing-loop',
		name: 'Balancing Loop',
		description: 'The building block of goal seeking: the gap between the desired and the current state drives action that closes it.',
		nodes: [
			{ id: 'desired_state', label: 'Desired State' },
			{ id: 'current_state', label: 'Current State' },
			{ id: 'gap', label: 'Gap' },
			{ id: 'action', label: 'Action' }
		],
		edges: [
			{ from: 'desired_state', to: 'gap', polarity: '+', delay: false },
			{ from: 'current_state', to: 'gap', polarity: '-', delay: false },
			{ from: 'gap', to: 'action', polarity: '+', delay: false },
			{ from: 'action', to: 'current_state', polarity: '+', delay: false }
		],
		rings: [{ loop: ['gap', 'action', 'current_state'], cx: 0, cy: 0, rx: 210, start: 270 }]
	},
	{
		// archetype_03_balancing_process_with_delay
		id: 'archetype-balancing-process-with-delay',
		name: 'Balancing Process with Delay',
		description:
			'Corrective action toward a goal takes effect only after a delay, so people overcorrect and the results swing back and forth.',
		nodes: [
			{ id: 'goal', label: 'Goal (Desired State)' },
			{ id: 'gap', label: 'Gap' },
			{ id: 'corrective_action', label: 'Corrective Action' },
			{ id: 'actual_conditions', label: 'Actual Conditions' }
		],
		edges: [
			{ from: 'goal', to: 'gap', polarity: '+', delay: false },
			{ from: 'actual_conditions', to: 'gap', polarity: '-', delay: false },
			{ from: 'gap', to: 'corrective_action', polarity: '+', delay: false },
			{ from: 'corrective_action', to: 'actual_conditions', polarity: '+', delay: true }
		],
		rings: [{ loop: ['gap', 'corrective_action', 'actual_conditions'], cx: 0, cy: 0, rx: 210, start: 270 }]
	},
	{
		// archetype_04_limits_to_growth
		id: 'archetype-limits-to-growth',
		name: 'Limits to Growth',
		description: 'A reinforcing process of growth runs into a balancing process as it meets a constraint, and growth slows or stops.',
		nodes: [
			{ id: 'efforts', label: 'Efforts' },
			{ id: 'performance', label: 'Performance' },
			{ id: 'limiting_action', label: 'Limiting Action' },
			{ id: 'constraint', label: 'Constraint' }
		],
		edges: [
			{ from: 'efforts', to: 'performance', polarity: '+', delay: false },
			{ from: 'performance', to: 'efforts', polarity: '+', delay: false },
			{ from: 'performance', to: 'limiting_action', polarity: '+', delay: false },
			{ from: 'limiting_action', to: 'performance', polarity: '-', delay: false },
			{ from: 'constraint', to: 'limiting_action', polarity: '+', delay: false }
		],
		rings: [
			{ loop: ['efforts', 'performance'], cx: -210, cy: 0, rx: 210, start: 180 },
			{ loop: ['performance', 'limiting_action'], cx: 210, cy: 0, rx: 210, start: 180 }
		]
	},
	{
		// archetype_05_shifting_the_burden
		id: 'archetype-shifting-the-burden',
		name: 'Shifting the Burden',
		description:
			'A quick symptomatic solution relieves the problem, but its side effects weaken the fundamental solution, so reliance on the quick fix grows.',
		nodes: [
			{ id: 'problem_symptom', label: 'Problem Symptom' },
			{ id: 'symptomatic_solution', label: 'Symptomatic Solution' },
			{ id: 'fundamental_solution', label: 'Fundamental Solution' },
			{ id: 'side_effect', label: 'Side Effect' }
		],
		edges: [
			{ from: 'problem_symptom', to: 'symptomatic_solution', polarity: '+', delay: false },
			{ from: 'symptomatic_solution', to: 'problem_symptom', polarity: '-', delay: false },
			{ from: 'problem_symptom', to: 'fundamental_solution', polarity: '+', delay: false },
			{ from: 'fundamental_solution', to: 'problem_symptom', polarity: '-', delay: true },
			{ from: 'symptomatic_solution', to: 'side_effect', polarity: '+', delay: false },
			{ from: 'side_effect', to: 'fundamental_solution', polarity: '-', delay: false }
		],
		// The outer reinforcing loop as a diamond; the two balancing loops are the lenses on its left edges.
		rings: [
			{
				loop: ['fundamental_solution', 'problem_symptom', 'symptomatic_solution', 'side_effect'],
				cx: 0,
				cy: 0,
				rx: 330,
				ry: 230,
				start: 90
			}
		]
	},
	{
		// archetype_06_shifting_the_burden_to_the_intervener
		id: 'archetype-shifting-the-burden-to-the-intervener',
		name: 'Shifting the Burden to the Intervener',
		description:
			'Help from outside relieves the symptom but erodes the capability of the people inside the system to solve the problem themselves.',
		nodes: [
			{ id: 'problem_symptom', label: 'Problem Symptom' },
			{ id: 'intervention', label: 'Intervention by Outside Intervener' },
			{ id: 'internal_solution', label: "Internal Actors' Own Solution" },
			{ id: 'internal_capability', label: 'Capabilities of Internal Actors' }
		],
		edges: [
			{ from: 'problem_symptom', to: 'intervention', polarity: '+', delay: false },
			{ from: 'intervention', to: 'problem_symptom', polarity: '-', delay: false },
			{ from: 'problem_symptom', to: 'internal_solution', polarity: '+', delay: false },
			{ from: 'internal_solution', to: 'problem_symptom', polarity: '-', delay: true },
			{ from: 'intervention', to: 'internal_capability', polarity: '-', delay: true },
			{ from: 'internal_capability', to: 'internal_solution', polarity: '+', delay: false }
		],
		rings: [
			{ loop: ['internal_capability', 'internal_solution', 'problem_symptom', 'intervention'], cx: 0, cy: 0, rx: 350, ry: 230, start: 0 }
		]
	},
	{
		// archetype_07_eroding_goals
		id: 'archetype-eroding-goals',
		name: 'Eroding Goals',
		description: 'When a gap between the goal and reality persists, pressure to lower the goal closes it in place of corrective action.',
		nodes: [
			{ id: 'goal', label: 'Goal' },
			{ id: 'gap', label: 'Gap' },
			{ id: 'actual', label: 'Actual Condition' },
			{ id: 'corrective_action', label: 'Corrective Action' },
			{ id: 'pressure_to_lower_goal', label: 'Pressure to Lower Goal' }
		],
		edges: [
			{ from: 'goal', to: 'gap', polarity: '+', delay: false },
			{ from: 'actual', to: 'gap', polarity: '-', delay: false },
			{ from: 'gap', to: 'corrective_action', polarity: '+', delay: false },
			{ from: 'corrective_action', to: 'actual', polarity: '+', delay: true },
			{ from: 'gap', to: 'pressure_to_lower_goal', polarity: '+', delay: false },
			{ from: 'pressure_to_lower_goal', to: 'goal', polarity: '-', delay: false }
		],
		rings: [
			{ loop: ['gap', 'pressure_to_lower_goal', 'goal'], cx: -230, cy: 0, rx: 230, start: 0 },
			{ loop: ['gap', 'corrective_action', 'actual'], cx: 230, cy: 0, rx: 230, start: 180 }
		]
	},
	{
		// archetype_08_escalation
		id: 'archetype-escalation',
		name: 'Escalation',
		description: "Each party sees the other's results as a threat and responds in kind, so both keep raising the stakes.",
		nodes: [
			{ id: 'activity_by_a', label: 'Activity by A' },
			{ id: 'results_of_a', label: "A's Result" },
			{ id: 'a_relative_to_b', label: 'Results of A Relative to B' },
			{ id: 'threat_to_b', label: 'Threat to B' },
			{ id: 'activity_by_b', label: 'Activity by B' },
			{ id: 'results_of_b', label: "B's Result" },
			{ id: 'threat_to_a', label: 'Threat to A' }
		],
		edges: [
			{ from: 'activity_by_a', to: 'results_of_a', polarity: '+', delay: false },
			{ from: 'results_of_a', to: 'a_relative_to_b', polarity: '+', delay: false },
			{ from: 'a_relative_to_b', to: 'threat_to_b', polarity: '+', delay: false },
			{ from: 'threat_to_b', to: 'activity_by_b', polarity: '+', delay: false },
			{ from: 'activity_by_b', to: 'results_of_b', polarity: '+', delay: false },
			{ from: 'results_of_b', to: 'a_relative_to_b', polarity: '-', delay: false },
			{ from: 'a_relative_to_b', to: 'threat_to_a', polarity: '-', delay: false },
			{ from: 'threat_to_a', to: 'activity_by_a', polarity: '+', delay: false }
		],
		// The figure-8: two balancing loops meeting at the shared relative-results variable.
		rings: [
			{ loop: ['a_relative_to_b', 'threat_to_a', 'activity_by_a', 'results_of_a'], cx: -260, cy: 0, rx: 260, start: 0 },
			{ loop: ['a_relative_to_b', 'threat_to_b', 'activity_by_b', 'results_of_b'], cx: 260, cy: 0, rx: 260, start: 180 }
		]
	},
	{
		// archetype_09_escalation_separate_threats
		id: 'archetype-escalation-separate-threats',
		name: 'Escalation (a threat for each party)',
		description: 'Escalation drawn with a threat variable for each party, which shows the reinforcing loop that runs through both of them.',
		nodes: [
			{ id: 'activity_by_a', label: 'Activity by A' },
			{ id: 'results_of_a', label: "A's Result" },
			{ id: 'threat_to_a', label: 'Threat to A' },
			{ id: 'activity_by_b', label: 'Activity by B' },
			{ id: 'results_of_b', label: "B's Result" },
			{ id: 'threat_to_b', label: 'Threat to B' }
		],
		edges: [
			{ from: 'activity_by_a', to: 'results_of_a', polarity: '+', delay: false },
			{ from: 'results_of_a', to: 'threat_to_a', polarity: '-', delay: false },
			{ from: 'results_of_a', to: 'threat_to_b', polarity: '+', delay: false },
			{ from: 'results_of_b', to: 'threat_to_b', polarity: '-', delay: false },
			{ from: 'results_of_b', to: 'threat_to_a', polarity: '+', delay: false },
			{ from: 'threat_to_a', to: 'activity_by_a', polarity: '+', delay: false },
			{ from: 'threat_to_b', to: 'activity_by_b', polarity: '+', delay: false },
			{ from: 'activity_by_b', to: 'results_of_b', polarity: '+', delay: false }
		],
		// Each party's balancing loop, the variables that cross over facing each other.
		rings: [
			{ loop: ['activity_by_a', 'results_of_a', 'threat_to_a'], cx: -300, cy: 0, rx: 210, start: 180 },
			{ loop: ['activity_by_b', 'results_of_b', 'threat_to_b'], cx: 300, cy: 0, rx: 210, start: 0 }
		]
	},
	{
		// archetype_10_success_to_the_successful
		id: 'archetype-success-to-the-successful',
		name: 'Success to the Successful',
		description: 'Two activities compete for limited resources; the more successful one gets more of them, so its lead keeps growing.',
		nodes: [
			{ id: 'success_of_a', label: 'Success of A' },
			{ id: 'allocation_to_a_instead_of_b', label: 'Allocation to A Instead of B' },
			{ id: 'resources_to_a', label: 'Resources to A' },
			{ id: 'resources_to_b', label: 'Resources to B' },
			{ id: 'success_of_b', label: 'Success of B' }
		],
		edges: [
			{ from: 'success_of_a', to: 'allocation_to_a_instead_of_b', polarity: '+', delay: false },
			{ from: 'allocation_to_a_instead_of_b', to: 'resources_to_a', polarity: '+', delay: false },
			{ from: 'resources_to_a', to: 'success_of_a', polarity: '+', delay: false },
			{ from: 'allocation_to_a_instead_of_b', to: 'resources_to_b', polarity: '-', delay: false },
			{ from: 'resources_to_b', to: 'success_of_b', polarity: '+', delay: false },
			{ from: 'success_of_b', to: 'allocation_to_a_instead_of_b', polarity: '-', delay: false }
		],
		rings: [
			{ loop: ['allocation_to_a_instead_of_b', 'resources_to_a', 'success_of_a'], cx: -240, cy: 0, rx: 240, start: 0 },
			{ loop: ['allocation_to_a_instead_of_b', 'resources_to_b', 'success_of_b'], cx: 240, cy: 0, rx: 240, start: 180, ccw: true }
		]
	},
	{
		// archetype_11_tragedy_of_the_commons
		id: 'archetype-tragedy-of-the-commons',
		name: 'Tragedy of the Commons',
		description:
			"Each party's activity pays off for them, but together their activity wears down a shared resource until everyone gains less.",
		nodes: [
			{ id: 'a_activity', label: "A's Activity" },
			{ id: 'net_gains_for_a', label: 'Net Gains for A' },
			{ id: 'b_activity', label: "B's Activity" },
			{ id: 'net_gains_for_b', label: 'Net Gains for B' },
			{ id: 'total_activity', label: 'Total Activity' },
			{ id: 'gain_per_individual_activity', label: 'Gain per Individual Activity' },
			{ id: 'resource_limit', label: 'Resource Limit' }
		],
		edges: [
			{ from: 'net_gains_for_a', to: 'a_activity', polarity: '+', delay: false },
			{ from: 'a_activity', to: 'net_gains_for_a', polarity: '+', delay: false },
			{ from: 'net_gains_for_b', to: 'b_activity', polarity: '+', delay: false },
			{ from: 'b_activity', to: 'net_gains_for_b', polarity: '+', delay: false },
			{ from: 'a_activity', to: 'total_activity', polarity: '+', delay: false },
			{ from: 'b_activity', to: 'total_activity', polarity: '+', delay: false },
			{ from: 'total_activity', to: 'gain_per_individual_activity', polarity: '-', delay: true },
			{ from: 'gain_per_individual_activity', to: 'net_gains_for_a', polarity: '+', delay: false },
			{ from: 'gain_per_individual_activity', to: 'net_gains_for_b', polarity: '+', delay: false },
			{ from: 'resource_limit', to: 'gain_per_individual_activity', polarity: '+', delay: false }
		],
		// Two balancing squares sharing the commons in the middle; each party's reinforcing loop is the lens on its outer side.
		rings: [
			{ loop: ['a_activity', 'total_activity', 'gain_per_individual_activity', 'net_gains_for_a'], cx: -212, cy: 0, rx: 300, start: 225 },
			{
				loop: ['b_activity', 'total_activity', 'gain_per_individual_activity', 'net_gains_for_b'],
				cx: 212,
				cy: 0,
				rx: 300,
				start: 315,
				ccw: true
			}
		]
	},
	{
		// archetype_12_fixes_that_fail
		id: 'archetype-fixes-that-fail',
		name: 'Fixes that Fail',
		description: 'A fix relieves the symptom quickly, but its unintended consequences bring the problem back after a delay, often worse.',
		nodes: [
			{ id: 'problem_symptom', label: 'Problem Symptom' },
			{ id: 'fix', label: 'Fix' },
			{ id: 'unintended_consequences', label: 'Unintended Consequences' }
		],
		edges: [
			{ from: 'problem_symptom', to: 'fix', polarity: '+', delay: false },
			{ from: 'fix', to: 'problem_symptom', polarity: '-', delay: false },
			{ from: 'fix', to: 'unintended_consequences', polarity: '+', delay: true },
			{ from: 'unintended_consequences', to: 'problem_symptom', polarity: '+', delay: false }
		],
		// The reinforcing loop as a triangle; the balancing loop is the lens on its top edge.
		rings: [{ loop: ['fix', 'unintended_consequences', 'problem_symptom'], cx: 0, cy: 0, rx: 240, start: 330 }]
	},
	{
		// archetype_13_growth_and_underinvestment
		id: 'archetype-growth-and-underinvestment',
		name: 'Growth and Underinvestment',
		description:
			'Growth nears a limit that investment in capacity could lift, but performance standards slip and the investment comes too little, too late.',
		nodes: [
			{ id: 'growing_action', label: 'Growing Action' },
			{ id: 'demand', label: 'Demand' },
			{ id: 'performance', label: 'Performance' },
			{ id: 'performance_standard', label: 'Performance Standard' },
			{ id: 'perceived_need_to_invest', label: 'Perceived Need to Invest' },
			{ id: 'investment_in_capacity', label: 'Investment in Capacity' },
			{ id: 'capacity', label: 'Capacity' }
		],
		edges: [
			{ from: 'growing_action', to: 'demand', polarity: '+', delay: false },
			{ from: 'demand', to: 'growing_action', polarity: '+', delay: false },
			{ from: 'demand', to: 'performance', polarity: '-', delay: false },
			{ from: 'performance', to: 'demand', polarity: '+', delay: false },
			{ from: 'performance', to: 'perceived_need_to_invest', polarity: '-', delay: false },
			{ from: 'performance_standard', to: 'perceived_need_to_invest', polarity: '+', delay: false },
			{ from: 'perceived_need_to_invest', to: 'investment_in_capacity', polarity: '+', delay: false },
			{ from: 'investment_in_capacity', to: 'capacity', polarity: '+', delay: true },
			{ from: 'capacity', to: 'performance', polarity: '+', delay: false }
		],
		// Growth and its limit along the top, the investment loop hanging below performance.
		rings: [
			{ loop: ['demand', 'growing_action'], cx: -200, cy: 0, rx: 200, start: 0 },
			{ loop: ['demand', 'performance'], cx: 200, cy: 0, rx: 200, start: 180 },
			{ loop: ['capacity', 'performance', 'perceived_need_to_invest', 'investment_in_capacity'], cx: 400, cy: 240, rx: 240, start: 180 }
		]
	},
	{
		// archetype_14_accidental_adversaries
		id: 'archetype-accidental-adversaries',
		name: 'Accidental Adversaries',
		description:
			"Two partners could help each other succeed, but what each does for its own success undermines the other's, and they come to see each other as adversaries.",
		nodes: [
			{ id: 'a_success', label: "A's Success" },
			{ id: 'a_activity_toward_b', label: "A's Activity Toward B" },
			{ id: 'b_success', label: "B's Success" },
			{ id: 'b_activity_toward_a', label: "B's Activity Toward A" },
			{ id: 'a_activity_toward_a', label: "A's Activity Toward A" },
			{ id: 'b_activity_toward_b', label: "B's Activity Toward B" }
		],
		edges: [
			{ from: 'a_success', to: 'a_activity_toward_b', polarity: '+', delay: false },
			{ from: 'a_activity_toward_b', to: 'b_success', polarity: '+', delay: false },
			{ from: 'b_success', to: 'b_activity_toward_a', polarity: '+', delay: false },
			{ from: 'b_activity_toward_a', to: 'a_success', polarity: '+', delay: false },
			{ from: 'a_success', to: 'a_activity_toward_a', polarity: '+', delay: false },
			{ from: 'a_activity_toward_a', to: 'a_success', polarity: '+', delay: false },
			{ from: 'b_success', to: 'b_activity_toward_b', polarity: '+', delay: false },
			{ from: 'b_activity_toward_b', to: 'b_success', polarity: '+', delay: false },
			{ from: 'a_activity_toward_a', to: 'b_success', polarity: '-', delay: false },
			{ from: 'b_activity_toward_b', to: 'a_success', polarity: '-', delay: false }
		],
		// The partnership loop outside, each party's own loop inside; both pass through the two successes, left and right.
		rings: [
			{ loop: ['a_activity_toward_b', 'b_success', 'b_activity_toward_a', 'a_success'], cx: 0, cy: 0, rx: 380, ry: 330, start: 270 },
			{ loop: ['a_activity_toward_a', 'b_success', 'b_activity_toward_b', 'a_success'], cx: 0, cy: 0, rx: 380, ry: 110, start: 270 }
		]
	}
];

// ---------------------------------------------------------------------------------------------------------------------
// The list

function info(id: string, name: string, category: TemplateCategory, description: string, template: BoardTemplate): TemplateInfo {
	return { id, name, category, description, template };
}

const ICEBERG_DESCRIPTION =
	'Look beneath an event: the patterns it belongs to, the structures that produce them, and the mental models that hold those in place.';
const LADDER_DESCRIPTION =
	'Trace how we climb from what anyone could observe to the beliefs we hold and the actions we take, and how those beliefs steer what we notice next.';
const REINFORCING_DESCRIPTION =
	'A loop that feeds on itself: trust builds collaboration, which builds shared success and more trust. Run backwards, it is a vicious circle.';
const BALANCING_DESCRIPTION =
	'A loop that pushes back against change: rising workload brings stress, which draws support from colleagues and eases the workload.';

/** Thinking tools, then the basic loops, then the archetypes in the fixtures' order. */
export const TEMPLATES: readonly TemplateInfo[] = Object.freeze([
	info('iceberg', 'Iceberg', 'thinking-tool', ICEBERG_DESCRIPTION, icebergTemplate('The Iceberg', ICEBERG_DESCRIPTION)),
	info(
		'ladder-of-inference',
		'Ladder of Inference',
		'thinking-tool',
		LADDER_DESCRIPTION,
		ladderTemplate('The Ladder of Inference', LADDER_DESCRIPTION)
	),
	info(
		'reinforcing-loop',
		'Reinforcing loop',
		'loop',
		REINFORCING_DESCRIPTION,
		cldTemplate('Reinforcing loop', REINFORCING_DESCRIPTION, REINFORCING_LOOP)
	),
	info(
		'balancing-loop',
		'Balancing loop',
		'loop',
		BALANCING_DESCRIPTION,
		cldTemplate('Balancing loop', BALANCING_DESCRIPTION, BALANCING_LOOP)
	),
	...ARCHETYPES.map((a) => info(a.id, a.name, 'archetype', a.description, cldTemplate(a.name, a.description, a)))
]);

const BY_ID = new Map(TEMPLATES.map((t) => [t.id, t]));

export function templateById(id: string): TemplateInfo | undefined {
	return BY_ID.get(id);
}
