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

// A tile of R consecutive output positions of the flattened [n, oh, ow] grid (so that tiles
// run on across rows and images without short tails), each with its own input pointer.
template <int R>
inline void convTile(const float* const* xs, size_t xrow, const float* panel, int kh, int span,
                     __m256 b0, __m256 b1, float* op, size_t os, bool relu, int lanes) {
  __m256 a0[R], a1[R];
  for (int j = 0; j < R; j++) {
    a0[j] = b0;
    a1[j] = b1;
  }
  for (int k = 0; k < kh; k++) {
    const float* xq[R];
    for (int j = 0; j < R; j++) xq[j] = xs[j] + k * xrow;
    const float* wq = panel + static_cast<size_t>(k) * span * 16;
    for (int t = 0; t < span; t++) {
      const __m256 w0 = _mm256_loadu_ps(wq);
      const __m256 w1 = _mm256_loadu_ps(wq + 8);
#pragma GCC unroll 12
      for (int j = 0; j < R; j++) {
        const __m256 xv = _mm256_broadcast_ss(xq[j] + t);
        a0[j] = _mm256_fmadd_ps(xv, w0, a0[j]);
        a1[j] = _mm256_fmadd_ps(xv, w1, a1[j]);
      }
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
inline void convTileNarrow(const float* const* xs, size_t xrow, const float* panel, int kh, int span,
                           __m256 b0, float* op, size_t os, bool relu, int lanes) {
  __m256 a[R];
  for (int j = 0; j < R; j++) a[j] = b0;
  for (int k = 0; k < kh; k++) {
    const float* xq[R];
    for (int j = 0; j < R; j++) xq[j] = xs[j] + k * xrow;
    const float* wq = panel + static_cast<size_t>(k) * span * 8;
    for (int t = 0; t < span; t++) {
      const __m256 w0 = _mm256_loadu_ps(wq);
#pragma GCC unroll 12
      for (int j = 0; j < R; j++) a[j] = _mm256_fmadd_ps(_mm256_broadcast_ss(xq[j] + t), w0, a[j]);
      wq += 8;
    }
  }
  const __m256 zero = _mm256_setzero_ps();
  for (int j = 0; j < R; j++) storeChannels(op + j * os, relu ? _mm256_max_ps(a[j], zero) : a[j], lanes);
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// Few output channels (C ≤ 4: an input gradient towards an image, a one-channel filter): each
// output is a dot product along the patch rows (kw·ci contiguous values of x and of the filter
// transposed to [C][kh][kw·ci]), vectorised along them, R positions at a time so that each
// filter load serves R positions and every lane does useful work.
template <int C, int R>
inline void fewTile(const float* const* xs, size_t xrow, const float* wt, int kh, int span, const float* bias,
                    float* op, size_t os, bool relu) {
  __m256 a[R][C];
  float tail[R][C];
#pragma GCC unroll 4
  for (int j = 0; j < R; j++)
#pragma GCC unroll 4
    for (int c = 0; c < C; c++) {
      a[j][c] = _mm256_setzero_ps();
      tail[j][c] = 0.f;
    }
  const int vectorSpan = span & ~7;
  const size_t cStride = static_cast<size_t>(kh) * span;
  for (int k = 0; k < kh; k++) {
    const float* wk = wt + static_cast<size_t>(k) * span;
    int t = 0;
    for (; t < vectorSpan; t += 8) {
      __m256 wv[C];
#pragma GCC unroll 4
      for (int c = 0; c < C; c++) wv[c] = _mm256_loadu_ps(wk + c * cStride + t);
#pragma GCC unroll 4
      for (int j = 0; j < R; j++) {
        const __m256 xv = _mm256_loadu_ps(xs[j] + k * xrow + t);
#pragma GCC unroll 4
        for (int c = 0; c < C; c++) a[j][c] = _mm256_fmadd_ps(xv, wv[c], a[j][c]);
      }
    }
    for (; t < span; t++) {
      for (int j = 0; j < R; j++) {
        const float xv = xs[j][k * xrow + t];
        for (int c = 0; c < C; c++) tail[j][c] += xv * wk[c * cStride + t];
      }
    }
  }
  for (int j = 0; j < R; j++)
    for (int c = 0; c < C; c++) {
      const float v = hsum(a[j][c]) + tail[j][c] + (bias ? bias[c] : 0.f);
      op[j * os + c] = relu && v < 0.f ? 0.f : v;
    }
}

thread_local std::vector<float> panelScratch;
thread_local std::vector<float> biasScratch;

template <int C>
void convFewC(const float* x, const float* wt, const float* bias, float* out, const Geometry& g, bool relu) {
  const int span = g.kw * g.ci;
  const size_t px = static_cast<size_t>(g.sw) * g.ci;
  const size_t xrow = static_cast<size_t>(g.wp) * g.ci;
  const int positions = g.n * g.oh * g.ow;
  const float* xs[4];
  int b = 0, r = 0, q = 0;
  auto next = [&]() {
    const float* here = x + (static_cast<size_t>(b) * g.hp + static_cast<size_t>(r) * g.sh) * xrow + q * px;
    if (++q == g.ow) {
      q = 0;
      if (++r == g.oh) {
        r = 0;
        ++b;
      }
    }
    return here;
  };
  int p = 0;
  for (; p + 4 <= positions; p += 4) {
    for (int j = 0; j < 4; j++) xs[j] = next();
    fewTile<C, 4>(xs, xrow, wt, g.kh, span, bias, out + static_cast<size_t>(p) * C, C, relu);
  }
  for (; p < positions; p++) {
    xs[0] = next();
    fewTile<C, 1>(xs, xrow, wt, g.kh, span, bias, out + static_cast<size_t>(p) * C, C, relu);
  }
}

thread_local std::vector<float> transposedScratch;

void convFew(const float* x, const float* w, const float* bias, float* out, const Geometry& g, bool relu) {
  // w [kh, kw·ci, co] → wt [co][kh][kw·ci]
  const size_t depth = static_cast<size_t>(g.kh) * g.kw * g.ci;
  transposedScratch.resize(depth * g.co);
  float* wt = transposedScratch.data();
  for (size_t t = 0; t < depth; t++)
    for (int c = 0; c < g.co; c++) wt[c * depth + t] = w[t * g.co + c];
  switch (g.co) {
    case 1: convFewC<1>(x, wt, bias, out, g, relu); break;
    case 2: convFewC<2>(x, wt, bias, out, g, relu); break;
    case 3: convFewC<3>(x, wt, bias, out, g, relu); break;
    default: convFewC<4>(x, wt, bias, out, g, relu); break;
  }
}

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
  if (g.co <= 4 && span >= 8) {
    convFew(x, w, bias, out, g, relu);
    return;
  }
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
  biasScratch.assign(static_cast<size_t>(panelCount) * 16, 0.f);
  float* biasPadded = biasScratch.data();
  for (int pi = 0; pi < panelCount; pi++) {
    const int c0 = pi * width;
    const int lanes = g.co - c0 < width ? g.co - c0 : width;
    for (int c = 0; c < 16; c++) biasPadded[pi * 16 + c] = bias && c < lanes ? bias[c0 + c] : 0.f;
  }
  // Output positions flattened over [n, oh, ow], so that tiles run on across rows and images;
  // blocks of 96 positions (16 tiles of 6, 8 of 12) go through every panel while their input
  // rows are in L1/L2.
  const int positions = g.n * g.oh * g.ow;
  // The input pointer of each flattened position, walked without divisions.
  struct Cursor {
    const Geometry& g;
    const float* x;
    size_t xrow, px;
    int b = 0, r = 0, q = 0;
    const float* at() const {
      return x + (static_cast<size_t>(b) * g.hp + static_cast<size_t>(r) * g.sh) * xrow + q * px;
    }
    void seek(int p) {
      q = p % g.ow;
      r = (p / g.ow) % g.oh;
      b = p / (g.ow * g.oh);
    }
    const float* next() {
      const float* here = at();
      if (++q == g.ow) {
        q = 0;
        if (++r == g.oh) {
          r = 0;
          ++b;
        }
      }
      return here;
    }
  };
  Cursor cursor{g, x, xrow, px};
  const float* xs[12];
  constexpr int kBlock = 96;
  for (int start = 0; start < positions; start += kBlock) {
    const int end = start + kBlock < positions ? start + kBlock : positions;
    for (int pi = 0; pi < panelCount; pi++) {
      const float* panel = panelScratch.data() + static_cast<size_t>(pi) * depth * width;
      const int c0 = pi * width;
      const int lanes = g.co - c0 < width ? g.co - c0 : width;
      const __m256 b0 = _mm256_loadu_ps(biasPadded + pi * 16);
      const __m256 b1 = _mm256_loadu_ps(biasPadded + pi * 16 + 8);
      float* const o0 = out + c0;
      cursor.seek(start);
      int p = start;
      if (narrow) {
        for (; p + 12 <= end; p += 12) {
          for (int j = 0; j < 12; j++) xs[j] = cursor.next();
          convTileNarrow<12>(xs, xrow, panel, g.kh, span, b0, o0 + p * os, os, relu, lanes);
        }
        for (; p + 4 <= end; p += 4) {
          for (int j = 0; j < 4; j++) xs[j] = cursor.next();
          convTileNarrow<4>(xs, xrow, panel, g.kh, span, b0, o0 + p * os, os, relu, lanes);
        }
        for (; p < end; p++) {
          xs[0] = cursor.next();
          convTileNarrow<1>(xs, xrow, panel, g.kh, span, b0, o0 + p * os, os, relu, lanes);
        }
      } else {
        for (; p + 6 <= end; p += 6) {
          for (int j = 0; j < 6; j++) xs[j] = cursor.next();
          convTile<6>(xs, xrow, panel, g.kh, span, b0, b1, o0 + p * os, os, relu, lanes);
        }
        for (; p + 2 <= end; p += 2) {
          for (int j = 0; j < 2; j++) xs[j] = cursor.next();
          convTile<2>(xs, xrow, panel, g.kh, span, b0, b1, o0 + p * os, os, relu, lanes);
        }
        for (; p < end; p++) {
          xs[0] = cursor.next();
          convTile<1>(xs, xrow, panel, g.kh, span, b0, b1, o0 + p * os, os, relu, lanes);
        }
      }
    }
  }
}

// ---- filter gradient -----------------------------------------------------------------------

// dW rows t0 .. t0+R-1 of patch row ky (t within the span kw·ci) × channels c0 .. c0+15, summed
// over one image's positions, added into dw. Full: all 16 channels exist (no masks in the loop,
// which would keep GCC from holding the accumulators in registers).
template <int R, bool Full>
inline void gradTile(const float* xImage, const float* dyImage, float* dw, const Geometry& g, int ky, int t0,
                     int c0, int lanes) {
  __m256 a0[R], a1[R];
#pragma GCC unroll 8
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
      const __m256 d0 = Full ? _mm256_loadu_ps(dq) : _mm256_maskload_ps(dq, m0);
      const __m256 d1 = Full ? _mm256_loadu_ps(dq + 8) : _mm256_maskload_ps(dq + 8, m1);
#pragma GCC unroll 8
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
#pragma GCC unroll 8
  for (int j = 0; j < R; j++) {
    float* o = dw + (static_cast<size_t>(ky) * span + t0 + j) * g.co + c0;
    if (Full) {
      _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), a0[j]));
      _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), a1[j]));
    } else {
      _mm256_maskstore_ps(o, m0, _mm256_add_ps(_mm256_maskload_ps(o, m0), a0[j]));
      if (lanes > 8) _mm256_maskstore_ps(o + 8, m1, _mm256_add_ps(_mm256_maskload_ps(o + 8, m1), a1[j]));
    }
  }
}

