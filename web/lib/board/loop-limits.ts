/** How many loops the editor lists and counts; plain constants so the benchmark (in Node) can read them too. */

/** The UI shows at most this many loops, with "and N more" (dense maps have hundreds). */
export const LOOP_LIMIT = 60;
/** Loops are counted up to this many for "and N more"; beyond it the UI says "more than". */
export const LOOP_COUNT_CAP = 10_000;
