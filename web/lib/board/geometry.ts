/** Map geometry for the editor's drawing: link curves as SVG paths, with where the sign and delay mark go. */
import type { Link, Variable } from '$shared/board-doc.ts';

import { linkCurve, VAR_H, varWidth } from '$shared/board-geometry.ts';

export { VAR_H, varWidth };

export interface LinkPath {
	d: string;
	/** Where to put the polarity sign (near the head) and the delay mark (the middle). */
	sign: { x: number; y: number };
	mid: { x: number; y: number; angle: number };
}

export function linkPath(link: Pick<Link, 'curvature'>, from: Variable, to: Variable): LinkPath {
	const curve = linkCurve(link, from, to);
	if (curve.self) {
		// A self-link: a loop above the box.
		const { a, c, c2, b } = curve;
		const x = (a.x + b.x) / 2;
		return {
			d: `M ${a.x} ${a.y} C ${c.x} ${c.y}, ${c2.x} ${c2.y}, ${b.x} ${b.y}`,
			sign: { x: x + 30, y: a.y - 40 },
			mid: { x, y: a.y - 52, angle: 0 }
		};
	}
	const { a, c, b, bend } = curve;
	const t = 0.8;
	const sx = (1 - t) * (1 - t) * a.x + 2 * (1 - t) * t * c.x + t * t * b.x;
	const sy = (1 - t) * (1 - t) * a.y + 2 * (1 - t) * t * c.y + t * t * b.y;
	const midX = 0.25 * a.x + 0.5 * c.x + 0.25 * b.x;
	const midY = 0.25 * a.y + 0.5 * c.y + 0.25 * b.y;
	const angle = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
	// The sign sits beside the line near its head, on the outside of the bend.
	const nx = -(b.y - a.y);
	const ny = b.x - a.x;
	const len = Math.hypot(nx, ny) || 1;
	const side = bend >= 0 ? 1 : -1;
	return {
		d: `M ${a.x} ${a.y} Q ${c.x} ${c.y} ${b.x} ${b.y}`,
		sign: { x: sx + (nx / len) * 14 * side, y: sy + (ny / len) * 14 * side },
		mid: { x: midX, y: midY, angle }
	};
}
