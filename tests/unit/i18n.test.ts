import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The message catalogues (web/lib/i18n/messages/<locale>.json) and the source that uses them. */
const root = join(import.meta.dirname, '../..');
const settings = JSON.parse(readFileSync(join(root, 'project.inlang/settings.json'), 'utf8')) as { baseLocale: string; locales: string[] };
const catalogue = (locale: string): Record<string, string> => {
	const { $schema: _schema, ...messages } = JSON.parse(readFileSync(join(root, `web/lib/i18n/messages/${locale}.json`), 'utf8'));
	return messages;
};
const params = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((p) => p[1]).sort();

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (name === 'paraglide' || name === 'node_modules') return [];
		if (statSync(path).isDirectory()) return sourceFiles(path);
		return /\.(svelte|ts)$/.test(name) ? [path] : [];
	});
}

describe('message catalogues', () => {
	const base = catalogue(settings.baseLocale);
	const others = settings.locales.filter((l) => l !== settings.baseLocale);

	it('has English and at least one more language', () => {
		expect(settings.baseLocale).toBe('en');
		expect(others.length).toBeGreaterThan(0);
		expect(Object.keys(base).length).toBeGreaterThan(100);
	});

	for (const locale of others) {
		it(`${locale} has every key of English, with the same parameters, and nothing else`, () => {
			const translated = catalogue(locale);
			const missing = Object.keys(base).filter((k) => !(k in translated));
			const extra = Object.keys(translated).filter((k) => !(k in base));
			const empty = Object.keys(translated).filter((k) => !translated[k]?.trim());
			const wrongParams = Object.keys(base)
				.filter((k) => k in translated && params(base[k]!).join() !== params(translated[k]!).join())
				.map((k) => `${k}: en {${params(base[k]!).join(', ')}} vs ${locale} {${params(translated[k]!).join(', ')}}`);
			expect({ missing, extra, empty, wrongParams }).toEqual({ missing: [], extra: [], empty: [], wrongParams: [] });
		});
	}

	it('every message the UI calls exists in the catalogue', () => {
		const used = new Set<string>();
		for (const file of [...sourceFiles(join(root, 'web')), ...sourceFiles(join(root, 'shared'))]) {
			for (const call of readFileSync(file, 'utf8').matchAll(/\bm\.([a-z][a-z0-9_]*)\b/g)) {
				// `m.` is also a common variable name in server code; message keys all have an underscore.
				if (call[1]!.includes('_')) used.add(call[1]!);
			}
		}
		expect(used.size).toBeGreaterThan(100);
		expect([...used].filter((k) => !(k in base))).toEqual([]);
	});
});
