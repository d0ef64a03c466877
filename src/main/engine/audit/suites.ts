/**
 * Attack suites as data. A suite is a list of attack presets (optionally with budgets
 * overridden) plus optional strength sweeps. Built-in suites live in BUILTIN_SUITES; users may
 * give a JSON file of the same shape, checked with zod so every mistake names the file and the
 * field.
 */
import { parseJsonText, readTextCapped } from '../files/json-text';
import { FILE_LIMITS } from '../files/limits';
import type {
  AttackFamily,
  AttackPresetInfo,
  SuiteDefinition,
  SuiteInfo,
  SweepSpec,
} from '../../../shared/api';
import { describeZodError, suiteDefinitionSchema } from '../../../shared/api-schemas';
import { createAttack } from '../attacks/registry';
import {
  findPreset as findSeenPreset,
  PRESETS as SEEN_PRESETS,
  type AttackPreset,
} from '../attacks/presets';
import {
  APGD_PRESETS,
  findUnseenPreset,
  PAPER_UNSEEN_COLUMNS,
  RELIABLE_SUITE,
  scalingNote,
  UNSEEN_PRESETS,
} from '../attacks/unseen-presets';
import type { Attack, AttackOptions, Budget } from '../attacks/types';
import { strongerSetting } from './convergence';

/** Every preset: the seen attacks, the unseen attacks and APGD. */
const PRESETS: readonly AttackPreset[] = [...SEEN_PRESETS, ...UNSEEN_PRESETS, ...APGD_PRESETS];
const findPreset = (id: string) => findSeenPreset(id) ?? findUnseenPreset(id);

/**
 * Each preset followed by its convergence check's stronger setting (twice the steps, restarts
 * for randomised attacks) as a column of its own, so the suite's worst case includes it and the
 * convergence check compares the two columns on every sample.
 */
function withStrongerSettings(ids: readonly string[]): SuiteDefinition['attacks'] {
  return ids.flatMap((id) => {
    const preset = findPreset(id);
    if (!preset) throw new Error(`built-in suite names an unknown preset "${id}"`);
    const attack = createAttack(preset.attackId, preset.name);
    // Steps and options do not depend on the image size.
    const s = strongerSetting({
      attack,
      budget: preset.budgetFor([28, 28, 1]),
      options: { ...preset.options },
    });
    if (!s) return [{ preset: id }];
    const runs = s.restarts > 1 ? ` × ${s.restarts} restarts` : '';
    return [
      { preset: id },
      {
        preset: id,
        steps: s.steps,
        ...(s.restarts > 1 ? { options: { restarts: s.restarts } } : {}),
        label: `${preset.name} · ${s.steps} steps${runs}`,
      },
    ];
  });
}

/** The suites shipped with the product. */
export const BUILTIN_SUITES: Record<string, SuiteDefinition> = {
  quick: {
    name: 'quick',
    description:
      'A fast first look: FGSM (plain, no random start), PGD-5 and OM-PGD-5 at the paper budgets (ε = 4/255 [0,1] px, η = 0.02 latent; a dataset with a threat model scales them to its own), and a PGD-5 sweep from 0 to 1.5 times the budget.',
    attacks: [{ preset: 'fgsm' }, { preset: 'pgd-5' }, { preset: 'om-pgd-5' }],
    sweeps: [{ preset: 'pgd-5', eps: [0, 1 / 255, 2 / 255, 4 / 255, 6 / 255] }],
  },
  paper: {
    name: 'paper',
    description:
      "The columns of the paper's Tables 1–2: FGSM in both variants (plain, as the paper's eq. 2, and FGSM-RS with the random start of the DMAT code), PGD-50, MIA and OM-PGD-50 at the paper budgets, then the unseen attacks Fog, Snow, Elastic, Gabor, JPEG, L2 and L1 at the DMAT settings (Gabor as advex-uar's code runs it), with the per-sample worst case over all of them.",
    attacks: [
      { preset: 'fgsm' },
      { preset: 'fgsm-rs' },
      { preset: 'pgd-50' },
      { preset: 'mia-50' },
      { preset: 'om-pgd-50' },
      ...PAPER_UNSEEN_COLUMNS.map((preset) => ({ preset })),
    ],
  },
  reliable: {
    name: 'reliable',
    description:
      "A trustworthy L∞ evaluation at ε = 4/255 [0,1] px: APGD-CE and APGD-DLR (AutoAttack, 100 steps) with the paper's PGD-50 and MIA, each also at its convergence check's stronger setting (twice the steps, 3 restarts where the attack is random), with the per-sample worst case over all of them.",
    attacks: withStrongerSettings(RELIABLE_SUITE),
  },
};

/** A suite that cannot be used: the message names the file (if any) and the field. */
export class SuiteError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SuiteError';
  }
}

const SEEN_FAMILIES = new Set(['fgsm', 'pgd-linf', 'pgd-l2', 'mia', 'om-fgsm', 'om-pgd']);

export function familyOf(attackId: string): AttackFamily {
  if (SEEN_FAMILIES.has(attackId)) return 'seen';
  if (attackId.startsWith('apgd')) return 'autoattack';
  if (attackId.startsWith('noise') || attackId.startsWith('random')) return 'baseline';
  return 'unseen';
}

/** One attack of a suite, resolved against the preset table and the image shape. */
export interface ResolvedSuiteAttack {
  /** Column label, unique within the suite. */
  key: string;
  preset: AttackPreset;
  attack: Attack;
  budget: Budget;
  options: AttackOptions;
  info: AttackPresetInfo;
}

