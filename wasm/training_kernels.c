// Training kernels for the tfjs wasm backend, compiled to a small WebAssembly module that imports the
// backend's own memory, so tensors are read and written in place (no copies through JS).
//
// Rules that keep this module safe inside someone else's heap:
// - no static data and no stack arrays: every buffer is a pointer passed in by JS (tensors or scratch
//   from the backend's malloc), so the module never writes outside what it was given;
// - no libc: memcpy/memset lower to bulk-memory instructions (-mbulk-memory).
// Layouts are tfjs's: NHWC activations, HWIO filters ([KH, KW, Cin, Cout]), depthwise [KH, KW, C, M].
//
// Build: wasm/build.sh (Debian clang + lld).

#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef unsigned long size_t;

// ---------------------------------------------------------------------------------------------
// GEMM: C[M,N] (+)= op(A)[M,K] * op(B)[K,N], row-major, op = optional transpose.
// Goto-style blocking: B is packed per K-block into NR-wide panels (kept in L1/L2), A per (M,K) block
// into MR-tall panels, and a 4x8 register-tile micro-kernel does the arithmetic (8 accumulators, so
// V8's 16 SIMD registers never spill on x64).
// ---------------------------------------------------------------------------------------------

#define MR 4
#define NR 8
#define KC 256
#define MC 128

/** Scratch floats gemm needs for a product with N columns. */
EXPORT(gemm_scratch_floats)
int gemm_scratch_floats(int n) {
  int npanels = (n + NR - 1) / NR;
  return MC * KC + KC * npanels * NR + MR * NR;
}

static void pack_a(const float* a, int lda, int trans_a, int i0, int mc, int k0, int kc, float* ap) {
  for (int ip = 0; ip < mc; ip += MR) {
    int rows = mc - ip < MR ? mc - ip : MR;
    float* dst = ap + ip * kc;
    if (trans_a) {
      // op(A)[i][k] = A[k][i]: the MR rows of a panel are contiguous in memory.
      for (int k = 0; k < kc; k++) {
        const float* src = a + (size_t)(k0 + k) * lda + i0 + ip;
        if (rows == MR) {
          wasm_v128_store(dst + k * MR, wasm_v128_load(src));
        } else {
          for (int r = 0; r < MR; r++) dst[k * MR + r] = r < rows ? src[r] : 0.0f;
        }
      }
    } else {
      for (int r = 0; r < MR; r++) {
        if (r < rows) {
          const float* src = a + (size_t)(i0 + ip + r) * lda + k0;
          for (int k = 0; k < kc; k++) dst[k * MR + r] = src[k];
        } else {
          for (int k = 0; k < kc; k++) dst[k * MR + r] = 0.0f;
        }
      }
    }
  }
}

static void pack_b(const float* b, int ldb, int trans_b, int n, int k0, int kc, float* bp) {
  for (int j0 = 0; j0 < n; j0 += NR) {
    int cols = n - j0 < NR ? n - j0 : NR;
    float* dst = bp + j0 * kc;
    if (!trans_b) {
      for (int k = 0; k < kc; k++) {
        const float* src = b + (size_t)(k0 + k) * ldb + j0;
        if (cols == NR) {
          wasm_v128_store(dst + k * NR, wasm_v128_load(src));
          wasm_v128_store(dst + k * NR + 4, wasm_v128_load(src + 4));
        } else {
          for (int c = 0; c < NR; c++) dst[k * NR + c] = c < cols ? src[c] : 0.0f;
        }
      }
    } else {
      // op(B)[k][j] = B[j][k]
      for (int c = 0; c < NR; c++) {
        if (c < cols) {
          const float* src = b + (size_t)(j0 + c) * ldb + k0;
          for (int k = 0; k < kc; k++) dst[k * NR + c] = src[k];
        } else {
          for (int k = 0; k < kc; k++) dst[k * NR + c] = 0.0f;
        }
      }
    }
  }
}

static inline v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }

static void store_row(float* c, v128_t lo, v128_t hi, int accumulate) {
  if (accumulate) {
    lo = wasm_f32x4_add(lo, wasm_v128_load(c));
    hi = wasm_f32x4_add(hi, wasm_v128_load(c + 4));
  }
  wasm_v128_store(c, lo);
  wasm_v128_store(c + 4, hi);
}

