/**
 * Loads the built SvelteKit app (adapter-node's handler). adapter-node reads its settings from
 * the environment once, at import, and without ORIGIN it assumes every request came over https,
 * which would refuse every form on a plain-http install (its CSRF check compares origins). So the
 * server tells it each request's real scheme through a header of its own, set on every request
 * (never trusted from the client); with ORIGIN set, adapter-node uses ORIGIN and ignores it.
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse, next?: () => void) => void;

export const PROTOCOL_HEADER = 'x-hearth-protocol';

export function markProtocol(req: http.IncomingMessage): void {
	const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
	req.headers[PROTOCOL_HEADER] = encrypted ? 'https' : 'http';
}

const loaded = new Map<string, Promise<NodeHandler>>();

export function loadSvelteKitHandler(buildDir: string): Promise<NodeHandler> {
	const file = path.join(buildDir, 'handler.js');
	let p = loaded.get(file);
	if (!p) {
		if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first.`);
		process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
		p = import(pathToFileURL(file).href).then((m: { handler: NodeHandler }) => m.handler);
		loaded.set(file, p);
	}
	return p;
}
