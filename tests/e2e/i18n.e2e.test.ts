/// <reference lib="dom" />
/**
 * The second language on every main page: a Spanish-speaking facilitator (language saved in their
 * profile) and Spanish-speaking visitors (browser language) see no raw message key, no English
 * sentence from the English catalogue, and `<html lang="es">`. Two people rendering at once each get
 * their own language. Screenshots of every page land in test-artifacts/i18n-es-*.png.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seedDemo, DEMO_PASSWORD } from '../../server/seed/demo.ts';
import { systemClock } from '../../server/clock.ts';
import { formatDateTime } from '../../shared/time.ts';
import { ROOT, startTestServer, type TestServer } from '../helpers/server.ts';
import { artifactPath, launchBrowser, signInThroughForm, skipDeviceCheck } from '../helpers/browser.ts';

const catalogue = (locale: string): Record<string, string> => {
	const { $schema: _schema, ...messages } = JSON.parse(readFileSync(path.join(ROOT, `web/lib/i18n/messages/${locale}.json`), 'utf8'));
	return messages;
};
const en = catalogue('en');
const es = catalogue('es');
const spanishValues = new Set(Object.values(es));
/** Messages whose English differs from their Spanish: seeing one of these on a Spanish page is a leak. */
const translatable = Object.keys(en).filter((k) => en[k] !== es[k]);
/** Whole English messages (button labels, headings, short texts), matched against whole element texts. */
const englishWhole = new Set(translatable.map((k) => en[k]!).filter((v) => !v.includes('{') && !spanishValues.has(v)));
/**
 * English sentences, matched anywhere in the page's text: the fixed parts of each message between its
 * parameters, when they are longer than three words (short ones could be names or shared words).
 */
const englishSentences = [
	...new Set(
		translatable.flatMap((k) =>
			en[k]!.split(/\{\w+\}/)
				.map((part) => part.trim())
				.filter((part) => part.split(/\s+/).length > 3)
		)
	)
];
/** A message key shown raw, e.g. "boards_create". */
const keyPattern = new RegExp(`\\b(${Object.keys(en).join('|')})\\b`);

interface PageText {
	lang: string | null;
	text: string;
	/** Texts of elements that are whole labels, and the attributes people read or hear. */
	labels: string[];
}

async function readPage(page: Page): Promise<PageText> {
	return page.evaluate(() => {
		const labels: string[] = [];
		const whole = 'button, a, label, h1, h2, h3, h4, th, dt, dd, summary, legend, option, .pill, [role=status], .notice, .hint';
		for (const el of document.querySelectorAll<HTMLElement>(whole)) labels.push((el.innerText ?? el.textContent ?? '').trim());
		for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], [alt]'))
			for (const a of ['placeholder', 'aria-label', 'title', 'alt']) {
				const v = el.getAttribute(a);
				if (v) labels.push(v.trim());
			}
		return { lang: document.documentElement.getAttribute('lang'), text: document.body.innerText, labels: labels.filter(Boolean) };
	});
}

/** What on a page is still English (or a raw key); empty when the page is fully in Spanish. */
function untranslated({ text, labels }: PageText): string[] {
	const found: string[] = [];
	const key = keyPattern.exec(text);
	if (key) found.push(`raw key "${key[1]}"`);
	for (const sentence of englishSentences) if (text.includes(sentence) || labels.some((l) => l.includes(sentence))) found.push(sentence);
	for (const label of labels) if (englishWhole.has(label)) found.push(label);
	return [...new Set(found)];
}

