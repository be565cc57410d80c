import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { AppError, ERROR_MESSAGES } from '$shared/errors.ts';

const STATUS: Record<string, number> = { unauthenticated: 401, not_found: 404, forbidden: 403 };

/**
 * Mints a short-lived token that opens one board without the session cookie (documented in
 * docs/PROTOCOL.md): `new WebsocketProvider(url + '/yjs', boardId, doc, { params: { token } })`.
 */
export const POST: RequestHandler = async ({ locals, params }) => {
	if (!locals.user)
		return json({ ok: false, error: { code: 'unauthenticated', message: ERROR_MESSAGES.unauthenticated } }, { status: 401 });
	try {
		return json({ ok: true, data: await locals.hearth.boards.mintToken(locals.user, params.boardId) });
	} catch (e) {
		if (AppError.is(e)) return json({ ok: false, error: { code: e.code, message: e.message } }, { status: STATUS[e.code] ?? 400 });
		throw e;
	}
};
