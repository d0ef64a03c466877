/**
 * Deterministic seeds for the tfjs random ops an attack uses. One user seed fans out into
 * independent streams (random start, random parameters, …) so that the same seed always gives
 * the same adversarial batch.
 */

/** Default seed when the caller gives none: attacks are reproducible by default. */
export const DEFAULT_SEED = 0;

/** A 32-bit seed for stream `stream` of user seed `seed` (splitmix-style mixing). */
export function deriveSeed(seed: number, stream: number): number {
  let z = (Math.imul(seed | 0, 0x9e3779b9) + Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
