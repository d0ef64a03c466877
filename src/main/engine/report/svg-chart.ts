/**
 * Charts for the PDF: the option objects come from the shared builders (src/shared/charts, the same
 * ones the screen uses), ECharts renders them to an SVG string server-side, and svg-to-pdfkit draws
 * that SVG as vectors with the embedded font. ECharts measures text through a platform hook; we
 * point it at the embedded font's metrics so labels are laid out for the glyphs that get printed.
 */
import * as echarts from 'echarts';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { fontPaths } from './fonts';

let measurer: PDFKit.PDFDocument | null = null;

/** Width of `text` in the CSS `font` ECharts asks about ("bold 12px Inter, sans-serif"). */
function measureText(text: string, font?: string): { width: number } {
  if (!measurer) {
    const fonts = fontPaths();
    measurer = new PDFDocument({ autoFirstPage: false });
    measurer.registerFont('regular', fonts.regular);
    measurer.registerFont('bold', fonts.bold);
  }
  const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12);
  const bold = /\bbold\b|\b[6-9]00\b/.test(font ?? '');
  measurer.font(bold ? 'bold' : 'regular').fontSize(size);
  return { width: measurer.widthOfString(text) };
}

let platformReady = false;

/** Family name written into the SVG; the font callback maps it to the embedded faces. */
const PDF_FONT_FAMILY = 'DejaVu Sans';

/** Renders an ECharts option to an SVG string of the given size in CSS pixels. */
export function renderChartSvg(option: object, widthPx: number, heightPx: number): string {
  if (!platformReady) {
    echarts.setPlatformAPI({ measureText });
    platformReady = true;
  }
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: widthPx,
    height: heightPx,
  });
  try {
    // The PDF prints one embedded font anyway, and ECharts' SSR writes a font list with quotes
    // unescaped inside the style attribute (invalid XML), so name the single family here.
    const textStyle = (option as { textStyle?: object }).textStyle ?? {};
    chart.setOption({
      ...option,
      animation: false,
      textStyle: { ...textStyle, fontFamily: PDF_FONT_FAMILY },
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** CSS pixels per PDF point: svg-to-pdfkit maps 1 px to 0.75 pt. */
const PX_PER_PT = 96 / 72;

/**
 * Draws a chart into the PDF at (x, y) with the given size in points. `fonts` maps the SVG's
 * font families to registered PDFKit font names (bold text gets the bold face).
 */
export function drawChart(
  doc: PDFKit.PDFDocument,
  option: object,
  x: number,
  y: number,
  widthPt: number,
  heightPt: number,
  fonts: { regular: string; bold: string },
): void {
  const svg = renderChartSvg(
    option,
    Math.round(widthPt * PX_PER_PT),
    Math.round(heightPt * PX_PER_PT),
  );
  doc.save();
  SVGtoPDF(doc, svg, x, y, {
    width: widthPt,
    height: heightPt,
    fontCallback: (_family, bold) => (bold ? fonts.bold : fonts.regular),
    // The SVG is ours and rendered just now: a warning means a chart element would be missing.
    warningCallback: (message) => {
      throw new Error(`chart could not be drawn into the PDF: ${message}`);
    },
  });
  doc.restore();
}
