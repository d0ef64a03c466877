import { parseArgs } from 'node:util';
import { openStore } from '../../store/index';
import { UserError, type CliCommand } from '../command';

const USAGE = `usage: dmat report AUDIT_ID --out FILE.pdf [--json FILE.json] [--compare ID,ID…] [--title TEXT]

Writes the PDF robustness report of a finished audit (title page with the worst-case verdict,
threat model, accuracy per attack, ε curves, sanity checks, gallery, reproducibility appendix).
  --out FILE.pdf     where to write the PDF
  --json FILE.json   also write the same data as JSON
  --compare IDS      comma-separated audits of other models to compare with (paper Tables 1–2)
  --title TEXT       title on the cover
  --force            replace FILE.pdf / FILE.json when they exist`;

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'write the PDF (and JSON) robustness report of an audit',
  usage: USAGE,
  async run(argv) {
    // The PDF engine (pdfkit, ECharts, fonts) loads only when a report is made, not on every `dmat` call.
    const { appVersion, exportReport, loadReportData, ReportInputError, verdictLine } =
      await import('../../engine/report');
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        json: { type: 'string' },
        compare: { type: 'string' },
        title: { type: 'string' },
        force: { type: 'boolean', default: false },
      },
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UserError(`expected one AUDIT_ID\n${USAGE}`);
    if (!values.out && !values.json)
      throw new UserError(`--out FILE.pdf (or --json FILE.json) is required\n${USAGE}`);
    if (values.out && !values.out.toLowerCase().endsWith('.pdf')) {
      throw new UserError(`--out must name a .pdf file, got "${values.out}"`);
    }
    const store = openStore();
    try {
      const common = {
        auditIds: [
          positionals[0],
          ...(values.compare
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean) ?? []),
        ],
        title: values.title,
      };
      if (values.out) {
        const pdf = await exportReport(
          store,
          { ...common, format: 'pdf' },
          {
            outPath: values.out,
            overwrite: values.force,
          },
        );
        console.log(`wrote ${pdf.path} (${(pdf.bytes / 1024).toFixed(0)} KiB, report ${pdf.id})`);
      }
      if (values.json) {
        const json = await exportReport(
          store,
          { ...common, format: 'json' },
          {
            outPath: values.json,
            overwrite: values.force,
          },
        );
        console.log(`wrote ${json.path} (report ${json.id})`);
      }
      const data = loadReportData(store, positionals[0], { appVersion: appVersion() });
      console.log(verdictLine(data));
      return 0;
    } catch (err) {
      if (err instanceof ReportInputError) throw new UserError(err.message);
      throw err;
    } finally {
      store.close();
    }
  },
};