describe('the UI in Spanish', () => {
	let s: TestServer;
	let browser: Browser;
	let seeded: Awaited<ReturnType<typeof seedDemo>>;
	const pages: [string, string][] = [];
	let inviteToken = '';

	beforeAll(async () => {
		s = await startTestServer({ clock: systemClock });
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
		await s?.stop();
	});

	async function check(context: BrowserContext, name: string, url: string, ready?: (page: Page) => Promise<void>) {
		const page = await context.newPage();
		await page.goto(`${s.url}${url}`);
		await page.waitForSelector('html[data-ready]');
		await ready?.(page);
		await page.screenshot({ path: artifactPath(`i18n-es-${name}.png`), fullPage: true });
		const read = await readPage(page);
		await page.close();
		return { name, lang: read.lang, untranslated: untranslated(read) };
	}

	it('the first-run setup page follows the browser language', async () => {
		const visitor = await browser.newContext({ locale: 'es-ES' });
		const result = await check(visitor, 'setup', '/setup');
		await visitor.close();
		expect(result).toEqual({ name: 'setup', lang: 'es', untranslated: [] });
	});

	it('every main page shows a facilitator who chose Spanish no English and no raw key', async () => {
		seeded = await seedDemo(s.db, s.clock);
		const fac = await s.db.kysely.selectFrom('users').select('id').where('email', '=', seeded.facilitatorEmail).executeTakeFirstOrThrow();
		await s.hearth.auth.setLanguage(fac.id, 'es');
		const user = (await s.hearth.auth.userForSession((await s.hearth.auth.createSession(fac.id)).token))!;
		const board = await s.hearth.boards.create(user, seeded.cohortId, { title: 'Fixes that fail', template: 'archetype-fixes-that-fail' });
		inviteToken = (await s.hearth.invites.create(user, seeded.cohortId, { role: 'member' })).token;
		const convening = await s.db.kysely
			.selectFrom('convenings')
			.select('id')
			.where('cohort_id', '=', seeded.cohortId)
			.where('starts_at', '=', '2026-12-14T14:00:00.000Z')
			.executeTakeFirstOrThrow();
		const c = `/cohorts/${seeded.cohortId}`;
		pages.push(
			['cohort-home', c],
			['people', `${c}/people`],
			['year', `${c}/year`],
			['boards', `${c}/boards`],
			['board', `${c}/boards/${board.id}`],
			['map', `${c}/boards/${board.id}/map`],
			['history', `${c}/boards/${board.id}/history`],
			['convening', `${c}/convenings/${convening.id}`],
			['new-convening', `${c}/convenings/new`],
			['edit-convening', `${c}/convenings/${convening.id}/edit`],
			['cohort-settings', `${c}/settings`],
			['settings', '/settings'],
			['invite-signed-in', `/invite/${inviteToken}`]
		);

		// The browser says English: the saved preference wins over it.
		const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
		await skipDeviceCheck(context);
		const login = await context.newPage();
		await signInThroughForm(login, s.url, seeded.facilitatorEmail, DEMO_PASSWORD);
		await login.waitForURL(/\/cohorts\//);
		// The sign-in page was English; the first page after it is in their language.
		await login.waitForSelector('html[lang="es"]');
		await login.close();

		const results = [];
		for (const [name, url] of pages) results.push(await check(context, name, url));
		results.push(
			await check(context, 'live', `${c}/convenings/${convening.id}/live`, async (page) => {
				// In the room, with the breakout form open, so its words are read too.
				await page.getByText('Conectado', { exact: true }).waitFor();
				await page.locator('details.open-round summary').click();
			})
		);
		await context.close();
		expect(results.filter((r) => r.lang !== 'es' || r.untranslated.length)).toEqual([]);
		expect(results).toHaveLength(pages.length + 1);
	});

	it('signed-out pages follow the browser language: sign-in and an invitation', async () => {
		const visitor = await browser.newContext({ locale: 'es-MX' });
		const results = [await check(visitor, 'login', '/login'), await check(visitor, 'invite', `/invite/${inviteToken}`)];
		await visitor.close();
		expect(results).toEqual([
			{ name: 'login', lang: 'es', untranslated: [] },
			{ name: 'invite', lang: 'es', untranslated: [] }
		]);
	});

	it('a member in Singapore chooses Spanish in settings and reads the next convening in it, still at 22:00 in their zone', async () => {
		const context = await browser.newContext({ locale: 'en-US' });
		const page = await context.newPage();
		await signInThroughForm(page, s.url, seeded.memberEmail, DEMO_PASSWORD);
		await page.waitForURL(/\/cohorts\//);
		expect(await page.getAttribute('html', 'lang')).toBe('en');
		await page.goto(`${s.url}/settings`);
		await page.waitForSelector('html[data-ready]');
		await page.getByLabel('Language', { exact: true }).selectOption('es');
		await page.getByRole('button', { name: 'Save' }).click();
		await page.waitForSelector('html[lang="es"]');
		await page.getByRole('heading', { name: 'Tus ajustes' }).waitFor();
		await page.goto(`${s.url}/cohorts/${seeded.cohortId}`);
		const next = await page.getByTestId('next-convening').innerText();
		await context.close();
		const expected = formatDateTime('2026-12-14T14:00:00.000Z', 'Asia/Singapore', 'es-ES');
		expect(expected).toContain('22:00');
		expect(expected).toMatch(/dic/);
		expect(next).toContain(expected);
		expect(next).toContain('Horas en Asia/Singapore (GMT+8).');
	});

	it('people rendering at the same time each get their own language', async () => {
		const ask = (language: string) =>
			fetch(`${s.url}/login`, { headers: { 'accept-language': language } }).then(
				async (r) => /<html lang="(\w+)"/.exec(await r.text())?.[1]
			);
		const wanted = Array.from({ length: 24 }, (_, i) => (i % 2 ? 'es' : 'en'));
		const got = await Promise.all(wanted.map((l) => ask(l === 'es' ? 'es-ES,es;q=0.9' : 'en-GB,en;q=0.9')));
		expect(got).toEqual(wanted);
	});

	it('someone who chooses English in the footer gets English back, with lang="en"', async () => {
		const visitor = await browser.newContext({ locale: 'es-ES' });
		const page = await visitor.newPage();
		await page.goto(`${s.url}/login`);
		await page.waitForSelector('html[data-ready]');
		await page.getByRole('button', { name: 'English' }).click();
		await page.getByRole('heading', { name: 'Sign in' }).waitFor();
		expect(await page.getAttribute('html', 'lang')).toBe('en');
		// The same check that passes the Spanish pages finds the English on this one.
		const found = untranslated(await readPage(page));
		await visitor.close();
		expect(found).toContain("New here? Hearth accounts come from a facilitator's invitation link.");
		expect(found).toContain('Sign in');
	});
});