static void micro_kernel(int kc, const float* a, const float* b, float* c, int ldc, int accumulate, int rows,
                         int cols, float* tile) {
  v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t av = wasm_v128_load(a);
    v128_t b0 = wasm_v128_load(b);
    v128_t b1 = wasm_v128_load(b + 4);
    a += MR;
    b += NR;
    v128_t a0 = wasm_i32x4_shuffle(av, av, 0, 0, 0, 0);
    v128_t a1 = wasm_i32x4_shuffle(av, av, 1, 1, 1, 1);
    v128_t a2 = wasm_i32x4_shuffle(av, av, 2, 2, 2, 2);
    v128_t a3 = wasm_i32x4_shuffle(av, av, 3, 3, 3, 3);
    c00 = madd(c00, a0, b0);
    c01 = madd(c01, a0, b1);
    c10 = madd(c10, a1, b0);
    c11 = madd(c11, a1, b1);
    c20 = madd(c20, a2, b0);
    c21 = madd(c21, a2, b1);
    c30 = madd(c30, a3, b0);
    c31 = madd(c31, a3, b1);
  }
  if (rows == MR && cols == NR) {
    store_row(c, c00, c01, accumulate);
    store_row(c + ldc, c10, c11, accumulate);
    store_row(c + 2 * ldc, c20, c21, accumulate);
    store_row(c + 3 * ldc, c30, c31, accumulate);
    return;
  }
  // Edge tile: spill to scratch, copy the valid part.
  store_row(tile, c00, c01, 0);
  store_row(tile + NR, c10, c11, 0);
  store_row(tile + 2 * NR, c20, c21, 0);
  store_row(tile + 3 * NR, c30, c31, 0);
  for (int r = 0; r < rows; r++) {
    for (int j = 0; j < cols; j++) {
      float v = tile[r * NR + j];
      c[r * ldc + j] = accumulate ? c[r * ldc + j] + v : v;
    }
  }
}

