/** Lays out the whole report, section by section, and returns the PDF bytes. */
import { ReportLayout } from './layout';
import { accuracySection, confusionTables, perClassTable } from './sections/accuracy';
import { appendixSection } from './sections/appendix';
import { comparisonSection } from './sections/comparison';
import { gallerySection } from './sections/gallery';
import { sanitySection } from './sections/sanity';
import { sweepsSection } from './sections/sweeps';
import { threatModelSection } from './sections/threat-model';
import { titlePage } from './sections/title';
import type { ReportData } from './types';

export async function renderReportPdf(data: ReportData): Promise<Buffer> {
  const generatedAt = new Date(data.generatedAt);
  const layout = new ReportLayout({
    title: `Robustness report — ${data.model.name}`,
    subject: `Adversarial robustness audit ${data.audit.id} of ${data.model.name} on ${data.dataset.name}`,
    createdAt: Number.isNaN(generatedAt.getTime()) ? new Date() : generatedAt,
  });
  const title = titlePage(layout, data);
  layout.newPage();
  threatModelSection(layout, data);
  accuracySection(layout, data);
  perClassTable(layout, data);
  confusionTables(layout, data);
  sweepsSection(layout, data);
  comparisonSection(layout, data);
  sanitySection(layout, data);
  gallerySection(layout, data);
  appendixSection(layout, data);
  title.drawContents();
  layout.decoratePages(
    `Robustness report · ${data.model.name} · ${data.dataset.name}`,
    `DMAT Studio ${data.reproducibility.appVersion} · audit ${data.audit.id}`,
  );
  return layout.finish();
}
