/**
 * Gallery images: encode [0,1] pixel arrays as PNG, build the amplified difference image, and
 * enlarge small images by pixel replication so a 28×28 digit prints sharp instead of smeared by
 * the viewer's interpolation.
 */
import { PNG } from 'pngjs';
import { inferno } from '../../../shared/charts/colormap';
import type { ReportImage } from './types';

export { inferno };

/** HWC pixels in [0,1], 1 or 3 channels → PNG. */
export function encodePng(
  pixels: ArrayLike<number>,
  height: number,
  width: number,
  channels: number,
): ReportImage {
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`gallery images need 1 or 3 channels, got ${channels}`);
  }
  if (pixels.length !== height * width * channels) {
    throw new RangeError(
      `gallery image has ${pixels.length} values, expected ${height}×${width}×${channels}`,
    );
  }
  const png = new PNG({ width, height });
  for (let p = 0; p < height * width; p++) {
    for (let c = 0; c < 3; c++) {
      const v = pixels[p * channels + (channels === 1 ? 0 : c)];
      png.data[p * 4 + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
    png.data[p * 4 + 3] = 255;
  }
  return { width, height, png: new Uint8Array(PNG.sync.write(png)) };
}

/**
 * |x_adv − x| averaged over channels, multiplied by a gain that maps the largest change to 1
 * (brighter = larger distortion, as in the paper's figures). Returns the pixels and the gain.
 */
export function differencePixels(
  clean: ArrayLike<number>,
  adversarial: ArrayLike<number>,
  channels: number,
): { pixels: Float32Array; gain: number } {
  const n = clean.length / channels;
  const diff = new Float32Array(n);
  let max = 0;
  for (let p = 0; p < n; p++) {
    let sum = 0;
    for (let c = 0; c < channels; c++)
      sum += Math.abs(adversarial[p * channels + c] - clean[p * channels + c]);
    diff[p] = sum / channels;
    max = Math.max(max, diff[p]);
  }
  const gain = max > 0 ? 1 / max : 1;
  for (let p = 0; p < n; p++) diff[p] *= gain;
  return { pixels: diff, gain };
}

export interface PrintOptions {
  /** Pixels per side the image is enlarged to, at least (by whole-pixel replication). */
  minSide?: number;
  /** Show the image's brightness on the inferno heat map (difference images). */
  heat?: boolean;
}

/**
 * Prepares a gallery PNG for the page: enlarged by replicating pixels so a 28×28 image prints
 * sharp, optionally recoloured as a heat map, and written as opaque RGB — PDFKit splits an alpha
 * channel off asynchronously, which would make the PDF's bytes differ from run to run.
 */
export function imageForPrint(image: ReportImage, opts: PrintOptions = {}): Buffer {
  const minSide = opts.minSide ?? 112;
  const factor = Math.max(1, Math.ceil(minSide / Math.max(image.width, image.height)));
  const src = PNG.sync.read(Buffer.from(image.png));
  const out = new PNG({ width: src.width * factor, height: src.height * factor });
  const pixel = (from: number): [number, number, number] => {
    // Composite any transparency over white, as the page would show it.
    const alpha = src.data[from + 3] / 255;
    const rgb = [0, 1, 2].map((c) => src.data[from + c] * alpha + 255 * (1 - alpha));
    if (!opts.heat) return rgb.map(Math.round) as [number, number, number];
    return inferno((0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255);
  };
  for (let y = 0; y < out.height; y++) {
    const sy = Math.floor(y / factor);
    for (let x = 0; x < out.width; x++) {
      const rgb = pixel((sy * src.width + Math.floor(x / factor)) * 4);
      const to = (y * out.width + x) * 4;
      out.data[to] = rgb[0];
      out.data[to + 1] = rgb[1];
      out.data[to + 2] = rgb[2];
      out.data[to + 3] = 255;
    }
  }
  return PNG.sync.write(out, { colorType: 2 });
}
