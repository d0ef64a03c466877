// The compiled addon, or undefined where it was not built (no compiler, not x86-64) or the CPU
// lacks AVX2/FMA: the engine then keeps its wasm SIMD kernels.
'use strict';
let kernels;
try {
  // A compiled addon is loaded with require in CommonJS; there is no import form for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require('./build/Release/dmat_kernels.node');
  if (addon.supported()) kernels = addon;
} catch {
  kernels = undefined;
}
module.exports = { kernels };
