/**
 * Sanity flags shown beside the attack they name (CLI table, audit screen, PDF): one short
 * phrase per warning or error, e.g. "not converged: −2.6 pts with 100 steps × 3 restarts".
 */
import type { SanityFlag } from './api';

function humanise(id: string): string {
  return id.replace(/[-_]+/g, ' ').trim().toLowerCase();
}

export function attackNotes(
  flags: readonly SanityFlag[],
  attackKey: string,
  titles: Record<string, string> = {},
): string[] {
  return flags
    .filter((f) => f.attackKey === attackKey && f.severity !== 'info')
    .map((f) => {
      const d = f.details;
      if (f.check === 'attack-not-converged' && typeof d.dropPoints === 'number') {
        const runs =
          typeof d.restarts === 'number' && d.restarts > 1 ? ` × ${d.restarts} restarts` : '';
        return `not converged: −${d.dropPoints.toFixed(1)} pts with ${d.steps} steps${runs}`;
      }
      return (titles[f.check] ?? humanise(f.check)).toLowerCase();
    });
}
