/**
 * Short-lived board tokens for clients without the session cookie (scripts, native apps, tests):
 * `<payload>.<signature>`, the payload base64url JSON `{ b: boardId, u: userId, e: expiresAtMs }`,
 * the signature HMAC-SHA256 with a server secret kept in storage. A token names one board.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenCheck = { ok: true; userId: string } | { ok: false; reason: 'invalid' | 'expired' | 'wrong_board' };

export function boardTokens(secret: string) {
	const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');
	return {
		mint(boardId: string, userId: string, expiresAt: number): string {
			const payload = Buffer.from(JSON.stringify({ b: boardId, u: userId, e: expiresAt })).toString('base64url');
			return `${payload}.${sign(payload)}`;
		},
		verify(token: string, boardId: string, now: number): TokenCheck {
			if (token.length > 1000) return { ok: false, reason: 'invalid' };
			const [payload, signature, extra] = token.split('.');
			if (!payload || !signature || extra !== undefined) return { ok: false, reason: 'invalid' };
			const expected = Buffer.from(sign(payload));
			const given = Buffer.from(signature);
			if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
			let claims: { b?: unknown; u?: unknown; e?: unknown };
			try {
				claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
			} catch {
				return { ok: false, reason: 'invalid' };
			}
			if (typeof claims.b !== 'string' || typeof claims.u !== 'string' || typeof claims.e !== 'number')
				return { ok: false, reason: 'invalid' };
			if (claims.e <= now) return { ok: false, reason: 'expired' };
			if (claims.b !== boardId) return { ok: false, reason: 'wrong_board' };
			return { ok: true, userId: claims.u };
		}
	};
}
export type BoardTokens = ReturnType<typeof boardTokens>;
