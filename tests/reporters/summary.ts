/**
 * A vitest reporter that writes the run's counts and every skipped test, with its reason, to the
 * JSON file named by DMAT_TEST_SUMMARY. `npm test` (scripts/test.ts) reads it to print the
 * skips and the counts last, and to fail a run in which a test did not run.
 */
import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export interface TestSummary {
  passed: number;
  failed: number;
  skipped: { file: string; name: string; note?: string }[];
  /** Files that failed to load or errored outside any test. */
  brokenFiles: string[];
  unhandledErrors: number;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    const out = process.env.DMAT_TEST_SUMMARY;
    if (!out) return;
    const summary: TestSummary = {
      passed: 0,
      failed: 0,
      skipped: [],
      brokenFiles: [],
      unhandledErrors: unhandledErrors.length,
    };
    for (const mod of testModules) {
      if (mod.state() === 'failed' && mod.errors().length > 0)
        summary.brokenFiles.push(mod.relativeModuleId);
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') summary.passed++;
        else if (result.state === 'failed') summary.failed++;
        else
          summary.skipped.push({
            file: mod.relativeModuleId,
            name: test.fullName,
            note: result.state === 'skipped' ? result.note : undefined,
          });
      }
    }
    writeFileSync(out, JSON.stringify(summary));
  }
}
