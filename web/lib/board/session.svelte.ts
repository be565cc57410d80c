/**
 * A board open in the browser: the Y.Doc synced by the stock y-websocket provider (the session
 * cookie authenticates it), the typed BoardDoc over it, awareness (names, colours, cursors,
 * selections), per-user undo (only this session's own changes), and the map's loops, numbered
 * stably as the map changes.
 */
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { BoardDoc, type BoardElement, type Link, type Variable } from '$shared/board-doc.ts';
import { numberLoops, readLoop, type TracedLoop } from '$shared/loops.ts';
import { LoopFinder, type LoopResponse } from './loop-finder';

/** What a press on the empty canvas does. */
export type Tool = 'select' | 'note' | 'text' | 'frame' | 'ink';

export type BoardStatus = 'connecting' | 'synced' | 'reconnecting' | 'closed';

export interface Presence {
	clientId: number;
	name: string;
	color: string;
	cursor: { x: number; y: number } | null;
	selection: string[];
	viewport: { x: number; y: number; scale: number } | null;
}

export interface ShownLoop {
	key: string;
	label: string;
	type: 'R' | 'B' | 'U';
	delayed: boolean;
	reading: string;
	linkIds: string[];
	variableIds: string[];
}

import { LOOP_COUNT_CAP, LOOP_LIMIT } from './loop-limits';
import { m } from '$lib/i18n';
import { loopWords } from '$lib/i18n/loop-words';

export { LOOP_COUNT_CAP, LOOP_LIMIT };
/** A burst of edits (a drag, a remote paste) costs one loop search per this many milliseconds. */
const LOOP_SEARCH_DELAY_MS = 120;

const CLOSE_REASONS: Record<number, string> = {
	4401: 'Your sign-in has ended. Please sign in again.',
	4403: 'Your access to this board was withdrawn.',
	4404: 'This board does not exist, or is not shared with you.'
};

export class BoardSession {
	status = $state<BoardStatus>('connecting');
	closedReason = $state<string | null>(null);
	elements = $state.raw<BoardElement[]>([]);
	loops = $state.raw<ShownLoop[]>([]);
	/** Loops beyond the ones shown: exact, or at least this many when `moreLoopsCapped`. */
	moreLoops = $state(0);
	moreLoopsCapped = $state(false);
	/** How long the last loop search took, and whether in a worker (for the benchmark and curious facilitators). */
	loopSearch = $state.raw<{ ms: number; inWorker: boolean } | null>(null);
	others = $state.raw<Presence[]>([]);
	canUndo = $state(false);
	canRedo = $state(false);

	readonly doc = new Y.Doc();
	readonly board: BoardDoc;
	/** This session's edits carry this origin: the undo manager tracks exactly them. */
	readonly origin = { session: true };
	#provider: WebsocketProvider | undefined;
	#undo: Y.UndoManager;
	// The last numbering (loop key → label), only read to keep labels stable; never rendered.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#numbering = new Map<string, string>();
	#initialised = false;
	#finder: LoopFinder;
	#found: TracedLoop[] = [];
	#labelsSeen = '';

	constructor(
		readonly boardId: string,
		readonly me: { name: string; color: string },
		readonly canWrite: boolean
	) {
		this.board = new BoardDoc(this.doc, { origin: this.origin });
		this.#undo = this.board.createUndoManager(this.origin, { captureTimeout: 400 });
		const refreshUndo = () => {
			this.canUndo = this.#undo.undoStack.length > 0;
			this.canRedo = this.#undo.redoStack.length > 0;
		};
		this.#undo.on('stack-item-added', refreshUndo);
		this.#undo.on('stack-item-popped', refreshUndo);
		this.#finder = new LoopFinder(
			() => this.board.toGraph(),
			(result) => this.#loopsFound(result),
			{ limit: LOOP_LIMIT, countUpTo: LOOP_COUNT_CAP, delayMs: LOOP_SEARCH_DELAY_MS }
		);
		this.board.observe(() => this.#refresh());
	}

	variables = $derived(this.elements.filter((e): e is Variable => e.kind === 'variable'));
	links = $derived(this.elements.filter((e): e is Link => e.kind === 'link'));

