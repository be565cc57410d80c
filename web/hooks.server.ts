import { redirect, type Handle, type HandleServerError } from '@sveltejs/kit';
import { hearthContext } from '../server/context.ts';
import { SESSION_COOKIE } from '../shared/session.ts';
import { ERROR_MESSAGES } from '../shared/errors.ts';
import type { Hearth } from '../server/app.ts';

/** Paths open before the first facilitator exists (everything else leads to /setup). */
const OPEN_BEFORE_SETUP = ['/setup', '/_app/', '/favicon.svg'];
/** Setup never becomes needed again once done, so each server instance remembers it. */
const setupDone = new WeakSet<Hearth>();

export const handle: Handle = async ({ event, resolve }) => {
	const hearth = hearthContext().getStore();
	if (!hearth) throw new Error('Hearth services are missing: run the app through `npm start` or `npm run dev`.');
	event.locals.hearth = hearth;
	event.locals.user = await hearth.auth.userForSession(event.cookies.get(SESSION_COOKIE));

	if (!setupDone.has(hearth)) {
		if (await hearth.auth.setupNeeded()) {
			const path = event.url.pathname;
			if (!OPEN_BEFORE_SETUP.some((p) => path === p || (p.endsWith('/') && path.startsWith(p)))) redirect(303, '/setup');
		} else {
			setupDone.add(hearth);
		}
	}

	const response = await resolve(event);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'same-origin');
	response.headers.set('x-frame-options', 'DENY');
	return response;
};

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404) event.locals.hearth?.logger.error({ err: error, path: event.url.pathname }, 'request failed');
	return { message: status === 404 ? ERROR_MESSAGES.not_found : ERROR_MESSAGES.internal, code: status === 404 ? 'not_found' : 'internal' };
};
