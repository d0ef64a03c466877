/** Class-balanced subsets: the same number of samples from every class, chosen by seed. */
import { shuffled } from './rng';

/**
 * Indices of up to `total` samples spread as evenly as the classes allow: each class gets
 * ⌊total / classes⌋, the remainder goes to the first classes, and a class with too few samples
 * gives all it has (its shortfall is filled from the others). Sorted ascending.
 */
export function balancedSubset(labels: ArrayLike<number>, total: number, seed = 0): number[] {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const pools = classes.map((c, k) => shuffled(byClass.get(c)!, seed + 7919 * k));
  const want = Math.min(total, labels.length);
  const taken = pools.map(() => 0);
  let picked = 0;
  // Round-robin over classes: balanced, and a small class simply runs out.
  while (picked < want) {
    for (let k = 0; k < pools.length && picked < want; k++) {
      if (taken[k] < pools[k].length) {
        taken[k]++;
        picked++;
      }
    }
  }
  return pools.flatMap((p, k) => p.slice(0, taken[k])).sort((a, b) => a - b);
}
