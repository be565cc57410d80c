/**
 * Client start-up, before any page runs.
 *
 * [SEC1] zod compiles faster object parsers with `new Function` after probing whether eval works;
 * under the page's Content-Security-Policy (no 'unsafe-eval') that probe is a policy violation on
 * every page load. Parsing without the compiled parsers gives the same results.
 */
import { z } from 'zod';

z.config({ jitless: true });