export interface ResolvedSuite {
  definition: SuiteDefinition;
  attacks: ResolvedSuiteAttack[];
  sweeps: ResolvedSweep[];
}

function presetInfo(
  preset: AttackPreset,
  attack: Attack,
  budget: Budget,
  options: AttackOptions,
  inputShape: readonly number[] = [28, 28, 1],
): AttackPresetInfo {
  const scaling =
    scalingNote(preset.id, inputShape) ??
    (preset.budgetFor([28, 28, 1]).eps !== preset.budgetFor([32, 32, 3]).eps
      ? 'total budget scaled with the number of pixel values'
      : undefined);
  const plainOptions: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(options)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      plainOptions[k] = v;
  }
  return {
    id: preset.id,
    attackId: preset.attackId,
    name: preset.name,
    family: familyOf(preset.attackId),
    space: attack.space,
    budget: {
      eps: budget.eps,
      stepSize: budget.stepSize,
      steps: budget.steps,
      unit: attack.unit,
      norm: attack.norm,
      ...(scaling ? { scaling } : {}),
    },
    options: plainOptions,
    description: `${preset.name}: ${attack.space === 'latent' ? 'latent-space' : 'image-space'} ${attack.norm} attack`,
  };
}

/** Every preset, described for images of `inputShape` (budgets that are totals depend on it). */
export function listPresets(inputShape: readonly number[] = [28, 28, 1]): AttackPresetInfo[] {
  return PRESETS.map((p) => {
    const attack = createAttack(p.attackId, p.name);
    return presetInfo(p, attack, p.budgetFor(inputShape), { ...p.options }, inputShape);
  });
}

export interface ResolvedSweep extends SweepSpec {
  /** The preset at its default budget; each sweep point overrides eps (step size scaled along). */
  base: ResolvedSuiteAttack;
}

function resolveEntry(
  spec: SuiteDefinition['attacks'][number],
  field: string,
  inputShape: readonly number[],
  source: string,
): ResolvedSuiteAttack {
  const preset = findPreset(spec.preset);
  if (!preset) {
    const known = PRESETS.map((p) => p.id).join(', ');
    throw new SuiteError(
      `${source}: ${field}.preset: unknown attack preset "${spec.preset}"; known: ${known}`,
      source,
      `${field}.preset`,
    );
  }
  const key = spec.label ?? preset.name;
  const attack = createAttack(preset.attackId, key);
  const base = preset.budgetFor(inputShape);
  const budget: Budget = {
    eps: spec.eps ?? base.eps,
    stepSize: spec.stepSize ?? base.stepSize,
    steps: spec.steps ?? base.steps,
  };
  const options: AttackOptions = { ...preset.options, ...(spec.options ?? {}) };
  const info = presetInfo(preset, attack, budget, options, inputShape);
  return { key, preset, attack, budget, options, info: { ...info, name: key } };
}

/**
 * Resolve a checked suite definition for images of `inputShape`. `source` names where the suite
 * came from (a file path or "suite") in errors.
 */
export function resolveSuite(
  definition: SuiteDefinition,
  inputShape: readonly number[],
  source = 'suite',
): ResolvedSuite {
  const attacks = definition.attacks.map((spec, i) =>
    resolveEntry(spec, `attacks.${i}`, inputShape, source),
  );
  const sweeps = (definition.sweeps ?? []).map((s, i) => ({
    ...s,
    base: resolveEntry({ preset: s.preset }, `sweeps.${i}`, inputShape, source),
  }));
  return { definition, attacks, sweeps };
}

/** Check untrusted suite data (parsed JSON) and return it typed; `source` names it in errors. */
export function parseSuite(data: unknown, source: string): SuiteDefinition {
  const parsed = suiteDefinitionSchema.safeParse(data);
  if (!parsed.success) {
    const { message, field } = describeZodError(parsed.error);
    throw new SuiteError(`${source}: ${message}`, source, field);
  }
  return parsed.data;
}

export async function readSuiteFile(file: string): Promise<SuiteDefinition> {
  const read = await readTextCapped(file, FILE_LIMITS.suiteBytes, 'a suite file');
  if (!read.ok) throw new SuiteError(`${file}: cannot read the suite file (${read.problem})`, file);
  const json = parseJsonText(read.text);
  if (!json.ok) throw new SuiteError(`${file}: ${json.problem}`, file);
  return parseSuite(json.value, file);
}

/**
 * A suite named on the command line or in the API: a built-in name, a definition, or a path to
 * a JSON file (anything ending in .json or containing a path separator).
 */
export async function loadSuite(ref: string | SuiteDefinition): Promise<SuiteDefinition> {
  if (typeof ref !== 'string') return parseSuite(ref, 'suite');
  const builtin = BUILTIN_SUITES[ref];
  if (builtin) return builtin;
  if (ref.endsWith('.json') || ref.includes('/') || ref.includes('\\')) return readSuiteFile(ref);
  throw new SuiteError(
    `unknown suite "${ref}"; use one of ${Object.keys(BUILTIN_SUITES).join(', ')} or a path to a JSON suite file`,
    ref,
  );
}

export function describeSuite(s: ResolvedSuite, builtin: boolean): SuiteInfo {
  return {
    name: s.definition.name,
    description: s.definition.description ?? '',
    builtin,
    attacks: s.definition.attacks.map((spec, i) => ({ ...spec, resolved: s.attacks[i].info })),
    sweeps: s.sweeps.map(({ preset, eps }) => ({ preset, eps })),
  };
}
