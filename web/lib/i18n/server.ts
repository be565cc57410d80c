/**
 * The language of each request, chosen on the server: the signed-in person's saved language, else
 * the `hearth-locale` cookie, else the browser's Accept-Language, else English (the strategy order in
 * compile.ts). Paraglide's middleware keeps the choice in an AsyncLocalStorage for the duration of
 * the request, so people rendering at the same time never see each other's language.
 */
import { paraglideMiddleware } from './paraglide/server.js';
import { cookieName, defineCustomServerStrategy, isLocale, type Locale } from './paraglide/runtime.js';

export { cookieName as LOCALE_COOKIE };

const saved = new WeakMap<Request, Locale>();
defineCustomServerStrategy('custom-user', { getLocale: (request) => (request ? saved.get(request) : undefined) });

/** Runs `render` in the request's language; `userLanguage` is the signed-in person's saved one. */
export function inRequestLocale(
	request: Request,
	userLanguage: string | null | undefined,
	render: (locale: Locale) => Response | Promise<Response>
): Promise<Response> {
	if (userLanguage && isLocale(userLanguage)) saved.set(request, userLanguage);
	return paraglideMiddleware(request, ({ locale }) => render(locale));
}

/** The cookie that keeps a chosen language for visitors who are not signed in (one year). */
export const localeCookieOptions = { path: '/', httpOnly: false, sameSite: 'lax', maxAge: 60 * 60 * 24 * 365 } as const;
