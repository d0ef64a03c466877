// Native AVX2/FMA convolution kernels for the engine's wasm backend: the same functions, same
// arguments and same results as src/wasm/conv2d.ts (conv2d) and src/wasm/filter-grad.ts
// (filterGrad), reading and writing tensors in the tfjs wasm backend's memory, which is passed
// as an ArrayBuffer with byte offsets into it. Why native: wasm SIMD is 128 bits wide, half of
// what the CPU's 256-bit FMA units do per instruction, so the wasm kernels top out at about half
// of the arithmetic PyTorch's oneDNN reaches on the same core.
//
// Forward:  out[b, oy, ox, co] = bias[co] + Σ_{ky, kx, ci} xpad[b, oy·sh + ky, ox·sw + kx, ci] · w[ky, kx, ci, co]
// Filter:   dW[ky, kx, ci, co] = Σ_{b, oy, ox} xpad[b, oy·sh + ky, ox·sw + kx, ci] · dy[b, oy, ox, co]
//
// Register tiles: 6 output positions × 16 channels (12 accumulators) for the forward pass over
// a filter packed into 16-channel panels; 6 filter rows × 16 channels for the filter gradient,
// one image at a time so that its x and dy stay in L2.
#include <immintrin.h>
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <vector>

// The kernels are compiled for AVX2 + FMA; the module's entry points are not, so that loading
// it and asking supported() is safe on any x86-64 CPU.
#pragma GCC push_options
#pragma GCC target("avx2", "fma")

