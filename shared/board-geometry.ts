/**
 * The map's drawing rules that both the editor and the exports follow, so an exported map looks
 * like the board: variable box sizes and the default bend of a link.
 */
export const VAR_H = 48;
export const VAR_MIN_W = 110;
export const VAR_MAX_W = 360;
/** About 9.6 px per character of 15 px semibold text (UTF-16 length), plus padding. */
export const VAR_CHAR_W = 9.6;
export const VAR_PAD = 40;
/** A link with curvature 0 is still drawn slightly bent, so two opposite links do not overlap. */
export const DEFAULT_BEND = 0.18;

export function varWidth(v: { label: string }): number {
	return Math.max(VAR_MIN_W, Math.min(VAR_MAX_W, (v.label || 'Untitled').length * VAR_CHAR_W + VAR_PAD));
}
