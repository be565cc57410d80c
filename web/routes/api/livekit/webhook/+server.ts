import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/**
 * LiveKit's webhooks (docs/PROTOCOL.md, "Video through LiveKit"): the raw body and its
 * `Authorization` JWT are checked by the media service [LK6]. A bad or tampered request gets 401,
 * never 500; without LiveKit configured the endpoint answers 404.
 */
export const POST: RequestHandler = async ({ locals, request }) => {
	const answer = await locals.hearth.media.webhook(await request.text(), request.headers.get('authorization'));
	return json(answer.body, { status: answer.status });
};
