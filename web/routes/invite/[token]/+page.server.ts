import { error, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { AppError } from '$shared/errors.ts';
import { formValues, orFail } from '$lib/server/guard';
import { setSessionCookie } from '$lib/server/session';
import { landingFor } from '$lib/onboarding/landing.server';
import { INVITE_LIMITS, Throttle, throttleOf } from '../../../../server/auth/throttle.ts';

/**
 * [SEC4] Guessing links is throttled per client address: past INVITE_LIMITS unknown links, every
 * invitation page and form answers 429 until the window has passed.
 */
function guessing(locals: App.Locals, getClientAddress: () => string) {
	const hearth = locals.hearth;
	const throttle = throttleOf(hearth, 'invite', () => new Throttle(hearth.clock, INVITE_LIMITS.perAddress, INVITE_LIMITS.windowMs));
	const address = getClientAddress();
	const wait = throttle.retryAfter(address);
	if (wait > 0) {
		const minutes = Math.ceil(wait / 60_000);
		error(429, {
			message: `Too many invitation links were tried from your network. Try again in ${minutes} minute(s).`,
			code: 'rate_limited'
		});
	}
	return {
		/** Counts an unknown link against the address, then passes the outcome on unchanged. */
		async count<T>(work: Promise<T>): Promise<T> {
			try {
				return await work;
			} catch (e) {
				if (AppError.is(e) && e.code === 'not_found') throttle.fail(address);
				throw e;
			}
		}
	};
}

export const load: PageServerLoad = async ({ locals, params, getClientAddress }) => {
	const tries = guessing(locals, getClientAddress);
	try {
		const invite = await tries.count(locals.hearth.invites.inspect(params.token));
		return { state: 'open' as const, invite };
	} catch (e) {
		// An expired, used or unknown link is a page of its own, not an error screen: it says what to do.
		if (AppError.is(e) && (e.code === 'invite_expired' || e.code === 'invite_used' || e.code === 'not_found')) {
			return { state: e.code, message: e.message };
		}
		throw e;
	}
};

export const actions: Actions = {
	/** A signed-in person joins with their existing account. */
	join: async ({ locals, params, getClientAddress }) => {
		const tries = guessing(locals, getClientAddress);
		if (!locals.user) redirect(303, `/login?next=/invite/${encodeURIComponent(params.token)}`);
		const result = await orFail(tries.count(locals.hearth.invites.acceptAsUser(params.token, locals.user)));
		if (!result.ok) return result.failure;
		redirect(303, await landingFor(locals.hearth, locals.user, result.data.cohortId));
	},
	/** Someone new creates their account and joins in one step. */
	register: async ({ request, locals, params, cookies, url, getClientAddress }) => {
		const tries = guessing(locals, getClientAddress);
		const data = await request.formData();
		const values = formValues(data);
		const result = await orFail(
			tries.count(
				locals.hearth.invites.acceptAsNewUser(params.token, {
					name: values.name,
					email: values.email,
					password: data.get('password'),
					timeZone: values.timeZone
				})
			),
			values
		);
		if (!result.ok) return result.failure;
		setSessionCookie(cookies, result.data.session, url);
		redirect(303, await landingFor(locals.hearth, result.data.user, result.data.cohortId));
	}
};
