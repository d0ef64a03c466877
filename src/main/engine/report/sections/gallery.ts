/**
 * Gallery: for a few samples per attack, the clean image, the adversarial image and their
 * amplified difference side by side, with the true class and both predictions. The column header
 * repeats on every page and an item never splits.
 */
import { imageForPrint } from '../images';
import { formatNorm, formatPlain } from '../format';
import { INK, type ReportLayout } from '../layout';
import type { ReportData, ReportGalleryItem } from '../types';

const IMAGE = 84;
const GAP = 14;
const ROW = IMAGE + 30;

function header(layout: ReportLayout, textWidth: number): void {
  const { doc } = layout;
  const y = layout.y;
  doc.rect(layout.left, y, layout.width, 18).fillColor(INK.headerFill).fill();
  layout.setFont('bold', 8.5, INK.text);
  const labels = ['Clean', 'Adversarial', 'Difference'];
  doc.text('Sample', layout.left + 5, y + 5, { lineBreak: false });
  labels.forEach((label, i) => {
    doc.text(label, layout.left + textWidth + i * (IMAGE + GAP), y + 5, {
      width: IMAGE,
      align: 'center',
      lineBreak: false,
    });
  });
  layout.y = y + 24;
}

function item(layout: ReportLayout, g: ReportGalleryItem, textWidth: number, norm: string): void {
  const { doc } = layout;
  const y = layout.y;
  layout.setFont('bold', 9.5, INK.text);
  doc.text(g.attackName, layout.left + 5, y, { width: textWidth - 14 });
  layout.setFont('regular', 8.5, INK.muted);
  const lines = [
    `true class: ${g.label}`,
    `clean prediction: ${g.cleanPrediction}`,
    `adversarial prediction: ${g.adversarialPrediction}`,
    g.perturbationNorm === undefined
      ? ''
      : `measured ‖δ‖: ${formatPlain(g.perturbationNorm)} ${norm}`,
    `difference gain: ×${formatPlain(g.differenceGain)}`,
  ].filter(Boolean);
  doc.text(lines.join('\n'), layout.left + 5, y + 15, { width: textWidth - 14, lineGap: 1.5 });
  [g.clean, g.adversarial, g.difference].forEach((img, i) => {
    const x = layout.left + textWidth + i * (IMAGE + GAP);
    doc.image(imageForPrint(img, { heat: i === 2 }), x, y, {
      fit: [IMAGE, IMAGE],
      align: 'center',
      valign: 'center',
    });
    doc.rect(x, y, IMAGE, IMAGE).lineWidth(0.5).strokeColor(INK.rule).stroke();
  });
  const fooled = g.adversarialPrediction !== g.label;
  layout.setFont('bold', 8, fooled ? INK.bad : INK.good);
  doc.text(fooled ? 'fooled' : 'resisted', layout.left + textWidth + (IMAGE + GAP), y + IMAGE + 3, {
    width: IMAGE,
    align: 'center',
  });
  doc
    .moveTo(layout.left, y + ROW - 8)
    .lineTo(layout.right, y + ROW - 8)
    .lineWidth(0.4)
    .strokeColor(INK.rule)
    .stroke();
  layout.y = y + ROW;
}

export function gallerySection(layout: ReportLayout, data: ReportData): void {
  if (data.gallery.length === 0) return;
  layout.heading('Gallery', 24 + ROW + 40);
  layout.paragraph(
    'Difference images show |x_adv − x| multiplied by the gain given, so the largest change of ' +
      'each image is full scale, drawn as a heat map (of the luminance, for colour images): ' +
      'brighter, from black through purple and orange to yellow, means a larger distortion.',
    { color: '#3e4c59' },
  );
  const textWidth = layout.width - 3 * IMAGE - 2 * GAP;
  layout.ensure(24 + ROW);
  header(layout, textWidth);
  for (const g of data.gallery) {
    if (layout.ensure(ROW)) header(layout, textWidth);
    const attack = data.attacks.find((a) => a.id === g.attackId);
    item(layout, g, textWidth, attack ? `(${formatNorm(attack.norm)}, ${attack.unit})` : '');
  }
}
