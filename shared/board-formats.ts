/**
 * The export formats offered for a board, by file name, so the map page's menu and the HTTP
 * endpoint produce the same files from the same document.
 */
import type { BoardDoc } from './board-doc.ts';
import { toDot, toHearthJson, toKumu, toKumuCsv, toSvg } from './board-export.ts';

export const EXPORT_FORMATS = {
	svg: { label: 'Picture (SVG)', type: 'image/svg+xml', ext: 'svg' },
	json: { label: 'Hearth board (JSON, can be imported)', type: 'application/json', ext: 'json' },
	dot: { label: 'Graphviz (DOT)', type: 'text/vnd.graphviz', ext: 'dot' },
	'kumu.json': { label: 'Kumu (JSON)', type: 'application/json', ext: 'kumu.json' },
	'kumu-elements.csv': { label: 'Kumu elements (CSV)', type: 'text/csv', ext: 'kumu-elements.csv' },
	'kumu-connections.csv': { label: 'Kumu connections (CSV)', type: 'text/csv', ext: 'kumu-connections.csv' }
} as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;

export function isExportFormat(value: string): value is ExportFormat {
	return Object.hasOwn(EXPORT_FORMATS, value);
}

export function exportBoard(board: BoardDoc, format: ExportFormat, title: string): string {
	switch (format) {
		case 'svg':
			return toSvg(board, { title });
		case 'json':
			return toHearthJson(board);
		case 'dot':
			return toDot(board, { title });
		case 'kumu.json':
			return JSON.stringify(toKumu(board), null, 2);
		case 'kumu-elements.csv':
			return toKumuCsv(board).elements;
		case 'kumu-connections.csv':
			return toKumuCsv(board).connections;
	}
}

/** A file name people recognise: the board's title, made safe, and the format's extension. */
export function exportFileName(title: string, format: ExportFormat): string {
	const base =
		title
			.normalize('NFKD')
			.replace(/[^\w\s-]/g, '')
			.trim()
			.replace(/\s+/g, '-')
			.toLowerCase()
			.slice(0, 60) || 'board';
	return `${base}.${EXPORT_FORMATS[format].ext}`;
}
