/**
 * The data's own threat model. The built-in suites are written at the paper's budgets
 * (ε = 4/255 [0,1] px, η = 0.02 latent): ImageNet and StyleGAN-W+ numbers under which a 28×28
 * classifier barely moves. A dataset whose manifest has a `threatModel` names the budgets that
 * fit its scale; a built-in suite run on it takes them (steps and sweeps scaled in proportion),
 * unless the caller asks for the preset budgets. User suites always run as written.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SuiteDefinition } from '../../../shared/api';
import { createAttack } from '../attacks/registry';
import { findPreset as findSeenPreset } from '../attacks/presets';
import { findUnseenPreset } from '../attacks/unseen-presets';
import { familyOf } from './suites';

export interface DatasetThreatModel {
  /** L∞ budget of image-space attacks, [0,1] px. */
  imageEps?: number;
  /** Budget of latent-space attacks, latent units. */
  latentEta?: number;
  reason?: string;
}

/** The manifest's `threatModel`, or an empty one when there is none (or it does not parse). */
export async function readDatasetThreatModel(
  folder: string | undefined,
): Promise<DatasetThreatModel> {
  if (!folder) return {};
  try {
    const manifest = JSON.parse(await fs.readFile(path.join(folder, 'manifest.json'), 'utf8'));
    const tm = manifest?.threatModel ?? {};
    const positive = (v: unknown) =>
      typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
    return {
      imageEps: positive(tm.imageEps),
      latentEta: positive(tm.latentEta),
      ...(typeof tm.reason === 'string' ? { reason: tm.reason } : {}),
    };
  } catch {
    return {};
  }
}

export const hasThreatModel = (tm: DatasetThreatModel) =>
  tm.imageEps !== undefined || tm.latentEta !== undefined;

/** The budget a preset is rescaled to, with its preset budget; null when it keeps its own. */
function target(presetId: string, tm: DatasetThreatModel) {
  const preset = findSeenPreset(presetId) ?? findUnseenPreset(presetId);
  if (!preset) return null;
  // Only the seen threat models (FGSM, PGD, MIA, OM-*) and APGD: the unseen attacks keep the
  // reference settings even where their unit is L∞ pixels (Gabor).
  const family = familyOf(preset.attackId);
  if (family !== 'seen' && family !== 'autoattack') return null;
  const attack = createAttack(preset.attackId, preset.name);
  const budget = preset.budgetFor([28, 28, 1]);
  const to =
    attack.space === 'latent'
      ? tm.latentEta
      : attack.space === 'image' && attack.norm === 'linf' && preset.unit === 'pixel [0,1]'
        ? tm.imageEps
        : undefined;
  if (to === undefined || !(budget.eps > 0)) return null;
  return { to, ratio: to / budget.eps, stepSize: budget.stepSize };
}

const round = (v: number) => Number(v.toPrecision(6));

/**
 * `definition` with every seen L∞ image attack (and APGD) and every latent attack that does not
 * set its own ε moved to the dataset's budget (step size in proportion), sweeps scaled alike.
 */
export function atDatasetBudgets(
  definition: SuiteDefinition,
  tm: DatasetThreatModel,
): SuiteDefinition {
  if (!hasThreatModel(tm)) return definition;
  const attacks = definition.attacks.map((a) => {
    if (a.eps !== undefined) return a;
    const t = target(a.preset, tm);
    if (!t) return a;
    const stepSize =
      a.stepSize !== undefined
        ? round(a.stepSize * t.ratio)
        : t.stepSize !== undefined
          ? round(t.stepSize * t.ratio)
          : undefined;
    return { ...a, eps: round(t.to), ...(stepSize !== undefined ? { stepSize } : {}) };
  });
  const sweeps = definition.sweeps?.map((s) => {
    const t = target(s.preset, tm);
    return t ? { ...s, eps: s.eps.map((e) => round(e * t.ratio)) } : s;
  });
  const parts = [
    tm.imageEps !== undefined ? `ε = ${round(tm.imageEps)} [0,1] px` : '',
    tm.latentEta !== undefined ? `η = ${round(tm.latentEta)} latent` : '',
  ].filter(Boolean);
  const note = `Budgets from the dataset's threat model (its manifest's threatModel): ${parts.join(', ')}, steps in proportion.`;
  return {
    ...definition,
    // Its own name: audits of "quick" at other budgets must never be ranked or compared as one.
    name: `${definition.name} (${parts.join(', ').replace(/ \[0,1\] px| latent/g, '')})`,
    description: [definition.description, note].filter(Boolean).join(' '),
    attacks,
    ...(sweeps ? { sweeps } : {}),
  };
}
