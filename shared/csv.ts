/**
 * One CSV cell (RFC 4180): always quoted, quotes doubled, and a leading character a spreadsheet
 * would run as a formula (= + - @ tab CR) neutralised with an apostrophe.
 */
export function csvCell(value: string | number | null | undefined): string {
	const s = value === null || value === undefined ? '' : String(value);
	const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
	return `"${safe.replaceAll('"', '""')}"`;
}

export const csvRow = (cells: readonly (string | number | null | undefined)[]): string => cells.map(csvCell).join(',');
