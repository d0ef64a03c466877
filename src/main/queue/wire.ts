/**
 * Job data and results cross Redis as JSON. Typed arrays (the gallery's PNG bytes) become
 * base64 and come back as the same typed array, so a shard's result merges exactly as it would
 * from a local process.
 */
const TAG = '$typed';

type TypedName = 'Uint8Array' | 'Float32Array' | 'Int32Array' | 'Float64Array';
const CTORS = { Uint8Array, Float32Array, Int32Array, Float64Array } as const;

export function toWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    for (const name of Object.keys(CTORS) as TypedName[]) {
      if (v instanceof CTORS[name]) {
        const a = v as Uint8Array;
        return {
          [TAG]: name,
          data: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64'),
        };
      }
    }
    return v;
  });
}

export function fromWire<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && TAG in v) {
      const { [TAG]: name, data } = v as { [TAG]: TypedName; data: string };
      const bytes = Buffer.from(data, 'base64');
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      const Ctor = CTORS[name];
      return new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    return v;
  }) as T;
}
