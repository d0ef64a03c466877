import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  differencePixels,
  encodePng,
  imageForPrint,
  inferno,
} from '../../src/main/engine/report/images';

describe('gallery images', () => {
  it('encodes [0,1] pixels as PNG and reads back the same 8-bit values', () => {
    const px = Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => i / 17);
    const img = encodePng(px, 2, 3, 3);
    const back = PNG.sync.read(Buffer.from(img.png));
    expect([back.width, back.height]).toEqual([3, 2]);
    for (let p = 0; p < 6; p++) {
      for (let c = 0; c < 3; c++)
        expect(back.data[p * 4 + c]).toBe(Math.round(px[p * 3 + c] * 255));
    }
    expect(() => encodePng(px, 2, 3, 2)).toThrow(/1 or 3 channels/);
    expect(() => encodePng(px, 3, 3, 3)).toThrow(/expected 3×3×3/);
  });

  it('scales |x_adv − x| so the largest change is 1 and reports the gain', () => {
    const clean = [0.1, 0.5, 0.9, 0.2];
    const adv = [0.15, 0.4, 0.9, 0.22];
    const { pixels, gain } = differencePixels(clean, adv, 1);
    expect(gain).toBeCloseTo(1 / 0.1, 6);
    expect(Array.from(pixels)).toEqual([0.5, 1, 0, 0.2].map((v) => expect.closeTo(v, 5)));
  });

  it('enlarges by whole-pixel replication into an opaque RGB image', () => {
    const img = encodePng([0, 1, 0.5, 0.25], 2, 2, 1);
    const out = PNG.sync.read(imageForPrint(img, { minSide: 8 }));
    expect([out.width, out.height]).toEqual([8, 8]);
    const at = (x: number, y: number) => out.data[(y * 8 + x) * 4];
    expect([at(0, 0), at(3, 3), at(4, 0), at(7, 3), at(0, 4), at(4, 7)]).toEqual([
      0, 0, 255, 255, 128, 64,
    ]);
    for (let i = 3; i < out.data.length; i += 4) expect(out.data[i]).toBe(255);
  });

  it('draws difference images on the inferno heat map, darker for smaller changes', () => {
    expect(inferno(0)).toEqual([0, 0, 4]);
    expect(inferno(1)).toEqual([252, 255, 164]);
    const luminance = (v: number) => {
      const [r, g, b] = inferno(v);
      return 0.299 * r + 0.587 * g + 0.114 * b;
    };
    for (let v = 0; v < 1; v += 0.05) expect(luminance(v + 0.05)).toBeGreaterThan(luminance(v));
    const out = PNG.sync.read(
      imageForPrint(encodePng([0, 1], 1, 2, 1), { minSide: 2, heat: true }),
    );
    expect(Array.from(out.data.subarray(0, 3))).toEqual(inferno(0));
    expect(Array.from(out.data.subarray(4, 7))).toEqual(inferno(1));
  });
});