template <bool Full>
void gradRow(const float* xb, const float* db, float* dw, const Geometry& g, int ky, int span, int c0, int lanes) {
  int t = 0;
  for (; t + 6 <= span; t += 6) gradTile<6, Full>(xb, db, dw, g, ky, t, c0, lanes);
  // The last 1–5 rows in one tile of exactly that height.
  switch (span - t) {
    case 5: gradTile<5, Full>(xb, db, dw, g, ky, t, c0, lanes); break;
    case 4: gradTile<4, Full>(xb, db, dw, g, ky, t, c0, lanes); break;
    case 3: gradTile<3, Full>(xb, db, dw, g, ky, t, c0, lanes); break;
    case 2: gradTile<2, Full>(xb, db, dw, g, ky, t, c0, lanes); break;
    case 1: gradTile<1, Full>(xb, db, dw, g, ky, t, c0, lanes); break;
    default: break;
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
        if (lanes == 16) gradRow<true>(xb, db, dw, g, ky, span, c0, lanes);
        else gradRow<false>(xb, db, dw, g, ky, span, c0, lanes);
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
    if (napi_get_value_int64(env, argv[from + i], &out[i]) != napi_ok || out[i] < 0 ||
        out[i] > 0xFFFFFFFFLL) {
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

// The geometry must be one a convolution can have: the kernel reads rows and columns up to
// (oh - 1)·sh + kh and (ow - 1)·sw + kw of the padded input, never past it.
bool consistent(napi_env env, const Geometry& g) {
  const bool ok = g.kh >= 1 && g.kw >= 1 && g.ci >= 1 && g.co >= 1 && g.sh >= 1 && g.sw >= 1 &&
                  g.oh >= 1 && g.ow >= 1 && static_cast<int64_t>(g.oh - 1) * g.sh + g.kh <= g.hp &&
                  static_cast<int64_t>(g.ow - 1) * g.sw + g.kw <= g.wp;
  if (!ok) napi_throw_range_error(env, nullptr, "dmat native kernels: inconsistent convolution geometry");
  return ok;
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
  if (!consistent(env, g)) return nullptr;
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
  if (!consistent(env, g)) return nullptr;
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