namespace {

struct Geometry {
  int n, hp, wp, ci, oh, ow, co, kh, kw, sh, sw;
};

// Lanes [0, count) set, for masked loads and stores of a panel's last channels.
inline __m256i laneMask(int count) {
  alignas(32) static const int32_t ramp[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_load_si256(reinterpret_cast<const __m256i*>(ramp)));
}

inline void storeChannels(float* p, __m256 v, int count) {
  if (count >= 8) _mm256_storeu_ps(p, v);
  else if (count > 0) _mm256_maskstore_ps(p, laneMask(count), v);
}

// ---- forward convolution -------------------------------------------------------------------

template <int R>
inline void convTile(const float* xp, size_t px, size_t xrow, const float* panel, int kh, int span,
                     __m256 b0, __m256 b1, float* op, size_t os, bool relu, int lanes) {
  __m256 a0[R], a1[R];
  for (int j = 0; j < R; j++) {
    a0[j] = b0;
    a1[j] = b1;
  }
  for (int k = 0; k < kh; k++) {
    const float* xq = xp + k * xrow;
    const float* wq = panel + static_cast<size_t>(k) * span * 16;
    for (int t = 0; t < span; t++) {
      const __m256 w0 = _mm256_loadu_ps(wq);
      const __m256 w1 = _mm256_loadu_ps(wq + 8);
      for (int j = 0; j < R; j++) {
        const __m256 xv = _mm256_broadcast_ss(xq + j * px);
        a0[j] = _mm256_fmadd_ps(xv, w0, a0[j]);
        a1[j] = _mm256_fmadd_ps(xv, w1, a1[j]);
      }
      xq += 1;
      wq += 16;
    }
  }
  const __m256 zero = _mm256_setzero_ps();
  for (int j = 0; j < R; j++) {
    __m256 v0 = relu ? _mm256_max_ps(a0[j], zero) : a0[j];
    __m256 v1 = relu ? _mm256_max_ps(a1[j], zero) : a1[j];
    float* o = op + j * os;
    if (lanes >= 16) {
      _mm256_storeu_ps(o, v0);
      _mm256_storeu_ps(o + 8, v1);
    } else {
      storeChannels(o, v0, lanes);
      storeChannels(o + 8, v1, lanes - 8);
    }
  }
}

// Narrow outputs (≤ 8 channels, e.g. an input gradient towards a 3-channel image): one vector
// of channels, 12 positions per tile.
template <int R>
inline void convTileNarrow(const float* xp, size_t px, size_t xrow, const float* panel, int kh,
                           int span, __m256 b0, float* op, size_t os, bool relu, int lanes) {
  __m256 a[R];
  for (int j = 0; j < R; j++) a[j] = b0;
  for (int k = 0; k < kh; k++) {
    const float* xq = xp + k * xrow;
    const float* wq = panel + static_cast<size_t>(k) * span * 8;
    for (int t = 0; t < span; t++) {
      const __m256 w0 = _mm256_loadu_ps(wq);
      for (int j = 0; j < R; j++) a[j] = _mm256_fmadd_ps(_mm256_broadcast_ss(xq + j * px), w0, a[j]);
      xq += 1;
      wq += 8;
    }
  }
  const __m256 zero = _mm256_setzero_ps();
  for (int j = 0; j < R; j++) storeChannels(op + j * os, relu ? _mm256_max_ps(a[j], zero) : a[j], lanes);
}

thread_local std::vector<float> panelScratch;

void conv2d(float* base, size_t xAt, size_t wAt, size_t biasAt, size_t outAt, const Geometry& g,
            bool relu) {
  const float* x = base + xAt / 4;
  const float* w = base + wAt / 4;
  const float* bias = biasAt ? base + biasAt / 4 : nullptr;
  float* out = base + outAt / 4;
  const int span = g.kw * g.ci;
  const int depth = g.kh * span;
  const size_t px = static_cast<size_t>(g.sw) * g.ci;
  const size_t xrow = static_cast<size_t>(g.wp) * g.ci;
  const size_t os = g.co;
  const bool narrow = g.co <= 8;
  const int width = narrow ? 8 : 16;
  const int panelCount = (g.co + width - 1) / width;
  // Pack w [depth, co] into panels [panel][depth][width], zero-padded past co.
  panelScratch.assign(static_cast<size_t>(panelCount) * depth * width, 0.f);
  for (int p = 0; p < panelCount; p++) {
    float* panel = panelScratch.data() + static_cast<size_t>(p) * depth * width;
    const int c0 = p * width;
    const int count = g.co - c0 < width ? g.co - c0 : width;
    for (int t = 0; t < depth; t++) std::memcpy(panel + t * width, w + static_cast<size_t>(t) * g.co + c0, count * 4);
  }
  alignas(32) float biasPadded[16];
  for (int p = 0; p < panelCount; p++) {
    const float* panel = panelScratch.data() + static_cast<size_t>(p) * depth * width;
    const int c0 = p * width;
    const int lanes = g.co - c0 < width ? g.co - c0 : width;
    for (int c = 0; c < 16; c++) biasPadded[c] = bias && c < lanes ? bias[c0 + c] : 0.f;
    const __m256 b0 = _mm256_load_ps(biasPadded);
    const __m256 b1 = _mm256_load_ps(biasPadded + 8);
    for (int b = 0; b < g.n; b++) {
      for (int r = 0; r < g.oh; r++) {
        const float* xr = x + (static_cast<size_t>(b) * g.hp + static_cast<size_t>(r) * g.sh) * xrow;
        float* orow = out + (static_cast<size_t>(b) * g.oh + r) * g.ow * os + c0;
        int q = 0;
        if (narrow) {
          for (; q + 12 <= g.ow; q += 12) convTileNarrow<12>(xr + q * px, px, xrow, panel, g.kh, span, b0, orow + q * os, os, relu, lanes);
          for (; q + 4 <= g.ow; q += 4) convTileNarrow<4>(xr + q * px, px, xrow, panel, g.kh, span, b0, orow + q * os, os, relu, lanes);
          for (; q < g.ow; q++) convTileNarrow<1>(xr + q * px, px, xrow, panel, g.kh, span, b0, orow + q * os, os, relu, lanes);
        } else {
          for (; q + 6 <= g.ow; q += 6) convTile<6>(xr + q * px, px, xrow, panel, g.kh, span, b0, b1, orow + q * os, os, relu, lanes);
          for (; q + 2 <= g.ow; q += 2) convTile<2>(xr + q * px, px, xrow, panel, g.kh, span, b0, b1, orow + q * os, os, relu, lanes);
          for (; q < g.ow; q++) convTile<1>(xr + q * px, px, xrow, panel, g.kh, span, b0, b1, orow + q * os, os, relu, lanes);
        }
      }
    }
  }
}

// ---- filter gradient -----------------------------------------------------------------------

// dW rows t0 .. t0+R-1 of patch row ky (t within the span kw·ci) × channels c0 .. c0+15, summed
// over one image's positions, added into dw.
template <int R>
inline void gradTile(const float* xImage, const float* dyImage, float* dw, const Geometry& g, int ky, int t0,
                     int c0, int lanes) {
  __m256 a0[R], a1[R];
  for (int j = 0; j < R; j++) {
    a0[j] = _mm256_setzero_ps();
    a1[j] = _mm256_setzero_ps();
  }
  const __m256i m0 = laneMask(lanes);
  const __m256i m1 = laneMask(lanes - 8);
  const size_t xrow = static_cast<size_t>(g.wp) * g.ci;
  const size_t px = static_cast<size_t>(g.sw) * g.ci;
  for (int r = 0; r < g.oh; r++) {
    const float* xq = xImage + (static_cast<size_t>(r) * g.sh + ky) * xrow + t0;
    const float* dq = dyImage + static_cast<size_t>(r) * g.ow * g.co + c0;
    for (int q = 0; q < g.ow; q++) {
      __m256 d0, d1;
      if (lanes >= 16) {
        d0 = _mm256_loadu_ps(dq);
        d1 = _mm256_loadu_ps(dq + 8);
      } else {
        d0 = _mm256_maskload_ps(dq, m0);
        d1 = _mm256_maskload_ps(dq + 8, m1);
      }
      for (int j = 0; j < R; j++) {
        const __m256 xv = _mm256_broadcast_ss(xq + j);
        a0[j] = _mm256_fmadd_ps(xv, d0, a0[j]);
        a1[j] = _mm256_fmadd_ps(xv, d1, a1[j]);
      }
      xq += px;
      dq += g.co;
    }
  }
  const size_t span = static_cast<size_t>(g.kw) * g.ci;
  for (int j = 0; j < R; j++) {
    float* o = dw + (static_cast<size_t>(ky) * span + t0 + j) * g.co + c0;
    if (lanes >= 16) {
      _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), a0[j]));
      _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), a1[j]));
    } else {
      _mm256_maskstore_ps(o, m0, _mm256_add_ps(_mm256_maskload_ps(o, m0), a0[j]));
      if (lanes > 8) _mm256_maskstore_ps(o + 8, m1, _mm256_add_ps(_mm256_maskload_ps(o + 8, m1), a1[j]));
    }
  }
}

