/**
 * The UI's messages and the current language. Components import `m` from here (never from the
 * generated `paraglide/` folder), so the browser-side language rule below is registered before the
 * first message is rendered.
 */
import { browser } from '$app/environment';
import { defineCustomClientStrategy, isLocale, baseLocale, type Locale } from './paraglide/runtime.js';

export { m } from './paraglide/messages.js';
export { getLocale, locales, baseLocale, isLocale, type Locale } from './paraglide/runtime.js';

if (browser) {
	// The server chose the language for this person and rendered it into <html lang>; the browser
	// keeps it (a change of language reloads the page from the server).
	defineCustomClientStrategy('custom-user', {
		getLocale: () => {
			const lang = document.documentElement.lang;
			return isLocale(lang) ? lang : baseLocale;
		},
		setLocale: () => {}
	});
}

/** Each language's own name, shown in the language pickers (the same in every language). */
export const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };

/** The Intl locale for dates and numbers in each UI language (English keeps the existing en-GB formats). */
export const INTL_LOCALES: Record<Locale, string> = { en: 'en-GB', es: 'es-ES' };
