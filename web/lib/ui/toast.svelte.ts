/**
 * Transient notices ("Saved.", "Could not import that file") shown by the one <Toaster> in the root
 * layout, whose list is a polite live region: screen readers read each new toast once, without
 * interrupting. Successes leave by themselves; errors stay until dismissed, so nobody has to read
 * against a clock (WCAG 2.2.1).
 */
export type ToastKind = 'ok' | 'error' | 'info';

export interface Toast {
	id: number;
	kind: ToastKind;
	text: string;
}

const LINGER_MS = 6000;

class Toaster {
	items = $state<Toast[]>([]);
	#next = 1;
	#timers = new Map<number, ReturnType<typeof setTimeout>>();

	show(text: string, kind: ToastKind = 'info', lingerMs: number | null = kind === 'error' ? null : LINGER_MS): number {
		const id = this.#next++;
		// The same words twice in a row (a repeated failure) replace the old toast instead of stacking.
		for (const t of this.items) if (t.text === text) this.dismiss(t.id);
		this.items.push({ id, kind, text });
		if (lingerMs !== null)
			this.#timers.set(
				id,
				setTimeout(() => this.dismiss(id), lingerMs)
			);
		return id;
	}

	ok = (text: string) => this.show(text, 'ok');
	error = (text: string) => this.show(text, 'error');
	info = (text: string) => this.show(text, 'info');

	dismiss(id: number): void {
		clearTimeout(this.#timers.get(id));
		this.#timers.delete(id);
		this.items = this.items.filter((t) => t.id !== id);
	}
}

/** The page's toaster (one per browser tab; never used during server rendering). */
export const toasts = new Toaster();
