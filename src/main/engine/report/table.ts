/**
 * Tables that break cleanly: a row is never split, and a table continued on the next page repeats
 * its header (with "(continued)" after the caption), as reviewers expect from a printed report.
 */
import { INK, type ReportLayout } from './layout';

export interface TableColumn {
  header: string;
  /** Relative width; the columns share the text width in proportion. */
  weight: number;
  align?: 'left' | 'right' | 'center';
  mono?: boolean;
}

export interface TableCell {
  text: string;
  bold?: boolean;
  color?: string;
}

export interface TableRow {
  cells: (string | TableCell)[];
  /** Background, e.g. to mark the audited model in a comparison. */
  fill?: string;
  bold?: boolean;
}

export interface TableSpec {
  columns: TableColumn[];
  rows: TableRow[];
  caption?: string;
  fontSize?: number;
}

const PAD_X = 5;
const PAD_Y = 4;
/** Tables up to this fraction of a page are moved whole rather than split. */
const SHORT_TABLE_FRACTION = 0.4;

function cellOf(cell: string | TableCell): TableCell {
  return typeof cell === 'string' ? { text: cell } : cell;
}

function fontOf(row: TableRow, cell: TableCell, col: TableColumn): 'regular' | 'bold' | 'mono' {
  if (row.bold || cell.bold) return 'bold';
  return col.mono ? 'mono' : 'regular';
}

/**
 * Column widths: each column first gets what its longest cell needs on one line (headers may wrap
 * at spaces, so only their longest word counts); the space left is shared by weight. When the
 * content cannot fit on one line per cell, the widths fall back to the weights alone.
 */
function columnWidths(layout: ReportLayout, spec: TableSpec, size: number): number[] {
  const totalWeight = spec.columns.reduce((s, c) => s + c.weight, 0);
  const byWeight = spec.columns.map((c) => (layout.width * c.weight) / totalWeight);
  const measure = (text: string, font: 'regular' | 'bold' | 'mono') => {
    layout.setFont(font, size);
    return layout.doc.widthOfString(text) + 2 * PAD_X + 1;
  };
  const natural = spec.columns.map((col, i) =>
    Math.max(
      ...col.header.split(' ').map((word) => measure(word, 'bold')),
      ...spec.rows.map((row) => {
        const cell = cellOf(row.cells[i]);
        return measure(cell.text, fontOf(row, cell, col));
      }),
    ),
  );
  const needed = natural.reduce((s, w) => s + w, 0);
  if (needed > layout.width) return byWeight;
  const spare = layout.width - needed;
  return natural.map((w, i) => w + (spare * spec.columns[i].weight) / totalWeight);
}

export function drawTable(layout: ReportLayout, spec: TableSpec): void {
  const { doc } = layout;
  const size = spec.fontSize ?? 9;
  const widths = columnWidths(layout, spec, size);

  const rowHeight = (cells: TableCell[], font: (i: number) => 'regular' | 'bold' | 'mono') =>
    Math.max(
      ...cells.map(
        (c, i) =>
          layout.textHeight(c.text, widths[i] - 2 * PAD_X, { size, font: font(i) }) + 2 * PAD_Y,
      ),
    );

  const headerCells = spec.columns.map((c) => ({ text: c.header }));
  const headerHeight = rowHeight(headerCells, () => 'bold');
  const captionHeight = spec.caption
    ? layout.textHeight(spec.caption, layout.width, { size: 9, font: 'bold' }) + 4
    : 0;

  const drawRow = (
    cells: TableCell[],
    y: number,
    h: number,
    row: TableRow | null,
    index: number,
  ) => {
    const fill = row ? (row.fill ?? (index % 2 === 1 ? INK.zebra : undefined)) : INK.headerFill;
    if (fill) doc.rect(layout.left, y, layout.width, h).fillColor(fill).fill();
    let x = layout.left;
    cells.forEach((cell, i) => {
      const col = spec.columns[i];
      layout.setFont(row === null ? 'bold' : fontOf(row, cell, col), size, cell.color ?? INK.text);
      doc.text(cell.text, x + PAD_X, y + PAD_Y, {
        width: widths[i] - 2 * PAD_X,
        align: col.align ?? 'left',
        lineGap: 1.5,
      });
      x += widths[i];
    });
  };

  const rule = (y: number, width: number, color: string) =>
    doc.moveTo(layout.left, y).lineTo(layout.right, y).lineWidth(width).strokeColor(color).stroke();

  const startBlock = (continued: boolean) => {
    if (spec.caption) {
      layout.setFont('bold', 9, INK.muted);
      const caption = continued ? `${spec.caption} (continued)` : spec.caption;
      doc.text(caption, layout.left, layout.y, { width: layout.width });
      layout.y += 4;
    }
    const y = layout.y;
    rule(y, 1, INK.text);
    drawRow(headerCells, y, headerHeight, null, 0);
    rule(y + headerHeight, 0.6, INK.text);
    layout.y = y + headerHeight;
  };

  const rows = spec.rows.map((r) => ({ row: r, cells: r.cells.map(cellOf) }));
  const heights = rows.map(({ row, cells }) =>
    rowHeight(cells, (i) => fontOf(row, cells[i], spec.columns[i])),
  );

  // A short table is never split; a long one starts where at least its header and first row fit.
  const whole = captionHeight + headerHeight + heights.reduce((s, h) => s + h, 0);
  const short = whole <= SHORT_TABLE_FRACTION * (layout.bottom - layout.top);
  layout.ensure(short ? whole : captionHeight + headerHeight + (heights[0] ?? 0));
  startBlock(false);
  rows.forEach(({ row, cells }, i) => {
    if (layout.y + heights[i] > layout.bottom) {
      rule(layout.y, 1, INK.text);
      layout.newPage();
      startBlock(true);
    }
    const y = layout.y;
    drawRow(cells, y, heights[i], row, i);
    layout.y = y + heights[i];
  });
  rule(layout.y, 1, INK.text);
  layout.y += 8;
  layout.setFont('regular', 10, INK.text);
}