/** C[M,N] (+)= op(A) * op(B); `accumulate` adds to C instead of overwriting it. */
EXPORT(gemm)
void gemm(int m, int n, int k, const float* a, int lda, int trans_a, const float* b, int ldb, int trans_b,
          float* c, int ldc, int accumulate, float* scratch) {
  float* ap = scratch;
  float* bp = scratch + MC * KC;
  float* tile = bp + KC * ((n + NR - 1) / NR) * NR;
  if (k == 0) {
    if (!accumulate)
      for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) c[(size_t)i * ldc + j] = 0.0f;
    return;
  }
  for (int k0 = 0; k0 < k; k0 += KC) {
    int kc = k - k0 < KC ? k - k0 : KC;
    int acc = accumulate || k0 > 0;
    pack_b(b, ldb, trans_b, n, k0, kc, bp);
    for (int i0 = 0; i0 < m; i0 += MC) {
      int mc = m - i0 < MC ? m - i0 : MC;
      pack_a(a, lda, trans_a, i0, mc, k0, kc, ap);
      for (int j0 = 0; j0 < n; j0 += NR) {
        int cols = n - j0 < NR ? n - j0 : NR;
        for (int ip = 0; ip < mc; ip += MR) {
          int rows = mc - ip < MR ? mc - ip : MR;
          micro_kernel(kc, ap + ip * kc, bp + j0 * kc, c + (size_t)(i0 + ip) * ldc + j0, ldc, acc, rows, cols,
                       tile);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// im2col / col2im for a row range of the output grid (rows = (n, oh, ow)), so callers can work in
// cache-sized chunks instead of materialising the whole column matrix.
// Column layout per row: [KH][KW][C], matching an HWIO filter flattened to [KH*KW*Cin, Cout].
// ---------------------------------------------------------------------------------------------

// Short copies (a few channels) as plain moves: a bulk-memory call per pixel costs more than the copy.
static inline void copy_floats(float* d, const float* s, int n) {
  if (n >= 64) {
    __builtin_memcpy(d, s, (size_t)n * 4);
    return;
  }
  int c = 0;
  for (; c + 4 <= n; c += 4) wasm_v128_store(d + c, wasm_v128_load(s + c));
  for (; c < n; c++) d[c] = s[c];
}

/** Writes rows [r0, r1) of the im2col matrix of NHWC `x` to `col`. */
EXPORT(im2col)
void im2col(const float* x, int h, int w, int ch, int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl,
            int oh, int ow, int r0, int r1, float* col) {
  int rowlen = kh * kw * ch;
  for (int r = r0; r < r1; r++) {
    int n = r / (oh * ow);
    int rem = r - n * oh * ow;
    int y = rem / ow;
    int xo = rem - y * ow;
    float* dst = col + (size_t)(r - r0) * rowlen;
    for (int i = 0; i < kh; i++) {
      int iy = y * sh - pt + i * dh;
      for (int j = 0; j < kw; j++) {
        int ix = xo * sw - pl + j * dw;
        float* d = dst + (i * kw + j) * ch;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
          for (int c = 0; c < ch; c++) d[c] = 0.0f;
        } else {
          copy_floats(d, x + (((size_t)n * h + iy) * w + ix) * ch, ch);
        }
      }
    }
  }
}

/** Adds rows [r0, r1) of a column matrix back into NHWC `dx` (the adjoint of im2col). */
EXPORT(col2im)
void col2im(const float* col, int h, int w, int ch, int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl,
            int oh, int ow, int r0, int r1, float* dx) {
  int rowlen = kh * kw * ch;
  for (int r = r0; r < r1; r++) {
    int n = r / (oh * ow);
    int rem = r - n * oh * ow;
    int y = rem / ow;
    int xo = rem - y * ow;
    const float* src = col + (size_t)(r - r0) * rowlen;
    for (int i = 0; i < kh; i++) {
      int iy = y * sh - pt + i * dh;
      if (iy < 0 || iy >= h) continue;
      for (int j = 0; j < kw; j++) {
        int ix = xo * sw - pl + j * dw;
        if (ix < 0 || ix >= w) continue;
        const float* s = src + (i * kw + j) * ch;
        float* d = dx + (((size_t)n * h + iy) * w + ix) * ch;
        int c = 0;
        for (; c + 4 <= ch; c += 4) wasm_v128_store(d + c, wasm_f32x4_add(wasm_v128_load(d + c), wasm_v128_load(s + c)));
        for (; c < ch; c++) d[c] += s[c];
      }
    }
  }
}

/** Fills `n` floats with zero. */
EXPORT(zero_floats)
void zero_floats(float* p, int n) { __builtin_memset(p, 0, (size_t)n * 4); }

// ---------------------------------------------------------------------------------------------
// Max-pool gradient. Each output's gradient goes to the first maximum of its window (strict >, running
// max starting at -inf), the same rule as tfjs's 'cpu' backend; padding never wins.
// ---------------------------------------------------------------------------------------------

/** dx = gradient of maxPool(x) given dy; NHWC. */
EXPORT(max_pool_grad)
void max_pool_grad(const float* x, const float* dy, float* dx, int n, int h, int w, int ch, int fh, int fw, int sh,
                   int sw, int dh, int dw, int pt, int pl, int oh, int ow) {
  __builtin_memset(dx, 0, (size_t)n * h * w * ch * 4);
  for (int b = 0; b < n; b++) {
    const float* xb = x + (size_t)b * h * w * ch;
    float* dxb = dx + (size_t)b * h * w * ch;
    for (int y = 0; y < oh; y++) {
      for (int xo = 0; xo < ow; xo++) {
        const float* g = dy + (((size_t)b * oh + y) * ow + xo) * ch;
        int c = 0;
        for (; c + 4 <= ch; c += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t where = wasm_i32x4_splat(-1);
          for (int i = 0; i < fh; i++) {
            int iy = y * sh - pt + i * dh;
            if (iy < 0 || iy >= h) continue;
            for (int j = 0; j < fw; j++) {
              int ix = xo * sw - pl + j * dw;
              if (ix < 0 || ix >= w) continue;
              int off = (iy * w + ix) * ch + c;
              v128_t v = wasm_v128_load(xb + off);
              v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              where = wasm_v128_bitselect(wasm_i32x4_splat(off), where, gt);
            }
          }
          int o0 = wasm_i32x4_extract_lane(where, 0), o1 = wasm_i32x4_extract_lane(where, 1);
          int o2 = wasm_i32x4_extract_lane(where, 2), o3 = wasm_i32x4_extract_lane(where, 3);
          if (o0 >= 0) dxb[o0] += g[c];
          if (o1 >= 0) dxb[o1 + 1] += g[c + 1];
          if (o2 >= 0) dxb[o2 + 2] += g[c + 2];
          if (o3 >= 0) dxb[o3 + 3] += g[c + 3];
        }
        for (; c < ch; c++) {
          float best = -__builtin_inff();
          int where = -1;
          for (int i = 0; i < fh; i++) {
            int iy = y * sh - pt + i * dh;
            if (iy < 0 || iy >= h) continue;
            for (int j = 0; j < fw; j++) {
              int ix = xo * sw - pl + j * dw;
              if (ix < 0 || ix >= w) continue;
              int off = (iy * w + ix) * ch + c;
              if (xb[off] > best) {
                best = xb[off];
                where = off;
              }
            }
          }
          if (where >= 0) dxb[where] += g[c];
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Average-pool gradient. tfjs's forward pass (cpu and XNNPACK alike) divides each window by the number of its
// elements inside the input, so under 'same' (or explicit) padding a border window of a 3x3 pool averages 4 or 6
// values, not 9. Its gradient must divide by the same count: dx[p] = sum over the windows o containing p of
// dy[o] / count(o). (tfjs 4.22's cpu and stock wasm kernels divide by the full window size instead.)
// Computed per input pixel (a gather), so any split of the input rows gives the same bits.
// ---------------------------------------------------------------------------------------------

// The window positions o (0 <= o < on) along one axis whose window [o*s - p, o*s - p + f) contains index i.
static inline int first_window(int i, int f, int s, int p) {
  int lo = i + p - f + 1;
  return lo <= 0 ? 0 : (lo + s - 1) / s;
}
static inline int last_window(int i, int s, int p, int on) {
  int hi = (i + p) / s;
  return hi < on - 1 ? hi : on - 1;
}
// How many indices of window o lie inside [0, n).
static inline int inside(int o, int f, int s, int p, int n) {
  int start = o * s - p;
  int end = start + f < n ? start + f : n;
  return end - (start > 0 ? start : 0);
}

// The scale of window (y, xo): 1 / its count of elements inside the input.
static inline float window_scale(int y, int xo, int fh, int fw, int sh, int sw, int pt, int pl, int h, int w, float full) {
  int rows = inside(y, fh, sh, pt, h), cols = inside(xo, fw, sw, pl, w);
  return rows == fh && cols == fw ? full : 1.0f / (float)(rows * cols);
}

/**
 * Rows [r0, r1) of dx (row r = image r / h, input row r % h) = gradient of avgPool given dy; NHWC. Each dx element
 * is a sum over its windows in a fixed order (rows, then columns), accumulated in registers 16 channels at a time.
 */
EXPORT(avg_pool_grad)
void avg_pool_grad(const float* dy, float* dx, int h, int w, int ch, int fh, int fw, int sh, int sw, int pt, int pl,
                   int oh, int ow, int r0, int r1) {
  const float full = 1.0f / (float)(fh * fw);
  for (int r = r0; r < r1; r++) {
    int b = r / h;
    int iy = r - b * h;
    int y0 = first_window(iy, fh, sh, pt), y1 = last_window(iy, sh, pt, oh);
    const float* dyb = dy + (size_t)b * oh * ow * ch;
    float* dxr = dx + (size_t)r * w * ch;
    for (int ix = 0; ix < w; ix++) {
      int x0 = first_window(ix, fw, sw, pl), x1 = last_window(ix, sw, pl, ow);
      float* d = dxr + (size_t)ix * ch;
      int c = 0;
      for (; c + 16 <= ch; c += 16) {
        v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
        for (int y = y0; y <= y1; y++) {
          for (int xo = x0; xo <= x1; xo++) {
            v128_t sv = wasm_f32x4_splat(window_scale(y, xo, fh, fw, sh, sw, pt, pl, h, w, full));
            const float* g = dyb + ((size_t)y * ow + xo) * ch + c;
            a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(g), sv));
            a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(g + 4), sv));
            a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(g + 8), sv));
            a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(g + 12), sv));
          }
        }
        wasm_v128_store(d + c, a0);
        wasm_v128_store(d + c + 4, a1);
        wasm_v128_store(d + c + 8, a2);
        wasm_v128_store(d + c + 12, a3);
      }
      for (; c + 4 <= ch; c += 4) {
        v128_t a = wasm_f32x4_splat(0.0f);
        for (int y = y0; y <= y1; y++) {
          for (int xo = x0; xo <= x1; xo++) {
            v128_t sv = wasm_f32x4_splat(window_scale(y, xo, fh, fw, sh, sw, pt, pl, h, w, full));
            a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(dyb + ((size_t)y * ow + xo) * ch + c), sv));
          }
        }
        wasm_v128_store(d + c, a);
      }
      for (; c < ch; c++) {
        float a = 0.0f;
        for (int y = y0; y <= y1; y++) {
          for (int xo = x0; xo <= x1; xo++) a += dyb[((size_t)y * ow + xo) * ch + c] * window_scale(y, xo, fh, fw, sh, sw, pt, pl, h, w, full);
        }
        d[c] = a;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reductions and broadcasts that batch norm and bias gradients need.
// ---------------------------------------------------------------------------------------------

// Column sums accumulate in blocks of 256 rows, then add block totals: rounding error grows with
// 256 + rows/256 instead of rows (a batch-norm reduction has about 10^5 rows).
#define SUM_BLOCK 256

static void add_into(float* acc, const float* s, int cols) {
  int c = 0;
  for (; c + 4 <= cols; c += 4) wasm_v128_store(acc + c, wasm_f32x4_add(wasm_v128_load(acc + c), wasm_v128_load(s + c)));
  for (; c < cols; c++) acc[c] += s[c];
}

/** out[c] = scale * sum_r x[r, c] for a row-major [rows, cols] matrix (a sum over leading axes); block = cols floats of scratch. */
EXPORT(column_sum)
void column_sum(const float* x, int rows, int cols, float scale, float* out, float* block) {
  __builtin_memset(out, 0, (size_t)cols * 4);
  for (int r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
    int r1 = rows - r0 < SUM_BLOCK ? rows : r0 + SUM_BLOCK;
    __builtin_memset(block, 0, (size_t)cols * 4);
    for (int r = r0; r < r1; r++) add_into(block, x + (size_t)r * cols, cols);
    add_into(out, block, cols);
  }
  if (scale != 1.0f)
    for (int c = 0; c < cols; c++) out[c] *= scale;
}

/**
 * Gradients of y = (x - mean) * scale / sqrt(var + eps) + offset for x [rows, cols] and per-column
 * mean/var/scale, with mean and var as separate inputs (as tfjs's FusedBatchNorm gradient defines them):
 * dx = dy*scale*inv, dmean = -scale*inv*sum(dy), dvar = -scale*inv^3/2 * sum(dy*(x-mean)),
 * dscale = inv*sum(dy*(x-mean)), doffset = sum(dy). In three steps so row ranges can run on several threads:
 * batch_norm_grad_sums per row range, batch_norm_grad_finish once, batch_norm_grad_dx per row range.
 */

/** sum_dy[c] = sum_r dy[r,c], sum_dyxm[c] = sum_r dy[r,c]*(x[r,c]-mean[c]) over `rows` rows; scratch: 2*cols floats. */
EXPORT(batch_norm_grad_sums)
void batch_norm_grad_sums(const float* x, const float* dy, const float* mean, int rows, int cols, float* sum_dy,
                          float* sum_dyxm, float* scratch) {
  float* blk_dy = scratch;
  float* blk_dyxm = scratch + cols;
  __builtin_memset(sum_dy, 0, (size_t)cols * 4);
  __builtin_memset(sum_dyxm, 0, (size_t)cols * 4);
  for (int r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
    int r1 = rows - r0 < SUM_BLOCK ? rows : r0 + SUM_BLOCK;
    __builtin_memset(blk_dy, 0, (size_t)cols * 8);
    for (int r = r0; r < r1; r++) {
      const float* xr = x + (size_t)r * cols;
      const float* gr = dy + (size_t)r * cols;
      int c = 0;
      for (; c + 4 <= cols; c += 4) {
        v128_t g = wasm_v128_load(gr + c);
        v128_t xm = wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(mean + c));
        wasm_v128_store(blk_dy + c, wasm_f32x4_add(wasm_v128_load(blk_dy + c), g));
        wasm_v128_store(blk_dyxm + c, madd(wasm_v128_load(blk_dyxm + c), g, xm));
      }
      for (; c < cols; c++) {
        blk_dy[c] += gr[c];
        blk_dyxm[c] += gr[c] * (xr[c] - mean[c]);
      }
    }
    add_into(sum_dy, blk_dy, cols);
    add_into(sum_dyxm, blk_dyxm, cols);
  }
}

/** Per-column gradients from the sums; factor[c] = scale*inv for batch_norm_grad_dx. scale = 0 pointer means 1. */
EXPORT(batch_norm_grad_finish)
void batch_norm_grad_finish(const float* sum_dy, const float* sum_dyxm, const float* var, const float* scale, float eps,
                            int cols, float* factor, float* dmean, float* dvar, float* dscale, float* doffset) {
  for (int c = 0; c < cols; c++) {
    float inv = 1.0f / __builtin_sqrtf(var[c] + eps);
    float sc = scale ? scale[c] : 1.0f;
    factor[c] = sc * inv;
    doffset[c] = sum_dy[c];
    dscale[c] = sum_dyxm[c] * inv;
    dmean[c] = -sc * inv * sum_dy[c];
    dvar[c] = -0.5f * sc * inv * inv * inv * sum_dyxm[c];
  }
}

/** dx[r,c] = dy[r,c] * factor[c] over `rows` rows. */
EXPORT(batch_norm_grad_dx)
void batch_norm_grad_dx(const float* dy, const float* factor, int rows, int cols, float* dx) {
  for (int r = 0; r < rows; r++) {
    const float* gr = dy + (size_t)r * cols;
    float* d = dx + (size_t)r * cols;
    int c = 0;
    for (; c + 4 <= cols; c += 4) wasm_v128_store(d + c, wasm_f32x4_mul(wasm_v128_load(gr + c), wasm_v128_load(factor + c)));
    for (; c < cols; c++) d[c] = gr[c] * factor[c];
  }
}

/** out[r, c] = row[c] / divisor for `rows` rows: the gradient of a mean over leading axes (as tfjs divides). */
EXPORT(broadcast_rows)
void broadcast_rows(const float* row, int cols, int rows, float divisor, float* out) {
  v128_t d = wasm_f32x4_splat(divisor);
  for (int r = 0; r < rows; r++) {
    float* o = out + (size_t)r * cols;
    int c = 0;
    for (; c + 4 <= cols; c += 4) wasm_v128_store(o + c, wasm_f32x4_div(wasm_v128_load(row + c), d));
    for (; c < cols; c++) o[c] = row[c] / divisor;
  }
}

/** out[i] = 2 * x[i] * dy[i] for n floats: the gradient of square(x). */
EXPORT(square_grad)
void square_grad(const float* x, const float* dy, int n, float* out) {
  int i = 0;
  v128_t two = wasm_f32x4_splat(2.0f);
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(x + i), two), wasm_v128_load(dy + i)));
  for (; i < n; i++) out[i] = x[i] * 2.0f * dy[i];
}