void filterGrad(float* base, size_t xAt, size_t dyAt, size_t dwAt, const Geometry& g) {
  const float* x = base + xAt / 4;
  const float* dy = base + dyAt / 4;
  float* dw = base + dwAt / 4;
  const int span = g.kw * g.ci;
  std::memset(dw, 0, static_cast<size_t>(g.kh) * span * g.co * 4);
  const size_t xImage = static_cast<size_t>(g.hp) * g.wp * g.ci;
  const size_t dyImage = static_cast<size_t>(g.oh) * g.ow * g.co;
  for (int b = 0; b < g.n; b++) {
    const float* xb = x + b * xImage;
    const float* db = dy + b * dyImage;
    for (int c0 = 0; c0 < g.co; c0 += 16) {
      const int lanes = g.co - c0 < 16 ? g.co - c0 : 16;
      for (int ky = 0; ky < g.kh; ky++) {
        int t = 0;
        for (; t + 6 <= span; t += 6) gradTile<6>(xb, db, dw, g, ky, t, c0, lanes);
        for (; t + 2 <= span; t += 2) gradTile<2>(xb, db, dw, g, ky, t, c0, lanes);
        for (; t < span; t++) gradTile<1>(xb, db, dw, g, ky, t, c0, lanes);
      }
    }
  }
}

}  // namespace

#pragma GCC pop_options

