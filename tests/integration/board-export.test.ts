/** Board exports over HTTP: the stored board, through the same functions the map page uses. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { BoardDoc } from '../../shared/board-doc.ts';
import { EXPORT_FORMATS, exportBoard, type ExportFormat } from '../../shared/board-formats.ts';
import type { Board } from '../../server/boards/boards.store.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { location, Visitor } from '../helpers/http.ts';
import { makeWorld, PASSWORD, type World } from '../helpers/world.ts';

describe('board export endpoint', () => {
	let s: TestServer;
	let w: World;
	let board: Board;
	let member: Visitor;

	beforeAll(async () => {
		s = await startTestServer();
		w = await makeWorld(s.hearth);
		board = await s.hearth.boards.create(w.users.facilitator, w.cohortA, {
			title: 'Fixes that fail',
			template: 'archetype-fixes-that-fail'
		});
		member = new Visitor(s.url);
		await member.signIn('mel@example.org', PASSWORD);
	});
	afterAll(() => s.stop());

	const path = (format: string) => `/cohorts/${w.cohortA}/boards/${board.id}/export/${format}`;

	it.each(Object.keys(EXPORT_FORMATS) as ExportFormat[])('serves %s exactly as the map page makes it', async (format) => {
		const res = await member.get(path(format));
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain(EXPORT_FORMATS[format].type);
		expect(res.headers.get('content-disposition')).toBe(`attachment; filename="fixes-that-fail.${EXPORT_FORMATS[format].ext}"`);
		const doc = new Y.Doc();
		for (const u of await s.hearth.boards.store.updatesAfter(board.id, 0)) Y.applyUpdate(doc, u.data);
		expect(await res.text()).toBe(exportBoard(new BoardDoc(doc), format, 'Fixes that fail'));
	});

	it('includes what is in the snapshot and after it', async () => {
		const doc = new Y.Doc();
		for (const u of await s.hearth.boards.store.updatesAfter(board.id, 0)) Y.applyUpdate(doc, u.data);
		await s.hearth.boards.store.saveSnapshot(board.id, Y.encodeStateAsUpdate(doc), 1, new Date().toISOString());
		const more = new BoardDoc(doc);
		const before = Y.encodeStateVector(doc);
		more.addVariable({ label: 'Added after the snapshot', x: 900, y: 900 });
		await s.hearth.boards.store.append(board.id, [
			{ data: Y.encodeStateAsUpdate(doc, before), userId: null, createdAt: new Date().toISOString() }
		]);
		const json = JSON.parse(await (await member.get(path('json'))).text()) as { elements: { kind: string; label?: string }[] };
		expect(json.elements.filter((e) => e.kind === 'variable').map((e) => e.label)).toContain('Added after the snapshot');
		expect(json.elements.filter((e) => e.kind === 'variable').length).toBeGreaterThan(3);
	});

	it('refuses other cohorts, unknown formats and anonymous visitors', async () => {
		const outsider = new Visitor(s.url);
		await outsider.signIn('oda@example.org', PASSWORD);
		expect((await outsider.get(path('svg'))).status).toBe(404);
		expect((await member.get(path('exe'))).status).toBe(404);
		const anon = await new Visitor(s.url).get(path('svg'));
		expect(anon.status).toBe(303);
		expect(location(anon)).toMatch(/^\/login/);
	});
});
