/** The shapes board forms send back, shared by the actions and the pages that show them. */
export type BoardForm = 'create' | 'rename' | 'policy' | 'archive' | 'unarchive';

/** What a failed board form sends back, so the page can show it in place with what was typed. */
export type BoardFormValues = {
	form: BoardForm;
	/** Empty for `create`. */
	boardId: string;
	title?: string;
	writePolicy?: string;
	conveningId?: string;
	template?: string;
};

/** A failed board form as a page reads it. */
export interface BoardFailure {
	message: string;
	fields: Record<string, string>;
	values: BoardFormValues;
}