/** acc[i] += s[i] for n floats (adds the partial results of row slices, in a fixed order). */
EXPORT(add_floats)
void add_floats(float* acc, const float* s, int n) { add_into(acc, s, n); }

/** p[i] *= scale for n floats. */
EXPORT(scale_floats)
void scale_floats(float* p, int n, float scale) {
  for (int i = 0; i < n; i++) p[i] *= scale;
}

/**
 * y = (x - mean) * scale / sqrt(var + eps) + offset for x [rows, cols] and per-column statistics (scale and
 * offset pointers may be 0: 1 and 0). scratch: cols floats.
 */
EXPORT(batch_norm)
void batch_norm(const float* x, const float* mean, const float* var, const float* offset, const float* scale, float eps,
                int rows, int cols, float* y, float* scratch) {
  for (int c = 0; c < cols; c++) scratch[c] = (scale ? scale[c] : 1.0f) / __builtin_sqrtf(var[c] + eps);
  for (int r = 0; r < rows; r++) {
    const float* xr = x + (size_t)r * cols;
    float* yr = y + (size_t)r * cols;
    int c = 0;
    if (offset) {
      for (; c + 4 <= cols; c += 4)
        wasm_v128_store(yr + c, madd(wasm_v128_load(offset + c), wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(mean + c)), wasm_v128_load(scratch + c)));
    } else {
      for (; c + 4 <= cols; c += 4)
        wasm_v128_store(yr + c, wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(mean + c)), wasm_v128_load(scratch + c)));
    }
    for (; c < cols; c++) yr[c] = (xr[c] - mean[c]) * scratch[c] + (offset ? offset[c] : 0.0f);
  }
}