	connect(): () => void {
		const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/yjs`;
		const provider = new WebsocketProvider(url, this.boardId, this.doc, { disableBc: true });
		this.#provider = provider;
		provider.awareness.setLocalStateField('user', this.me);
		// What was set before the connection existed (the editor mounts first).
		for (const [key, value] of this.#pendingAwareness) provider.awareness.setLocalStateField(key, value);
		this.#pendingAwareness.clear();
		provider.on('sync', (synced: boolean) => {
			if (!synced) return;
			this.status = 'synced';
			// Only after the first sync: an empty local copy is not an empty board.
			if (!this.#initialised && this.canWrite) {
				this.#initialised = true;
				this.board.init('init');
			}
			this.#refresh();
		});
		provider.on('status', ({ status }: { status: string }) => {
			if (status === 'disconnected' && this.status !== 'closed') this.status = 'reconnecting';
			if (status === 'connected' && this.status === 'reconnecting') this.status = provider.synced ? 'synced' : 'connecting';
		});
		provider.on('closed', ({ code }: { code: number }) => {
			this.status = 'closed';
			this.closedReason = CLOSE_REASONS[code] ?? 'The board closed the connection.';
		});
		const onAwareness = () => {
			const out: Presence[] = [];
			for (const [clientId, state] of provider.awareness.getStates()) {
				if (clientId === this.doc.clientID) continue;
				const s = state as {
					user?: { name?: string; color?: string };
					cursor?: Presence['cursor'];
					selection?: string[];
					viewport?: Presence['viewport'];
				};
				if (!s.user?.name) continue;
				out.push({
					clientId,
					name: s.user.name,
					color: s.user.color ?? '#b5532c',
					cursor: s.cursor ?? null,
					selection: Array.isArray(s.selection) ? s.selection : [],
					viewport: s.viewport ?? null
				});
			}
			this.others = out;
		};
		provider.awareness.on('change', onAwareness);
		return () => {
			provider.awareness.off('change', onAwareness);
			provider.destroy();
			this.#finder.destroy();
			this.#undo.destroy();
			this.doc.destroy();
		};
	}

	#refresh(): void {
		this.elements = this.board.elements();
		this.#finder.changed();
		// Renaming a variable changes no loop, only how loops read: re-read them now rather than search again.
		const labels = this.variables.map((v) => `${v.id}\u0000${v.label}`).join('\u0001');
		if (labels !== this.#labelsSeen) {
			this.#labelsSeen = labels;
			this.#showLoops();
		}
	}

	#loopsFound(result: LoopResponse): void {
		// Answers arrive in the order the map changed (the finder drops stale ones), so numbering only moves forward.
		this.#numbering = numberLoops(this.#numbering, result.loops);
		this.#found = result.loops;
		this.moreLoops = result.total - result.loops.length;
		this.moreLoopsCapped = result.countCapped;
		this.loopSearch = { ms: result.ms, inWorker: this.#finder.inWorker };
		this.#showLoops();
	}

	#showLoops(): void {
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup
		const labels = new Map(this.variables.map((v) => [v.id, v.label || m.tv_untitled()]));
		const words = loopWords();
		this.loops = this.#found
			.map((loop: TracedLoop) => ({
				key: loop.key,
				label: this.#numbering.get(loop.key) ?? '?',
				type: loop.type,
				delayed: loop.delayed,
				reading: readLoop(loop, labels, words),
				linkIds: loop.links.map((l) => l.id ?? '').filter(Boolean),
				variableIds: [...loop.nodes]
			}))
			.sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }));
	}

	// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a queue, never rendered
	#pendingAwareness = new Map<string, unknown>();
	#aware(key: string, value: unknown): void {
		if (this.#provider) this.#provider.awareness.setLocalStateField(key, value);
		else this.#pendingAwareness.set(key, value);
	}
	setCursor(cursor: { x: number; y: number } | null): void {
		this.#aware('cursor', cursor);
	}
	setSelection(ids: string[]): void {
		this.#aware('selection', ids);
	}
	setViewport(viewport: Presence['viewport']): void {
		this.#aware('viewport', viewport);
	}

	undo(): void {
		this.#undo.undo();
	}
	redo(): void {
		this.#undo.redo();
	}
	/** Ends the current undo step, so the next edit is undone separately. */
	stopCapturing(): void {
		this.#undo.stopCapturing();
	}

	#captureTimeout: number | null = null;
	/**
	 * A gesture (a drag of the selection) writes many transactions, so others see it move live; between beginGesture and
	 * endGesture they all join one undo step however long the pointer pauses.
	 */
	beginGesture(): void {
		this.#undo.stopCapturing();
		this.#captureTimeout ??= this.#undo.captureTimeout;
		this.#undo.captureTimeout = Number.POSITIVE_INFINITY;
	}
	endGesture(): void {
		if (this.#captureTimeout !== null) this.#undo.captureTimeout = this.#captureTimeout;
		this.#captureTimeout = null;
		this.#undo.stopCapturing();
	}
}