namespace {

// ---- N-API ---------------------------------------------------------------------------------

bool readArgs(napi_env env, napi_callback_info info, size_t expected, napi_value* argv, float** base,
              size_t* bytes) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != expected) {
    napi_throw_type_error(env, nullptr, "dmat native kernels: wrong number of arguments");
    return false;
  }
  void* data = nullptr;
  if (napi_get_arraybuffer_info(env, argv[0], &data, bytes) != napi_ok) {
    napi_throw_type_error(env, nullptr, "dmat native kernels: the first argument must be the wasm memory's ArrayBuffer");
    return false;
  }
  *base = static_cast<float*>(data);
  return true;
}

bool readInts(napi_env env, const napi_value* argv, size_t from, size_t count, int64_t* out) {
  for (size_t i = 0; i < count; i++) {
    if (napi_get_value_int64(env, argv[from + i], &out[i]) != napi_ok || out[i] < 0) {
      napi_throw_type_error(env, nullptr, "dmat native kernels: arguments must be non-negative integers");
      return false;
    }
  }
  return true;
}

Geometry geometryOf(const int64_t* v) {
  return Geometry{static_cast<int>(v[0]), static_cast<int>(v[1]), static_cast<int>(v[2]), static_cast<int>(v[3]),
                  static_cast<int>(v[4]), static_cast<int>(v[5]), static_cast<int>(v[6]), static_cast<int>(v[7]),
                  static_cast<int>(v[8]), static_cast<int>(v[9]), static_cast<int>(v[10])};
}

bool inside(napi_env env, size_t bytes, size_t at, size_t count) {
  if (at % 4 != 0 || at + count * 4 > bytes) {
    napi_throw_range_error(env, nullptr, "dmat native kernels: a tensor lies outside the memory");
    return false;
  }
  return true;
}

// conv2d(memory, x, w, bias, out, n, hp, wp, ci, oh, ow, co, kh, kw, sh, sw, relu)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  napi_value argv[17];
  float* base;
  size_t bytes;
  if (!readArgs(env, info, 17, argv, &base, &bytes)) return nullptr;
  int64_t v[16];
  if (!readInts(env, argv, 1, 16, v)) return nullptr;
  const Geometry g = geometryOf(v + 4);
  const size_t depth = static_cast<size_t>(g.kh) * g.kw * g.ci;
  if (!inside(env, bytes, v[0], static_cast<size_t>(g.n) * g.hp * g.wp * g.ci) ||
      !inside(env, bytes, v[1], depth * g.co) || (v[2] && !inside(env, bytes, v[2], g.co)) ||
      !inside(env, bytes, v[3], static_cast<size_t>(g.n) * g.oh * g.ow * g.co))
    return nullptr;
  conv2d(base, v[0], v[1], v[2], v[3], g, v[15] != 0);
  return nullptr;
}

// filterGrad(memory, x, dy, dw, n, hp, wp, ci, oh, ow, co, kh, kw, sh, sw)
napi_value FilterGrad(napi_env env, napi_callback_info info) {
  napi_value argv[15];
  float* base;
  size_t bytes;
  if (!readArgs(env, info, 15, argv, &base, &bytes)) return nullptr;
  int64_t v[14];
  if (!readInts(env, argv, 1, 14, v)) return nullptr;
  const Geometry g = geometryOf(v + 3);
  if (!inside(env, bytes, v[0], static_cast<size_t>(g.n) * g.hp * g.wp * g.ci) ||
      !inside(env, bytes, v[1], static_cast<size_t>(g.n) * g.oh * g.ow * g.co) ||
      !inside(env, bytes, v[2], static_cast<size_t>(g.kh) * g.kw * g.ci * g.co))
    return nullptr;
  filterGrad(base, v[0], v[1], v[2], g);
  return nullptr;
}

napi_value Supported(napi_env env, napi_callback_info) {
  __builtin_cpu_init();
  napi_value result;
  napi_get_boolean(env, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"), &result);
  return result;
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"filterGrad", nullptr, FilterGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"supported", nullptr, Supported, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
