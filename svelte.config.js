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
		alias: { $shared: 'shared' }
	}
};

export default config;
