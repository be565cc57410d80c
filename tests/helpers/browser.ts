/** Debian's Chromium driven by playwright-core (no browser download), with the flags this machine needs. */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './server.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/** With `media`, Chromium fakes a camera and microphone and lets peers on loopback connect. */
export async function launchBrowser(opts: { media?: boolean } = {}): Promise<Browser> {
	if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
	return chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			...(opts.media ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection'] : [])
		]
	});
}

export function artifactPath(name: string): string {
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	return path.join(ARTIFACTS, name);
}

/**
 * Signs in through the real form, the way a person does, and leaves the page on its way to `next`
 * (callers wait for the URL they expect). Types only once the page is live: hydration would
 * otherwise reset what was typed.
 */
export async function signInThroughForm(page: Page, baseUrl: string, email: string, password: string, next?: string): Promise<void> {
	await page.goto(`${baseUrl}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
	await page.waitForSelector('html[data-ready]');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * This browser has been through the live room's device check before (a returning person), and
 * chose camera and microphone off: the room opens without the check, and asks for nothing until
 * "Turn on camera and microphone". Tests about something else than the newcomer's path start here.
 */
export async function skipDeviceCheck(context: BrowserContext): Promise<void> {
	const choice = { camera: false, microphone: false, videoDeviceId: null, audioDeviceId: null };
	await context.addInitScript((c) => {
		try {
			localStorage.setItem('hearth:devices', JSON.stringify(c));
		} catch {
			// about:blank and other opaque origins have no storage; Hearth's pages do.
		}
	}, choice);
}
