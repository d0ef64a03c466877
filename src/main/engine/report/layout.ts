/**
 * Page geometry and flowing content for the report. Every block asks `ensure(height)` before it
 * draws, so a block that does not fit starts on a new page instead of being cut; running headers,
 * footers and page numbers are drawn once all pages exist (PDFKit's buffered pages).
 */
import PDFDocument from 'pdfkit';
import { fontPaths } from './fonts';

export const FONT = { regular: 'regular', bold: 'bold', mono: 'mono' } as const;

export const INK = {
  text: '#1f2933',
  muted: '#616e7c',
  faint: '#9aa5b1',
  rule: '#d9dee4',
  accent: '#1f4e8c',
  headerFill: '#eef2f7',
  zebra: '#f8fafc',
  good: '#19804f',
  warn: '#b7791f',
  bad: '#c53030',
} as const;

const MARGIN = { top: 68, bottom: 64, left: 56, right: 56 };

export interface SectionMark {
  title: string;
  /** Zero-based page index. */
  page: number;
}

export interface TextOptions {
  size?: number;
  font?: keyof typeof FONT;
  color?: string;
  align?: 'left' | 'right' | 'center' | 'justify';
  /** Extra space after the block, in points. */
  after?: number;
}

export class ReportLayout {
  readonly doc: PDFKit.PDFDocument;
  readonly sections: SectionMark[] = [];
  private tables = 0;
  private figures = 0;

  constructor(info: { title: string; subject: string; createdAt: Date }) {
    this.doc = new PDFDocument({
      size: 'A4',
      margins: MARGIN,
      bufferPages: true,
      autoFirstPage: false,
      info: {
        Title: info.title,
        Subject: info.subject,
        Creator: 'DMAT Studio',
        Producer: 'DMAT Studio (PDFKit)',
        CreationDate: info.createdAt,
      },
    });
    const fonts = fontPaths();
    this.doc.registerFont(FONT.regular, fonts.regular);
    this.doc.registerFont(FONT.bold, fonts.bold);
    this.doc.registerFont(FONT.mono, fonts.mono);
    this.newPage();
  }

  get left(): number {
    return MARGIN.left;
  }
  get width(): number {
    return this.doc.page.width - MARGIN.left - MARGIN.right;
  }
  get right(): number {
    return this.left + this.width;
  }
  get top(): number {
    return MARGIN.top;
  }
  /** Lowest y content may reach. */
  get bottom(): number {
    return this.doc.page.height - MARGIN.bottom;
  }
  get y(): number {
    return this.doc.y;
  }
  set y(value: number) {
    this.doc.y = value;
  }
  get pageIndex(): number {
    const range = this.doc.bufferedPageRange();
    return range.start + range.count - 1;
  }

  /** "Table N. text", numbered in order of appearance. */
  tableCaption(text: string): string {
    this.tables += 1;
    return `Table ${this.tables}. ${text}`;
  }

  /** "Figure N. text", numbered in order of appearance. */
  figureCaption(text: string): string {
    this.figures += 1;
    return `Figure ${this.figures}. ${text}`;
  }

  newPage(): void {
    this.doc.addPage();
    this.doc.x = this.left;
    this.doc.y = this.top;
  }

  /** Starts a new page unless `height` points fit below the cursor. True when it broke. */
  ensure(height: number): boolean {
    if (this.y + height <= this.bottom || this.y <= this.top + 0.5) return false;
    this.newPage();
    return true;
  }

  space(points: number): void {
    this.y = Math.min(this.y + points, this.bottom);
  }

  setFont(font: keyof typeof FONT, size: number, color: string = INK.text): void {
    this.doc.font(FONT[font]).fontSize(size).fillColor(color);
  }

  textHeight(text: string, width: number, opts: TextOptions = {}): number {
    this.setFont(opts.font ?? 'regular', opts.size ?? 10);
    return this.doc.heightOfString(text, { width, lineGap: 1.5 });
  }

  /** A paragraph kept on one page when it fits on one; longer text flows over pages. */
  paragraph(text: string, opts: TextOptions = {}): void {
    const height = this.textHeight(text, this.width, opts);
    if (height <= this.bottom - this.top) this.ensure(height);
    this.setFont(opts.font ?? 'regular', opts.size ?? 10, opts.color ?? INK.text);
    this.doc.text(text, this.left, this.y, {
      width: this.width,
      align: opts.align ?? 'left',
      lineGap: 1.5,
    });
    this.space(opts.after ?? 6);
  }

