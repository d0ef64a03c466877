/**
 * Whether audits shown side by side can be compared: same suite, same samples (count, seed,
 * split, dataset, images), same attacks at the same budgets. The comparison table, its chart
 * and the comparison PDF all take what they say about it from here, so the sentence "the same
 * attacks, budgets and samples" appears only when it is true.
 */

export interface ComparableAttack {
  name: string;
  budget: { eps: number; unit: string; norm: string; steps?: number; stepSize?: number };
}

export interface ComparableAudit {
  id: string;
  modelName: string;
  datasetName: string;
  suiteName: string;
  split: string;
  images: string;
  samples: number;
  seed: number;
  createdAt: string;
  attacks: readonly ComparableAttack[];
}

/** Settings that must agree for two audits to have run on the same samples and attacks. */
export const COMPARED_SETTINGS = [
  'suite',
  'samples',
  'seed',
  'dataset',
  'split',
  'images',
] as const;
export type ComparedSetting = (typeof COMPARED_SETTINGS)[number];

const settingOf = (a: ComparableAudit, s: ComparedSetting): string =>
  ({
    suite: a.suiteName,
    samples: String(a.samples),
    seed: String(a.seed),
    dataset: a.datasetName,
    split: a.split,
    images: a.images,
  })[s];

export interface Comparability {
  /** Settings whose values differ between the audits. */
  differingSettings: ComparedSetting[];
  /** Attack columns that some audit lacks or runs at another budget, step count or step size. */
  differingColumns: string[];
  comparable: boolean;
  /** One or two sentences for the table and the PDF. */
  sentence: string;
  /** Row labels: the model name, with the audit id and date where two rows share a name. */
  labels: string[];
}

const budgetKey = (b: ComparableAttack['budget']) =>
  `${b.norm}|${b.unit}|${b.eps.toPrecision(6)}|${b.steps ?? ''}|${b.stepSize?.toPrecision(6) ?? ''}`;

export function comparability(audits: readonly ComparableAudit[]): Comparability {
  const differingSettings = COMPARED_SETTINGS.filter(
    (s) => new Set(audits.map((a) => settingOf(a, s))).size > 1,
  );
  const names: string[] = [];
  for (const a of audits)
    for (const r of a.attacks) if (!names.includes(r.name)) names.push(r.name);
  const differingColumns = names.filter((n) => {
    const keys = audits.map((a) => {
      const r = a.attacks.find((x) => x.name === n);
      return r ? budgetKey(r.budget) : 'missing';
    });
    return new Set(keys).size > 1;
  });
  const comparable = differingSettings.length === 0 && differingColumns.length === 0;
  const first = audits[0];
  let sentence: string;
  if (audits.length < 2) sentence = '';
  else if (comparable) {
    sentence =
      `Models evaluated with the same attacks, budgets and samples: suite ${first.suiteName}, ` +
      `${first.samples} ${first.images} images of ${first.datasetName} (${first.split}), seed ${first.seed}.`;
  } else {
    const parts = differingSettings.map(
      (s) => `${s} (${[...new Set(audits.map((a) => settingOf(a, s)))].join(' / ')})`,
    );
    if (differingColumns.length > 0) {
      parts.push(`the budgets or presence of ${differingColumns.join(', ')}`);
    }
    sentence =
      `These audits differ in ${parts.join('; ')}: their numbers were not measured under the ` +
      'same conditions, so a difference between rows is not a difference between models alone. ' +
      'Columns and settings that differ are marked ≠.';
  }
  const counts = new Map<string, number>();
  for (const a of audits) counts.set(a.modelName, (counts.get(a.modelName) ?? 0) + 1);
  const labels = audits.map((a) =>
    (counts.get(a.modelName) ?? 0) > 1
      ? `${a.modelName} (${a.id}, ${a.createdAt.slice(0, 16).replace('T', ' ')})`
      : a.modelName,
  );
  return { differingSettings, differingColumns, comparable, sentence, labels };
}
