/**
 * Attack registry: family id → factory, and the resolution of suite entries (a preset id or a
 * JSON spec) into a configured attack. Families defined in other files are added to FAMILIES.
 */
import { z } from 'zod';
import type { Attack, AttackOptions, Budget } from './types';
import { Fgsm } from './fgsm';
import { Mia } from './mia';
import { OmFgsm } from './om-fgsm';
import { OmPgd } from './om-pgd';
import { PgdL2, PgdLinf } from './pgd';
import { describeBudget, findPreset, PRESETS } from './presets';
import { ApgdCe, ApgdDlr } from './apgd';
import { ElasticAttack } from './elastic';
import { FogAttack } from './fog';
import { GaborAttack } from './gabor';
import { JpegL1, JpegLinf } from './jpeg';
import { L1FrankWolfe } from './l1-frank-wolfe';
import { SnowAttack } from './snow';
import { APGD_PRESETS, findUnseenPreset, UNSEEN_PRESETS } from './unseen-presets';

export type AttackFactory = (name?: string) => Attack;

const FAMILIES = new Map<string, AttackFactory>([
  ['fgsm', (n) => new Fgsm(n)],
  ['pgd-linf', (n) => new PgdLinf(n)],
  ['pgd-l2', (n) => new PgdL2(n)],
  ['mia', (n) => new Mia(n)],
  ['om-fgsm', (n) => new OmFgsm(n)],
  ['om-pgd', (n) => new OmPgd(n)],
  ['fog', (n) => new FogAttack(n)],
  ['snow', (n) => new SnowAttack(n)],
  ['gabor', (n) => new GaborAttack(n)],
  ['elastic', (n) => new ElasticAttack(n)],
  ['jpeg-linf', (n) => new JpegLinf(n)],
  ['jpeg-l1', (n) => new JpegL1(n)],
  ['l1-fw', (n) => new L1FrankWolfe(n)],
  ['apgd-ce', (n) => new ApgdCe(n)],
  ['apgd-dlr', (n) => new ApgdDlr(n)],
]);

/** Add a family defined elsewhere (throws on a duplicate id, which would be a wiring mistake). */
export function registerAttack(id: string, factory: AttackFactory): void {
  if (FAMILIES.has(id)) throw new Error(`attack family "${id}" is already registered`);
  FAMILIES.set(id, factory);
}

export function attackFamilies(): string[] {
  return [...FAMILIES.keys()];
}

/** An unknown family or preset id, with the list of known ones. */
export class UnknownAttackError extends Error {
  constructor(what: string, id: string, known: string[]) {
    super(`unknown ${what} "${id}"; known: ${known.join(', ')}`);
    this.name = 'UnknownAttackError';
  }
}

export function createAttack(id: string, name?: string): Attack {
  const make = FAMILIES.get(id);
  if (!make) throw new UnknownAttackError('attack', id, attackFamilies());
  return make(name);
}

/** A suite entry written in JSON. Budgets in [0,1] pixel units (image) or latent units. */
export const attackSpecSchema = z
  .object({
    attack: z.string().min(1),
    name: z.string().min(1).optional(),
    eps: z.number().finite().nonnegative(),
    stepSize: z.number().finite().positive().optional(),
    steps: z.number().int().positive().optional(),
    randomStart: z.boolean().optional(),
    seed: z.number().int().optional(),
  })
  .catchall(z.unknown());
export type AttackSpec = z.infer<typeof attackSpecSchema>;

/** An attack with its budget and options, ready for an audit or a training step. */
export interface ConfiguredAttack {
  attack: Attack;
  name: string;
  budget: Budget;
  options: AttackOptions;
  /** Human-readable budget with units, e.g. "ε = 4/255 ≈ 0.0157 [0,1] px, α = …, 50 steps". */
  description: string;
}

/**
 * Resolve a suite entry: a preset id ("pgd-50") or a spec object. `inputShape` ([H, W, C]) is
 * needed for presets whose budget is a total over the image (L2).
 */
export function configureAttack(
  entry: string | AttackSpec,
  inputShape: readonly number[],
): ConfiguredAttack {
  if (typeof entry === 'string') {
    const preset = findPreset(entry) ?? findUnseenPreset(entry);
    if (!preset)
      throw new UnknownAttackError(
        'attack preset',
        entry,
        [...PRESETS, ...UNSEEN_PRESETS, ...APGD_PRESETS].map((p) => p.id),
      );
    const attack = createAttack(preset.attackId, preset.name);
    const budget = preset.budgetFor(inputShape);
    return {
      attack,
      name: preset.name,
      budget,
      options: { ...preset.options },
      description: describeBudget(attack.unit, budget, preset.options),
    };
  }
  const spec = attackSpecSchema.parse(entry);
  const { attack: id, name, eps, stepSize, steps, ...options } = spec;
  const attack = createAttack(id, name);
  const budget: Budget = { eps, stepSize, steps };
  return {
    attack,
    name: attack.name,
    budget,
    options,
    description: describeBudget(attack.unit, budget, options),
  };
}
