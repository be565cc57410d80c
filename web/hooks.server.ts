import { error, redirect, type Handle, type HandleServerError } from '@sveltejs/kit';
import { hearthContext } from '../server/context.ts';
import { FILE_CSP, isSafeMethod, pageConnectSources, withConnectSources } from '../server/http/security.ts';
import { SESSION_COOKIE } from '../shared/session.ts';
import { ERROR_MESSAGES } from '../shared/errors.ts';
import type { Hearth } from '../server/app.ts';
import { isStorageUnavailable } from '../server/db/unavailable.ts';
import { inRequestLocale } from '$lib/i18n/server';

/** Paths open before the first facilitator exists (everything else leads to /setup). */
const OPEN_BEFORE_SETUP = ['/setup', '/_app/', '/favicon.svg'];
/** Setup never becomes needed again once done, so each server instance remembers it. */
const setupDone = new WeakSet<Hearth>();
/** [ST3] Requests (by their locals) that failed because storage was unavailable: answered 503, not 500. */
const storageFailed = new WeakSet<App.Locals>();
const unavailable = () => error(503, { message: ERROR_MESSAGES.unavailable, code: 'unavailable' });

export const handle: Handle = async ({ event, resolve }) => {
	const hearth = hearthContext().getStore();
	if (!hearth) throw new Error('Hearth services are missing: run the app through `npm start` or `npm run dev`.');
	event.locals.hearth = hearth;

	// [SEC3] SvelteKit refuses cross-origin *forms*; this refuses every other cross-origin request
	// that could change something (JSON endpoints, bodiless POSTs). No Origin: not a browser.
	const origin = event.request.headers.get('origin');
	if (!isSafeMethod(event.request.method) && origin !== null && origin !== event.url.origin) {
		const message = 'Cross-site requests are forbidden.';
		return event.request.headers.get('accept')?.includes('application/json')
			? Response.json({ ok: false, error: { code: 'forbidden', message } }, { status: 403 })
			: new Response(message, { status: 403, headers: { 'content-type': 'text/plain' } });
	}

	try {
		event.locals.user = await hearth.auth.userForSession(event.cookies.get(SESSION_COOKIE));
		if (!setupDone.has(hearth)) {
			if (await hearth.auth.setupNeeded()) {
				const path = event.url.pathname;
				if (!OPEN_BEFORE_SETUP.some((p) => path === p || (p.endsWith('/') && path.startsWith(p)))) redirect(303, '/setup');
			} else {
				setupDone.add(hearth);
			}
		}
	} catch (err) {
		if (isStorageUnavailable(err)) {
			hearth.logger.warn({ err, path: event.url.pathname }, 'request refused: storage unavailable');
			unavailable();
		}
		throw err;
	}

	// The request's language (saved preference, cookie, Accept-Language, English), kept per request.
	let response = await inRequestLocale(event.request, event.locals.user?.language, (locale) =>
		resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', locale) })
	);
	// A load or action that failed on storage: 503 (try again), not 500 (our bug). handleError marked it.
	if (response.status === 500 && storageFailed.has(event.locals)) {
		response = new Response(response.body, { status: 503, headers: new Headers(response.headers) });
	}
	// [SEC1] The non-CSP headers are set on every response by the HTTP server (server/http/server.ts).
	// Pages have SvelteKit's policy (svelte.config.js); the sources only known at runtime are added here.
	const policy = response.headers.get('content-security-policy');
	if (policy) {
		response.headers.set(
			'content-security-policy',
			withConnectSources(policy, pageConnectSources(event.url.origin, hearth.config.livekit?.url))
		);
	} else if (!response.headers.get('content-type')?.startsWith('text/html')) {
		response.headers.set('content-security-policy', FILE_CSP);
	}
	return response;
};

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (isStorageUnavailable(error)) {
		storageFailed.add(event.locals);
		event.locals.hearth?.logger.warn({ err: error, path: event.url.pathname }, 'request refused: storage unavailable');
		return { message: ERROR_MESSAGES.unavailable, code: 'unavailable' };
	}
	if (status !== 404) event.locals.hearth?.logger.error({ err: error, path: event.url.pathname }, 'request failed');
	return { message: status === 404 ? ERROR_MESSAGES.not_found : ERROR_MESSAGES.internal, code: status === 404 ? 'not_found' : 'internal' };
};
