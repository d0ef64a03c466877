/**
 * v6: the options each attack ran with (random start, restarts, Gabor's support, momentum, …),
 * stored with its result so that a stored audit keeps saying what it ran when a preset changes.
 *
 * Backfill: until v6 the `fgsm` preset was FGSM with a random start (it is plain FGSM since, and
 * the random-start variant is `fgsm-rs`), so stored `fgsm` results get `randomStart: true`
 * unless their suite entry said otherwise. Other presets kept their meaning: their rows keep `{}`
 * and readers fall back to the preset.
 */
import type { Migration } from '../migrate';

interface SuiteEntry {
  preset?: unknown;
  label?: unknown;
  options?: Record<string, unknown>;
}

export const attackOptionsMigration: Migration = {
  version: 6,
  name: 'attack-options',
  up(db) {
    db.exec(`ALTER TABLE attack_results ADD COLUMN options TEXT NOT NULL DEFAULT '{}'`);
    const rows = db
      .prepare(
        `SELECT r.audit_id, r.attack_key, a.suite FROM attack_results r
           JOIN audits a ON a.id = r.audit_id WHERE r.preset = 'fgsm'`,
      )
      .all() as { audit_id: string; attack_key: string; suite: string }[];
    const update = db.prepare(
      'UPDATE attack_results SET options = ? WHERE audit_id = ? AND attack_key = ?',
    );
    for (const r of rows) {
      let entries: SuiteEntry[] = [];
      try {
        const suite = JSON.parse(r.suite) as { attacks?: unknown };
        if (Array.isArray(suite.attacks)) entries = suite.attacks as SuiteEntry[];
      } catch {
        // An unreadable suite: the preset's meaning at the time is all there is.
      }
      const entry = entries.find(
        (e) => e.preset === 'fgsm' && (e.label ?? 'FGSM') === r.attack_key,
      );
      const options = { randomStart: true, ...(entry?.options ?? {}) };
      update.run(JSON.stringify(options), r.audit_id, r.attack_key);
    }
  },
};
