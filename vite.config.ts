import { sveltekit } from '@sveltejs/kit/vite';
import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { defineConfig } from 'vitest/config';
import { paraglideOptions } from './web/lib/i18n/compile.ts';

export default defineConfig({
	// Tests import the *built* app (build/handler.js) like `npm start` does; the Svelte plugin would
	// otherwise recompile its `*.svelte.js` chunks as sources and break them.
	plugins: process.env.VITEST ? [] : [paraglideVitePlugin(paraglideOptions), sveltekit()],
	test: {
		include: ['tests/**/*.test.ts'],
		environment: 'node',
		testTimeout: 60_000,
		hookTimeout: 120_000,
		// Integration and e2e suites start real servers and browsers: on 2 cores, run files one at a time.
		fileParallelism: false,
		pool: 'forks',
		server: { deps: { external: [/\/build\//] } }
	}
});
