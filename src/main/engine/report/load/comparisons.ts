/** Several audits side by side, in the paper's table layouts (seen attacks, then unseen ones). */
import type { AttackResultInfo } from '../../../../shared/api';
import type { AuditRecord } from '../../../store/audits';
import type { Store } from '../../../store/index';
import type { ReportComparison } from '../types';
import { comparability } from '../../../../shared/comparability';
import { str } from './audit-record';

/** Column groups of the comparison, in the paper's order: seen attacks, then unseen ones. */
const COMPARISON_GROUPS: {
  title: string;
  families: AttackResultInfo['family'][];
  withTotals: boolean;
}[] = [
  { title: 'Seen attacks (paper Table 1 layout)', families: ['seen'], withTotals: true },
  { title: 'Unseen attacks (paper Table 2 layout)', families: ['unseen'], withTotals: false },
  { title: 'Further attacks', families: ['autoattack', 'baseline'], withTotals: false },
];

export function comparisonsOf(store: Store, audits: AuditRecord[]): ReportComparison[] {
  const results = audits.map((a) => store.attackResults.list(a.id));
  const check = comparability(audits.map((a, i) => ({ ...a, attacks: results[i] })));
  const rowLabel = (a: AuditRecord, i: number) => {
    const model = a.modelId ? store.models.find(a.modelId) : undefined;
    const method = model ? str(model.provenance.method) : undefined;
    // The paper's Table 4 evaluates natural images: say so when the audits differ.
    const images = a.images !== audits[0].images ? `${a.images} images` : undefined;
    return {
      model: check.labels[i],
      method: [method, images].filter(Boolean).join(', ') || undefined,
    };
  };
  const tables: ReportComparison[] = [];
  for (const group of COMPARISON_GROUPS) {
    const names: string[] = [];
    for (const list of results) {
      for (const r of list)
        if (group.families.includes(r.family) && !names.includes(r.name)) names.push(r.name);
    }
    if (names.length === 0 && !group.withTotals) continue;
    tables.push({
      title: group.title,
      note: check.sentence,
      differingColumns: check.differingColumns.filter((n) => names.includes(n)),
      caption: group.withTotals
        ? 'Standard is the clean accuracy; Worst case counts a sample as robust only if every attack of its audit failed on it.'
        : undefined,
      columns: group.withTotals ? ['Standard', ...names, 'Worst case'] : names,
      rows: audits.map((a, i) => {
        const byName = names.map((n) => results[i].find((r) => r.name === n)?.accuracy ?? null);
        return {
          ...rowLabel(a, i),
          settings: `${a.suiteName} · n = ${a.samples} · seed ${a.seed} · ${a.images}`,
          isSubject: i === 0,
          accuracies: group.withTotals
            ? [a.standardAccuracy, ...byName, a.worstCaseAccuracy]
            : byName,
        };
      }),
    });
  }
  return tables;
}
