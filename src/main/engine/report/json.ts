/**
 * The `--json` export: the same ReportData the PDF is drawn from, with PNG bytes as base64 so the
 * file is plain JSON. `parseReportJson` reads it back (used by tests and by tools that re-render).
 */
import { REPORT_SCHEMA_VERSION, type ReportData, type ReportImage } from './types';

interface JsonImage {
  width: number;
  height: number;
  pngBase64: string;
}

function imageToJson(img: ReportImage): JsonImage {
  return {
    width: img.width,
    height: img.height,
    pngBase64: Buffer.from(img.png).toString('base64'),
  };
}

function imageFromJson(img: JsonImage): ReportImage {
  return {
    width: img.width,
    height: img.height,
    png: new Uint8Array(Buffer.from(img.pngBase64, 'base64')),
  };
}

export function reportToJson(data: ReportData): string {
  const gallery = data.gallery.map((g) => ({
    ...g,
    clean: imageToJson(g.clean),
    adversarial: imageToJson(g.adversarial),
    difference: imageToJson(g.difference),
  }));
  return `${JSON.stringify({ ...data, gallery }, null, 2)}\n`;
}

export class ReportJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportJsonError';
  }
}

export function parseReportJson(text: string): ReportData {
  const raw = JSON.parse(text) as Omit<ReportData, 'gallery'> & {
    gallery: (Omit<ReportData['gallery'][number], 'clean' | 'adversarial' | 'difference'> & {
      clean: JsonImage;
      adversarial: JsonImage;
      difference: JsonImage;
    })[];
  };
  if (raw.schemaVersion !== REPORT_SCHEMA_VERSION) {
    throw new ReportJsonError(
      `report JSON field "schemaVersion" is ${String(raw.schemaVersion)}, expected ${REPORT_SCHEMA_VERSION}`,
    );
  }
  return {
    ...raw,
    gallery: raw.gallery.map((g) => ({
      ...g,
      clean: imageFromJson(g.clean),
      adversarial: imageFromJson(g.adversarial),
      difference: imageFromJson(g.difference),
    })),
  };
}
