/** Ink strokes drawn smooth with perfect-freehand: the stored points are the pen's samples. */
import { getStroke } from 'perfect-freehand';
import type { Ink } from '$shared/board-doc.ts';

/** perfect-freehand's outline as an SVG path (its README's getSvgPathFromStroke, which the package does not export). */
function pathFromOutline(outline: number[][]): string {
	if (outline.length < 2) return '';
	const avg = (a: number, b: number) => (a + b) / 2;
	const first = outline[0]!;
	let d = `M ${first[0]!.toFixed(1)} ${first[1]!.toFixed(1)} Q`;
	for (let i = 0; i < outline.length; i++) {
		const [x0, y0] = outline[i]!;
		const [x1, y1] = outline[(i + 1) % outline.length]!;
		d += ` ${x0!.toFixed(1)} ${y0!.toFixed(1)} ${avg(x0!, x1!).toFixed(1)} ${avg(y0!, y1!).toFixed(1)}`;
	}
	return d + ' Z';
}

/** The stroke's outline in map coordinates. */
export function inkPath(ink: Pick<Ink, 'x' | 'y' | 'points' | 'width'>): string {
	const samples: [number, number, number][] = [];
	for (let i = 0; i + 2 < ink.points.length; i += 3) samples.push([ink.x + ink.points[i]!, ink.y + ink.points[i + 1]!, ink.points[i + 2]!]);
	return pathFromOutline(
		getStroke(samples, { size: ink.width * 4, thinning: 0.5, smoothing: 0.5, streamline: 0.5, simulatePressure: true })
	);
}

/** A stroke being drawn, from absolute samples. */
export function draftPath(samples: number[], width: number): string {
	if (samples.length < 3) return '';
	return inkPath({ x: 0, y: 0, points: samples, width });
}
