/** Stored sanity flags → report rows with a title and the engine's one-sentence message. */
import type { AttackResultInfo, SanityFlag } from '../../../../shared/api';
import { attackNotes as notesOf } from '../../../../shared/sanity-notes';
import {
  CHECKLIST_FLAG_IDS,
  sanityChecklist,
  type ChecklistInput,
} from '../../../../shared/sanity-checklist';
import type { ReportSanityFlag } from '../types';

/**
 * Titles for the checks the audit engine runs (engine/audit/sanity.ts, SANITY_CHECKS; kept as
 * strings here so reading a report never loads tfjs); unknown ids are humanised.
 */
export const CHECK_TITLES: Record<string, string> = {
  'non-finite-gradients': 'Non-finite input gradients',
  'zero-gradients': 'Zero input gradients',
  'nondeterministic-outputs': 'Outputs change for the same input',
  'probability-outputs': 'Model outputs probabilities, not logits',
  'accuracy-not-falling': 'Accuracy does not fall as the budget grows',
  'noise-beats-gradient-attack': 'Random noise beats a gradient attack',
  'attack-not-converged': 'Attack not converged',
  'attacks-converged': 'Iterative attacks converged',
};

function humanise(id: string): string {
  const words = id.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function rowOf(f: SanityFlag, attacks: readonly AttackResultInfo[]): ReportSanityFlag {
  const attack = f.attackKey ? attacks.find((a) => a.key === f.attackKey) : undefined;
  const title = CHECK_TITLES[f.check] ?? humanise(f.check);
  return {
    code: f.check,
    severity: f.severity === 'error' ? 'fail' : f.severity,
    title: attack ? `${title} (${attack.name})` : title,
    explanation: f.message,
  };
}

/**
 * The report's rows: every check of the shared checklist (the audit screen shows the same list)
 * as passed, not run (with why) or its flags, then any stored flag no check accounts for.
 */
export function sanityOf(audit: ChecklistInput): ReportSanityFlag[] {
  const rows: ReportSanityFlag[] = [];
  for (const item of sanityChecklist(audit)) {
    if (item.status === 'flagged') {
      rows.push(...item.flags.map((f) => rowOf(f, audit.attacks)));
      continue;
    }
    rows.push({
      code: item.id,
      severity: item.status === 'passed' ? 'pass' : item.status === 'not-run' ? 'not-run' : 'fail',
      title: item.title,
      explanation: item.detail,
    });
  }
  for (const f of audit.sanityFlags) {
    if (!CHECKLIST_FLAG_IDS.has(f.check)) rows.push(rowOf(f, audit.attacks));
  }
  return rows;
}

/** Short notes for an attack's row, with the report's check titles. */
export function attackNotes(flags: readonly SanityFlag[], attackKey: string): string[] {
  return notesOf(flags, attackKey, CHECK_TITLES);
}