  /** Monospaced text drawn line by line, so a long configuration flows over pages. */
  codeBlock(text: string, size = 7.5): void {
    this.setFont('mono', size, INK.text);
    const lineHeight = this.doc.currentLineHeight(true) + 1;
    for (const line of text.split('\n')) {
      const height = Math.max(
        lineHeight,
        this.textHeight(line, this.width - 12, { font: 'mono', size }),
      );
      this.ensure(height);
      const y = this.y;
      this.setFont('mono', size, '#3e4c59');
      this.doc.text(line, this.left + 6, y, { width: this.width - 12, lineGap: 1.5 });
      this.y = y + height;
    }
    this.space(6);
  }

  /**
   * A numbered section title on a fresh line, kept with at least `keepWith` points of what
   * follows, and recorded for the contents list.
   */
  heading(title: string, keepWith = 140): void {
    const height = 34;
    if (this.y > this.top + 0.5) this.space(10);
    this.ensure(height + keepWith);
    this.sections.push({ title, page: this.pageIndex });
    const number = this.sections.length;
    this.setFont('bold', 16, INK.accent);
    this.doc.text(`${number}  ${title}`, this.left, this.y, { width: this.width });
    const ruleY = this.y + 3;
    this.doc
      .moveTo(this.left, ruleY)
      .lineTo(this.right, ruleY)
      .lineWidth(1)
      .strokeColor(INK.accent)
      .stroke();
    this.y = ruleY + 12;
  }

  subheading(title: string, keepWith = 100): void {
    this.space(4);
    this.ensure(18 + keepWith);
    this.setFont('bold', 11.5, INK.text);
    this.doc.text(title, this.left, this.y, { width: this.width });
    this.space(5);
  }

  /** Label/value pairs in two aligned columns; a pair never splits across pages. */
  keyValues(
    rows: [string, string][],
    opts: { keyWidth?: number; size?: number; mono?: boolean } = {},
  ): void {
    const keyWidth = opts.keyWidth ?? 150;
    const size = opts.size ?? 9.5;
    const valueWidth = this.width - keyWidth;
    for (const [key, value] of rows) {
      const h = Math.max(
        this.textHeight(key, keyWidth - 8, { size, font: 'bold' }),
        this.textHeight(value, valueWidth, { size, font: opts.mono ? 'mono' : 'regular' }),
      );
      this.ensure(h + 4);
      const y = this.y;
      this.setFont('bold', size, INK.muted);
      this.doc.text(key, this.left, y, { width: keyWidth - 8, lineGap: 1.5 });
      this.setFont(opts.mono ? 'mono' : 'regular', size, INK.text);
      this.doc.text(value, this.left + keyWidth, y, { width: valueWidth, lineGap: 1.5 });
      this.y = y + h + 4;
    }
  }

  /** Running header and footer on every page but the title page: title, page N of M. */
  decoratePages(headerText: string, footerText: string): void {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      if (i === range.start) continue;
      this.doc.switchToPage(i);
      // Writing inside the margins must not trigger PDFKit's automatic page break.
      const savedBottom = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0;
      const headerY = MARGIN.top - 30;
      this.setFont('regular', 8, INK.muted);
      this.doc.text(headerText, this.left, headerY, {
        width: this.width,
        align: 'left',
        lineBreak: false,
      });
      this.doc
        .moveTo(this.left, headerY + 13)
        .lineTo(this.right, headerY + 13)
        .lineWidth(0.5)
        .strokeColor(INK.rule)
        .stroke();
      const footerY = this.doc.page.height - MARGIN.bottom + 24;
      this.setFont('regular', 8, INK.muted);
      this.doc.text(footerText, this.left, footerY, {
        width: this.width,
        align: 'left',
        lineBreak: false,
      });
      this.doc.text(`Page ${i - range.start + 1} of ${range.count}`, this.left, footerY, {
        width: this.width,
        align: 'right',
        lineBreak: false,
      });
      this.doc.page.margins.bottom = savedBottom;
    }
  }

  /** Finishes the document and returns the PDF bytes. */
  async finish(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      this.doc.on('data', (chunk: Buffer) => chunks.push(chunk));
      this.doc.on('end', () => resolve(Buffer.concat(chunks)));
      this.doc.on('error', reject);
    });
    this.doc.end();
    return done;
  }
}
