/** Stored attack results → report rows, with what the presets say about units and settings. */
import type { AttackResultInfo, SanityFlag, SuiteDefinition } from '../../../../shared/api';
import { attackNotes } from './sanity';
import { findPreset as findSeenPreset, type AttackPreset } from '../../attacks/presets';
import { findUnseenPreset } from '../../attacks/unseen-presets';
import type { ReportAttackResult } from '../types';

const findPreset = (id: string): AttackPreset | undefined =>
  findSeenPreset(id) ?? findUnseenPreset(id);

/** A preset's extra descriptions (unseen presets carry them), read without assuming the type. */
function presetText(id: string, field: 'unitLabel' | 'referenceNote'): string | undefined {
  const preset = findPreset(id) as (AttackPreset & Record<string, unknown>) | undefined;
  const value = preset?.[field];
  return typeof value === 'string' ? value : undefined;
}

function randomStartOf(suite: SuiteDefinition, a: AttackResultInfo): boolean | undefined {
  const stored = a.options?.randomStart;
  if (typeof stored === 'boolean') return stored;
  const spec = suite.attacks.find((s) => (s.label ?? findPreset(s.preset)?.name) === a.key);
  const option = spec?.options?.randomStart ?? findPreset(a.preset)?.options.randomStart;
  return typeof option === 'boolean' ? option : undefined;
}

/** Every attack counts in the stored worst case (the audit combines all of its attacks). */
export function attacksOf(
  suite: SuiteDefinition,
  attacks: AttackResultInfo[],
  flags: readonly SanityFlag[] = [],
): ReportAttackResult[] {
  return attacks.map((a) => ({
    id: a.key,
    name: a.name,
    space: a.space,
    norm: a.budget.norm,
    unit: a.budget.unit,
    eps: a.budget.eps,
    stepSize: a.budget.stepSize,
    steps: a.budget.steps,
    randomStart: randomStartOf(suite, a),
    restarts: typeof a.options?.restarts === 'number' ? a.options.restarts : undefined,
    seen: a.family === 'seen',
    inWorstCase: true,
    correct: a.correct,
    total: a.total,
    accuracy: a.accuracy,
    timeMs: a.timeMs,
    budgetNote: a.budget.scaling,
    unitDetail: presetText(a.preset, 'unitLabel'),
    referenceNote: presetText(a.preset, 'referenceNote'),
    notes: attackNotes(flags, a.key),
  }));
}
