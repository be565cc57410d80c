/**
 * Paraglide's compiler options, one place for both ways the messages are compiled: the Vite plugin
 * (`vite build`, `npm run dev`) and `npm run i18n` (run by `npm run check` before svelte-check, so a
 * fresh clone type-checks without a build). The output in `paraglide/` is generated, never committed.
 */
import { compile, type CompilerOptions } from '@inlang/paraglide-js';
import { pathToFileURL } from 'node:url';

export const paraglideOptions = {
	project: './project.inlang',
	outdir: './web/lib/i18n/paraglide',
	// Server: the signed-in person's saved language (custom-user, set per request in hooks.server.ts),
	// else the language cookie, else Accept-Language, else English. Browser: custom-user reads
	// <html lang>, which the server rendered, so hydration uses the same language.
	strategy: ['custom-user', 'cookie', 'preferredLanguage', 'baseLocale'],
	cookieName: 'hearth-locale',
	emitReadme: false
} satisfies CompilerOptions;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	await compile(paraglideOptions);
}
