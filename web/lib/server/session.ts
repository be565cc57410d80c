import type { Cookies } from '@sveltejs/kit';
import { SESSION_COOKIE } from '../../../shared/session.ts';
import type { Session } from '../../../server/auth/auth.service.ts';

export function setSessionCookie(cookies: Cookies, session: Session, url: URL): void {
	cookies.set(SESSION_COOKIE, session.token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		expires: session.expiresAt
	});
}

export function clearSessionCookie(cookies: Cookies, url: URL): void {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:' });
}

/** Only same-site paths are followed after sign-in, so `next` cannot send anyone elsewhere. */
export function safeNext(next: string | null | undefined, fallback = '/'): string {
	return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : fallback;
}
