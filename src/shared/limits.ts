/**
 * Caps on what one request may ask for, shared by the API's schemas, the CLI and the forms so all
 * three refuse the same thing with the same words. Each cap is far above what the reference
 * settings need and low enough that a typo (1e9 steps) is refused instead of running for days.
 */
export const LIMITS = {
  /** Steps of one attack: 50× the unseen attacks' reference 200 steps, 100× AutoAttack's 100. */
  stepsPerAttack: 10_000,
  /** Restarts of one attack (AutoAttack's strongest standard setting uses 5). */
  restarts: 100,
  /** Attacks in one suite (the paper's tables have 11 columns). */
  attacksPerSuite: 64,
  /** Strength sweeps in one suite, and budgets in one sweep. */
  sweepsPerSuite: 16,
  budgetsPerSweep: 32,
  /** Samples in one audit (ImageNet's validation split is 50,000). */
  samples: 1_000_000,
  /** Training epochs (the paper trains 20). */
  epochs: 1000,
  /** Images in one batch. */
  batchSize: 4096,
  /**
   * Image-gradient evaluations in one audit (samples × the steps and restarts of every attack and
   * sweep point): 10,000 images through the full paper suite need about 25 million.
   */
  auditGradientEvaluations: 2_000_000_000,
  /** Text fields: names, labels, descriptions, option values. */
  nameLength: 120,
  descriptionLength: 4000,
} as const;

export const formatCount = (n: number) => Math.round(n).toLocaleString('en-US');
