/**
 * A cookie-keeping HTTP client for driving the app like a browser without JavaScript:
 * plain GETs and form POSTs (SvelteKit form actions), redirects not followed.
 */
export class Visitor {
	readonly cookies = new Map<string, string>();
	/** The last Set-Cookie line seen per cookie, to check its flags. */
	readonly setCookieLines = new Map<string, string>();

	constructor(readonly base: string) {}

	#cookieHeader(): string {
		return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
	}

	#remember(res: Response) {
		for (const line of res.headers.getSetCookie()) {
			const [pair] = line.split(';');
			const eq = pair!.indexOf('=');
			const name = pair!.slice(0, eq).trim();
			const value = pair!.slice(eq + 1).trim();
			this.setCookieLines.set(name, line);
			if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
			else this.cookies.set(name, value);
		}
	}

	async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
		const res = await fetch(this.base + path, {
			redirect: 'manual',
			headers: { cookie: this.#cookieHeader(), accept: 'text/html', ...headers }
		});
		this.#remember(res);
		return res;
	}

	/** Posts a form as a browser would (same Origin), to a page's action (`?/name`) or its default action. */
	async post(path: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<Response> {
		const body = new URLSearchParams();
		for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
		const res = await fetch(this.base + path, {
			method: 'POST',
			redirect: 'manual',
			body,
			headers: {
				cookie: this.#cookieHeader(),
				accept: 'text/html',
				origin: this.base,
				'content-type': 'application/x-www-form-urlencoded',
				...headers
			}
		});
		this.#remember(res);
		return res;
	}

	async signIn(email: string, password: string): Promise<Response> {
		return this.post('/login', { email, password });
	}
}

export const location = (res: Response): string | null => res.headers.get('location');