/** Tiles a rank-4 tensor of shape s by reps (out shape s[i]*reps[i]); rows of the last axis are block copies. */
EXPORT(tile4)
void tile4(const float* x, int s0, int s1, int s2, int s3, int r0, int r1, int r2, int r3, float* out) {
  int o0 = s0 * r0, o1 = s1 * r1, o2 = s2 * r2, o3 = s3 * r3;
  float* d = out;
  for (int i0 = 0; i0 < o0; i0++) {
    for (int i1 = 0; i1 < o1; i1++) {
      for (int i2 = 0; i2 < o2; i2++) {
        const float* src = x + (((size_t)(i0 % s0) * s1 + (i1 % s1)) * s2 + (i2 % s2)) * s3;
        if (s3 == 1) {
          float v = src[0];
          for (int j = 0; j < o3; j++) d[j] = v;
        } else {
          for (int j = 0; j < r3; j++) __builtin_memcpy(d + j * s3, src, (size_t)s3 * 4);
        }
        d += o3;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Depthwise convolution gradients (filter [KH, KW, C, M], output channel c*M + m).
// ---------------------------------------------------------------------------------------------

/** dx of a depthwise conv. */
EXPORT(depthwise_backprop_input)
void depthwise_backprop_input(const float* dy, const float* f, float* dx, int n, int h, int w, int ch, int mult,
                              int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl, int oh, int ow) {
  __builtin_memset(dx, 0, (size_t)n * h * w * ch * 4);
  int co = ch * mult;
  for (int b = 0; b < n; b++)
    for (int y = 0; y < oh; y++)
      for (int xo = 0; xo < ow; xo++) {
        const float* g = dy + (((size_t)b * oh + y) * ow + xo) * co;
        for (int i = 0; i < kh; i++) {
          int iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (int j = 0; j < kw; j++) {
            int ix = xo * sw - pl + j * dw;
            if (ix < 0 || ix >= w) continue;
            float* d = dx + (((size_t)b * h + iy) * w + ix) * ch;
            const float* fk = f + (i * kw + j) * co;
            if (mult == 1) {
              int c = 0;
              for (; c + 4 <= ch; c += 4)
                wasm_v128_store(d + c, madd(wasm_v128_load(d + c), wasm_v128_load(g + c), wasm_v128_load(fk + c)));
              for (; c < ch; c++) d[c] += g[c] * fk[c];
            } else {
              for (int c = 0; c < ch; c++) {
                float s = 0.0f;
                for (int m = 0; m < mult; m++) s += g[c * mult + m] * fk[c * mult + m];
                d[c] += s;
              }
            }
          }
        }
      }
}

/** dfilter of a depthwise conv. */
EXPORT(depthwise_backprop_filter)
void depthwise_backprop_filter(const float* x, const float* dy, float* df, int n, int h, int w, int ch, int mult,
                               int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl, int oh, int ow) {
  int co = ch * mult;
  __builtin_memset(df, 0, (size_t)kh * kw * co * 4);
  for (int b = 0; b < n; b++)
    for (int y = 0; y < oh; y++)
      for (int xo = 0; xo < ow; xo++) {
        const float* g = dy + (((size_t)b * oh + y) * ow + xo) * co;
        for (int i = 0; i < kh; i++) {
          int iy = y * sh - pt + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (int j = 0; j < kw; j++) {
            int ix = xo * sw - pl + j * dw;
            if (ix < 0 || ix >= w) continue;
            const float* s = x + (((size_t)b * h + iy) * w + ix) * ch;
            float* fk = df + (i * kw + j) * co;
            if (mult == 1) {
              int c = 0;
              for (; c + 4 <= ch; c += 4)
                wasm_v128_store(fk + c, madd(wasm_v128_load(fk + c), wasm_v128_load(g + c), wasm_v128_load(s + c)));
              for (; c < ch; c++) fk[c] += g[c] * s[c];
            } else {
              for (int c = 0; c < ch; c++)
                for (int m = 0; m < mult; m++) fk[c * mult + m] += g[c * mult + m] * s[c];
            }
          }
        }
      }
}
