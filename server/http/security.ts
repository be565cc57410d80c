/**
 * Security headers and origin checks, the same for every channel (docs/PROTOCOL.md, "Security").
 *
 * - [SEC1] Every response carries BASE_HEADERS; pages carry SvelteKit's Content-Security-Policy
 *   (svelte.config.js `kit.csp`, with nonces for its inline scripts), widened at runtime by
 *   `pageConnectSources` (websockets of this origin, the configured LiveKit server); anything that is
 *   not a page (files, feeds, JSON, /healthz) carries FILE_CSP, which lets it run nothing.
 * - [SEC3] A browser request that changes something (any method but GET/HEAD/OPTIONS), the socket.io
 *   handshake and the board upgrade are refused when their `Origin` names another origin. A request
 *   without `Origin` is let through: browsers always send it on these requests, so only non-browser
 *   clients omit it, and they still need the cookie or a token.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.ts';

/**
 * Headers for every response, page or not.
 * - same-origin: invitation links (/invite/<token>) and calendar feeds (/feeds/<secret>.ics) carry
 *   their secret in the path; no other site gets a Referer, so the secret never leaves Hearth.
 *   Not no-referrer: under no-referrer browsers send `Origin: null` on a plain (non-fetch) form
 *   POST, and the origin checks (SvelteKit's and ours) then refuse every form that is not
 *   enhanced, such as "Sign out", or any form when JavaScript is off.
 * - camera, microphone and screen capture for this origin only (the live room); the rest off.
 */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin',
	'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()',
	'x-frame-options': 'DENY',
	'cross-origin-opener-policy': 'same-origin',
	'cross-origin-resource-policy': 'same-origin'
};

/** For responses that are not pages (an SVG export opened on its own must not run anything). */
export const FILE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";

/** One year of HTTPS-only, sent only when this instance is reached over https. */
export const HSTS = 'max-age=31536000';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isSafeMethod = (method: string): boolean => SAFE_METHODS.has(method.toUpperCase());

/**
 * The origin browsers must be on to use this server: `ORIGIN` when set (behind a proxy), otherwise
 * the scheme and Host this request reached us with (development, tests, a plain install). This is the
 * origin SvelteKit's own CSRF check compares with (sveltekit.ts tells adapter-node the same scheme).
 */
export function expectedOrigin(req: http.IncomingMessage, config: Pick<Config, 'origin'>): string | undefined {
	if (config.origin) return config.origin;
	const host = req.headers.host;
	if (!host) return undefined;
	const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
	return `${encrypted ? 'https' : 'http'}://${host}`.toLowerCase();
}

/** [SEC3] False when the request names a foreign `Origin`; a request without one passes. */
export function originAllowed(req: http.IncomingMessage, config: Pick<Config, 'origin'>): boolean {
	const origin = req.headers.origin;
	if (origin === undefined) return true;
	return origin.toLowerCase() === expectedOrigin(req, config)?.toLowerCase();
}

/** Answers an upgrade with 403 and closes the socket, before any websocket exists. */
export function refuseUpgrade(socket: Duplex): void {
	socket.on('error', () => socket.destroy());
	socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nForbidden');
}

/** Sets BASE_HEADERS (and HSTS over https) on a raw response; what the app sets later wins. */
export function setBaseHeaders(req: http.IncomingMessage, res: http.ServerResponse, config: Pick<Config, 'origin'>): void {
	for (const [name, value] of Object.entries(BASE_HEADERS)) res.setHeader(name, value);
	const https = config.origin ? config.origin.startsWith('https:') : (req.socket as { encrypted?: boolean }).encrypted === true;
	if (https) res.setHeader('strict-transport-security', HSTS);
}

/**
 * What a page may connect to besides 'self': this origin's websockets (socket.io, boards; some
 * browsers do not count ws: as 'self') and, with LiveKit, its server over websocket and http(s)
 * (livekit-client signals over wss and checks the server over https when a connection fails).
 */
export function pageConnectSources(pageOrigin: string, livekitUrl: string | undefined): string[] {
	const sources = [pageOrigin.replace(/^http/, 'ws')];
	if (livekitUrl) {
		const lk = new URL(livekitUrl);
		const secure = lk.protocol === 'wss:' || lk.protocol === 'https:';
		sources.push(`${secure ? 'wss' : 'ws'}://${lk.host}`, `${secure ? 'https' : 'http'}://${lk.host}`);
	}
	return sources;
}

/** Adds sources to a policy's `connect-src` (adding the directive if it has none). */
export function withConnectSources(policy: string, sources: string[]): string {
	const directives = policy
		.split(';')
		.map((d) => d.trim())
		.filter(Boolean);
	const i = directives.findIndex((d) => d.split(/\s+/)[0] === 'connect-src');
	if (i === -1) directives.push(`connect-src 'self' ${sources.join(' ')}`);
	else directives[i] = `${directives[i]} ${sources.join(' ')}`;
	return directives.join('; ');
}
