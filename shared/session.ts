/** The one session cookie that authenticates pages, socket.io and the board endpoint alike. */
export const SESSION_COOKIE = 'hearth_session';

/** Reads one cookie from a Cookie header (for the socket.io handshake and websocket upgrades). */
export function readCookie(header: string | undefined, name: string): string | undefined {
	if (!header) return undefined;
	for (const part of header.split(';')) {
		const eq = part.indexOf('=');
		if (eq < 0) continue;
		if (part.slice(0, eq).trim() === name) {
			try {
				return decodeURIComponent(part.slice(eq + 1).trim());
			} catch {
				return undefined;
			}
		}
	}
	return undefined;
}
