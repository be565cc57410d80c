/** Map geometry shared by the editor's drawing and hit-testing: variable boxes and link curves. */
import type { Link, Variable } from '$shared/board-doc.ts';

import { DEFAULT_BEND, VAR_H, varWidth } from '$shared/board-geometry.ts';

export { VAR_H, varWidth };

/** Where the line from a box's centre towards (tx, ty) leaves the box. */
function exitPoint(v: Variable, tx: number, ty: number): { x: number; y: number } {
	const w = varWidth(v) / 2 + 6;
	const h = VAR_H / 2 + 6;
	const dx = tx - v.x;
	const dy = ty - v.y;
	if (dx === 0 && dy === 0) return { x: v.x, y: v.y };
	const t = Math.min(Math.abs(w / (dx || 1e-9)), Math.abs(h / (dy || 1e-9)));
	return { x: v.x + dx * t, y: v.y + dy * t };
}

export interface LinkPath {
	d: string;
	/** Where to put the polarity sign (near the head) and the delay mark (the middle). */
	sign: { x: number; y: number };
	mid: { x: number; y: number; angle: number };
}

export function linkPath(link: Pick<Link, 'curvature'>, from: Variable, to: Variable): LinkPath {
	if (from.id === to.id) {
		// A self-link: a loop above the box.
		const x = from.x + varWidth(from) / 4;
		const y = from.y - VAR_H / 2;
		return {
			d: `M ${x - 18} ${y} C ${x - 40} ${y - 70}, ${x + 40} ${y - 70}, ${x + 18} ${y}`,
			sign: { x: x + 30, y: y - 40 },
			mid: { x, y: y - 52, angle: 0 }
		};
	}
	const bend = link.curvature === 0 ? DEFAULT_BEND : link.curvature;
	const mx = (from.x + to.x) / 2;
	const my = (from.y + to.y) / 2;
	const dx = to.x - from.x;
	const dy = to.y - from.y;
	// The control point sits off the straight line, so two opposite links do not overlap.
	const cx = mx - dy * bend;
	const cy = my + dx * bend;
	const a = exitPoint(from, cx, cy);
	const b = exitPoint(to, cx, cy);
	const t = 0.8;
	const sx = (1 - t) * (1 - t) * a.x + 2 * (1 - t) * t * cx + t * t * b.x;
	const sy = (1 - t) * (1 - t) * a.y + 2 * (1 - t) * t * cy + t * t * b.y;
	const midX = 0.25 * a.x + 0.5 * cx + 0.25 * b.x;
	const midY = 0.25 * a.y + 0.5 * cy + 0.25 * b.y;
	const angle = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
	// The sign sits beside the line near its head, on the outside of the bend.
	const nx = -(b.y - a.y);
	const ny = b.x - a.x;
	const len = Math.hypot(nx, ny) || 1;
	const side = bend >= 0 ? 1 : -1;
	return {
		d: `M ${a.x} ${a.y} Q ${cx} ${cy} ${b.x} ${b.y}`,
		sign: { x: sx + (nx / len) * 14 * side, y: sy + (ny / len) * 14 * side },
		mid: { x: midX, y: midY, angle }
	};
}
