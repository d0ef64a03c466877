/**
 * The page runs under script-src 'self', without eval. Zod compiles its object parsers with
 * `new Function` unless told not to, and probes for it when a schema is built (at import):
 * the CSP blocks the probe and reports a violation. main.ts imports this module first, before
 * anything that builds a schema.
 */
import { config } from 'zod';

config({ jitless: true });
