import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: adapter({ out: 'build' }),
		// Source lives in web/ (DESIGN.md layout); these options are marked deprecated in Kit 2 but work.
		files: {
			src: 'web',
			assets: 'web/static',
			lib: 'web/lib',
			routes: 'web/routes',
			appTemplate: 'web/app.html',
			hooks: { server: 'web/hooks.server', client: 'web/hooks.client' }
		},
		alias: { $shared: 'shared' },
		// [SEC1] Only what the app needs. SvelteKit adds a nonce (or a hash, on prerendered pages) for its
		// own inline scripts; web/hooks.server.ts adds this origin's websockets and the LiveKit server to
		// connect-src at runtime. Styles: stylesheets from this origin only, but inline style
		// *attributes* are allowed, because components position things with them (the circle's seats,
		// the map's text editor, app.html's wrapper); browsers without style-src-attr fall back to
		// style-src. Why each source is there: docs/PROTOCOL.md, "Security".
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'style-src-elem': ['self'],
				'style-src-attr': ['unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'connect-src': ['self'],
				'worker-src': ['self'],
				'frame-src': ['none'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
