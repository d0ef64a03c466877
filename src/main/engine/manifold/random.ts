/** Seeded pseudo-random numbers (mulberry32), so dataset builds and training runs repeat exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * A class-balanced seeded sample of `count` indices: every class gets ⌊count/K⌋ (the remainder
 * goes to the first classes), drawn in a seeded order. Throws when a class has too few samples.
 */
export function balancedSample(
  labels: ArrayLike<number>,
  numClasses: number,
  count: number,
  seed: number,
): number[] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (const i of permutation(labels.length, seed)) {
    const y = labels[i];
    if (y >= 0 && y < numClasses) byClass[y].push(i);
  }
  const base = Math.floor(count / numClasses);
  const picked: number[] = [];
  byClass.forEach((idx, k) => {
    const want = base + (k < count % numClasses ? 1 : 0);
    if (idx.length < want) {
      throw new Error(
        `class ${k} has ${idx.length} samples, ${want} are needed for a balanced sample of ${count}`,
      );
    }
    picked.push(...idx.slice(0, want));
  });
  // Interleave classes in a seeded order so every batch is mixed.
  const order = permutation(picked.length, seed + 1);
  return order.map((i) => picked[i]);
}
