//===- LinearAlgebra.cpp - dense kernels for GPTQ and AWQ -----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The matrix product packs blocks of both operands (Goto and van de Geijn's
// scheme) and runs a register-tiled micro-kernel over them. The micro-kernel
// is compiled for x86-64-v4, x86-64-v3 and the baseline, picked at load
// time, so results may differ between machines in the last bits (fused
// multiply-adds) but never between runs or thread counts on one machine.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/LinearAlgebra.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define QF_MULTIVERSION                                                        \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define QF_MULTIVERSION
#endif

namespace qf::quant {

int resolveThreads(int requested) {
  if (requested > 0)
    return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

void parallelFor(int64_t count, int threads,
                 const std::function<void(int64_t)> &fn) {
  int64_t workers = std::min<int64_t>(resolveThreads(threads), count);
  if (workers <= 1) {
    for (int64_t i = 0; i < count; ++i)
      fn(i);
    return;
  }
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t i; (i = next.fetch_add(1)) < count;)
      fn(i);
  };
  std::vector<std::thread> pool;
  for (int64_t w = 1; w < workers; ++w) {
    // Without more threads the calling one does the rest.
    try {
      pool.emplace_back(work);
    } catch (const std::system_error &) {
      break;
    }
  }
  work();
  for (std::thread &t : pool)
    t.join();
}

namespace {

// Register tiles: MR x NR accumulators fill the vector registers of AVX-512
// and AVX2 without spilling.
template <typename T> struct Tile;
template <> struct Tile<float> { static constexpr int64_t MR = 6, NR = 16; };
template <> struct Tile<double> { static constexpr int64_t MR = 6, NR = 8; };

// A packed KC x NR panel of B stays in L1 while the MC x KC block of A
// streams from L2.
constexpr int64_t KC = 256;
constexpr int64_t MC = 120;
constexpr int64_t NC = 3072;
// Below this many multiply-adds a thread costs more than it saves.
constexpr double MinParallelWork = 1 << 21;

template <typename T, int64_t MR, int64_t NR>
inline __attribute__((always_inline)) void
microKernelBody(int64_t kc, const T *__restrict a, const T *__restrict b,
                T *__restrict out) {
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p)
    for (int64_t i = 0; i < MR; ++i)
      for (int64_t j = 0; j < NR; ++j)
        acc[i][j] += a[p * MR + i] * b[p * NR + j];
  for (int64_t i = 0; i < MR; ++i)
    for (int64_t j = 0; j < NR; ++j)
      out[i * NR + j] = acc[i][j];
}

// target_clones takes no templates: one function per element type.
QF_MULTIVERSION void microKernelF32(int64_t kc, const float *a, const float *b,
                                    float *out) {
  microKernelBody<float, Tile<float>::MR, Tile<float>::NR>(kc, a, b, out);
}
QF_MULTIVERSION void microKernelF64(int64_t kc, const double *a,
                                    const double *b, double *out) {
  microKernelBody<double, Tile<double>::MR, Tile<double>::NR>(kc, a, b, out);
}
void microKernel(int64_t kc, const float *a, const float *b, float *out) {
  microKernelF32(kc, a, b, out);
}
void microKernel(int64_t kc, const double *a, const double *b, double *out) {
  microKernelF64(kc, a, b, out);
}

/// Copies count <= N values; a full run has a constant length, which the
/// compiler turns into a few vector moves rather than a call to memcpy.
template <int64_t N, typename T>
inline void copyShort(const T *src, int64_t count, T *dst) {
  if (count == N)
    std::copy(src, src + N, dst);
  else
    std::copy(src, src + count, dst);
}

/// Packs op(A)[i0 : i0+mc, p0 : p0+kc] as panels of MR rows, each [kc][MR],
/// zero-padded.
template <typename T>
void packA(bool trans, const T *a, int64_t lda, int64_t i0, int64_t mc,
           int64_t p0, int64_t kc, T *out) {
  constexpr int64_t MR = Tile<T>::MR;
  for (int64_t ir = 0; ir < mc; ir += MR, out += kc * MR) {
    int64_t rows = std::min(MR, mc - ir);
    if (rows < MR)
      std::fill(out, out + kc * MR, T(0));
    // Read along the stored rows either way.
    if (trans) {
      for (int64_t p = 0; p < kc; ++p)
        copyShort<MR>(a + (p0 + p) * lda + i0 + ir, rows, out + p * MR);
    } else {
      for (int64_t i = 0; i < rows; ++i) {
        const T *src = a + (i0 + ir + i) * lda + p0;
        for (int64_t p = 0; p < kc; ++p)
          out[p * MR + i] = src[p];
      }
    }
  }
}

/// Packs op(B)[p0 : p0+kc, j0 : j0+nc] as panels of NR columns, each
/// [kc][NR], zero-padded.
template <typename T>
void packB(bool trans, const T *b, int64_t ldb, int64_t p0, int64_t kc,
           int64_t j0, int64_t nc, T *out) {
  constexpr int64_t NR = Tile<T>::NR;
  for (int64_t jr = 0; jr < nc; jr += NR, out += kc * NR) {
    int64_t cols = std::min(NR, nc - jr);
    if (cols < NR)
      std::fill(out, out + kc * NR, T(0));
    if (trans) {
      for (int64_t j = 0; j < cols; ++j) {
        const T *src = b + (j0 + jr + j) * ldb + p0;
        for (int64_t p = 0; p < kc; ++p)
          out[p * NR + j] = src[p];
      }
    } else {
      for (int64_t p = 0; p < kc; ++p)
        copyShort<NR>(b + (p0 + p) * ldb + j0 + jr, cols, out + p * NR);
    }
  }
}

/// One thread's product. Each element of C gets alpha times its partial sum
/// over every KC slice of k in turn, whatever part of C this call covers.
template <typename T>
void gemmSerial(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                T alpha, const T *a, int64_t lda, const T *b, int64_t ldb, T *c,
                int64_t ldc) {
  constexpr int64_t MR = Tile<T>::MR, NR = Tile<T>::NR;
  int64_t ncMax = std::min(NC, (n + NR - 1) / NR * NR);
  int64_t mcMax = std::min(MC, (m + MR - 1) / MR * MR);
  int64_t kcMax = std::min(KC, k);
  std::vector<T> packedA(mcMax * kcMax), packedB(kcMax * ncMax);
  T tile[MR * NR];
  for (int64_t jc = 0; jc < n; jc += NC) {
    int64_t nc = std::min(NC, n - jc);
    for (int64_t pc = 0; pc < k; pc += KC) {
      int64_t kc = std::min(KC, k - pc);
      packB(transB, b, ldb, pc, kc, jc, nc, packedB.data());
      for (int64_t ic = 0; ic < m; ic += MC) {
        int64_t mc = std::min(MC, m - ic);
        packA(transA, a, lda, ic, mc, pc, kc, packedA.data());
        for (int64_t jr = 0; jr < nc; jr += NR) {
          int64_t cols = std::min(NR, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int64_t rows = std::min(MR, mc - ir);
            microKernel(kc, packedA.data() + ir * kc, packedB.data() + jr * kc,
                        tile);
            for (int64_t i = 0; i < rows; ++i) {
              T *dst = c + (ic + ir + i) * ldc + jc + jr;
              for (int64_t j = 0; j < cols; ++j)
                dst[j] += alpha * tile[i * NR + j];
            }
          }
        }
      }
    }
  }
}

} // namespace

template <typename T>
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, T alpha,
          const T *a, int64_t lda, const T *b, int64_t ldb, T *c, int64_t ldc,
          int threads) {
  if (m <= 0 || n <= 0 || k <= 0)
    return;
  int64_t parts = std::min<int64_t>(
      resolveThreads(threads),
      int64_t(double(m) * double(n) * double(k) / MinParallelWork) + 1);
  // Split the longer side of C; the parts share nothing but the operands.
  bool splitRows = m >= n;
  int64_t tile = splitRows ? Tile<T>::MR : Tile<T>::NR;
  int64_t extent = splitRows ? m : n;
  int64_t chunk = ((extent + parts - 1) / parts + tile - 1) / tile * tile;
  parts = (extent + chunk - 1) / chunk;
  parallelFor(parts, parts, [&](int64_t part) {
    int64_t begin = part * chunk, size = std::min(chunk, extent - begin);
    if (splitRows)
      gemmSerial(transA, transB, size, n, k, alpha,
                 transA ? a + begin : a + begin * lda, lda, b, ldb,
                 c + begin * ldc, ldc);
    else
      gemmSerial(transA, transB, m, size, k, alpha, a, lda,
                 transB ? b + begin * ldb : b + begin, ldb, c + begin, ldc);
  });
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float,
                          const float *, int64_t, const float *, int64_t,
                          float *, int64_t, int);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double,
                           const double *, int64_t, const double *, int64_t,
                           double *, int64_t, int);

namespace {
// Blocks of the factorizations: a 128-wide panel keeps the unblocked parts
// small and the products large.
constexpr int64_t NB = 128;
} // namespace

void syrkLower(bool transA, int64_t n, int64_t k, double alpha, const double *a,
               int64_t lda, double *c, int64_t ldc, int threads) {
  // Block row I of C, up to and including its diagonal block.
  for (int64_t i0 = 0; i0 < n; i0 += NB) {
    int64_t ib = std::min(NB, n - i0);
    gemm<double>(transA, !transA, ib, i0 + ib, k, alpha,
                 transA ? a + i0 : a + i0 * lda, lda, a, lda, c + i0 * ldc, ldc,
                 threads);
  }
}

void gramLower(const float *x, int64_t tokens, int64_t cols, int64_t ldx,
               double alpha, double *g, int64_t ldg, int threads) {
  // Widen a slice of tokens at a time to bound the double copy.
  constexpr int64_t Slice = 512;
  std::vector<double> wide(std::min(Slice, tokens) * cols);
  for (int64_t t0 = 0; t0 < tokens; t0 += Slice) {
    int64_t count = std::min(Slice, tokens - t0);
    for (int64_t t = 0; t < count; ++t)
      std::copy(x + (t0 + t) * ldx, x + (t0 + t) * ldx + cols,
                wide.begin() + t * cols);
    syrkLower(/*transA=*/true, cols, count, alpha, wide.data(), cols, g, ldg,
              threads);
  }
}

Status choleskyLower(double *a, int64_t n, int threads) {
  std::vector<double> diagT(NB * NB);
  for (int64_t k0 = 0; k0 < n; k0 += NB) {
    int64_t kb = std::min(NB, n - k0);
    // The diagonal block, left-looking within the block.
    for (int64_t j = k0; j < k0 + kb; ++j) {
      double *rowJ = a + j * n;
      double d = rowJ[j];
      for (int64_t p = k0; p < j; ++p)
        d -= rowJ[p] * rowJ[p];
      if (!(d > 0.0))
        return Status::error("the matrix is not positive definite (leading "
                             "minor " +
                             std::to_string(j + 1) + ")");
      d = std::sqrt(d);
      rowJ[j] = d;
      for (int64_t i = j + 1; i < k0 + kb; ++i) {
        double *rowI = a + i * n;
        double s = rowI[j];
        for (int64_t p = k0; p < j; ++p)
          s -= rowI[p] * rowJ[p];
        rowI[j] = s / d;
      }
    }
    int64_t r0 = k0 + kb;
    if (r0 == n)
      break;
    // The panel below: each row x solves x L11^T = row. Column j of L11,
    // transposed into a row, turns the substitution into axpys.
    for (int64_t j = 0; j < kb; ++j)
      for (int64_t i = j; i < kb; ++i)
        diagT[j * NB + i] = a[(k0 + i) * n + k0 + j];
    constexpr int64_t RowsPerItem = 32;
    parallelFor((n - r0 + RowsPerItem - 1) / RowsPerItem, threads,
                [&](int64_t item) {
                  int64_t end = std::min(n, r0 + (item + 1) * RowsPerItem);
                  for (int64_t i = r0 + item * RowsPerItem; i < end; ++i) {
                    double *row = a + i * n + k0;
                    for (int64_t j = 0; j < kb; ++j) {
                      double x = row[j] /= diagT[j * NB + j];
                      const double *l = diagT.data() + j * NB;
                      for (int64_t jj = j + 1; jj < kb; ++jj)
                        row[jj] -= x * l[jj];
                    }
                  }
                });
    syrkLower(/*transA=*/false, n - r0, kb, -1.0, a + r0 * n + k0, n,
              a + r0 * n + r0, n, threads);
  }
  for (int64_t i = 0; i < n; ++i)
    std::fill(a + i * n + i + 1, a + (i + 1) * n, 0.0);
  return Status();
}

void choleskyInverse(double *l, int64_t n, double *inverse, int threads) {
  // X = L^-1 in place, block row by block row: X_IJ = -L_II^-1 sum over
  // J <= K < I of L_IK X_KJ. The blocks of a row are independent; they go
  // to `row` first because each reads L_IK for K >= J.
  std::vector<double> row(NB * n);
  for (int64_t i0 = 0; i0 < n; i0 += NB) {
    const int64_t ib = std::min(NB, n - i0);
    const double *lII = l + i0 * n + i0;
    parallelFor(i0 / NB, threads, [&](int64_t jBlock) {
      const int64_t j0 = jBlock * NB;
      double *t = row.data() + j0;
      for (int64_t i = 0; i < ib; ++i)
        std::fill(t + i * n, t + i * n + NB, 0.0);
      gemm<double>(false, false, ib, NB, i0 - j0, -1.0, l + i0 * n + j0, n,
                   l + j0 * n + j0, n, t, n, /*threads=*/1);
      // Forward substitution with L_II, a row of the block at a time.
      for (int64_t i = 0; i < ib; ++i) {
        double *dst = t + i * n;
        for (int64_t p = 0; p < i; ++p) {
          const double f = lII[i * n + p];
          const double *prev = t + p * n;
          for (int64_t j = 0; j < NB; ++j)
            dst[j] -= f * prev[j];
        }
        const double d = lII[i * n + i];
        for (int64_t j = 0; j < NB; ++j)
          dst[j] /= d;
      }
    });
    // The diagonal block, column by column, into the tail of `row`.
    double *t = row.data() + i0;
    for (int64_t j = 0; j < ib; ++j) {
      for (int64_t i = 0; i < j; ++i)
        t[i * n + j] = 0.0;
      t[j * n + j] = 1.0 / lII[j * n + j];
      for (int64_t i = j + 1; i < ib; ++i) {
        double s = 0.0;
        for (int64_t p = j; p < i; ++p)
          s += lII[i * n + p] * t[p * n + j];
        t[i * n + j] = -s / lII[i * n + i];
      }
    }
    for (int64_t i = 0; i < ib; ++i)
      std::copy(row.data() + i * n, row.data() + i * n + i0 + ib,
                l + (i0 + i) * n);
  }
  // inverse = X^T X; block (I, J), J <= I, sums over the rows K >= I where
  // column block I of X is not zero.
  std::vector<std::pair<int64_t, int64_t>> blocks;
  for (int64_t i0 = 0; i0 < n; i0 += NB)
    for (int64_t j0 = 0; j0 <= i0; j0 += NB)
      blocks.emplace_back(i0, j0);
  for (int64_t i = 0; i < n; ++i)
    std::fill(inverse + i * n, inverse + i * n + std::min(n, (i / NB + 1) * NB),
              0.0);
  parallelFor(int64_t(blocks.size()), threads, [&](int64_t item) {
    auto [i0, j0] = blocks[item];
    gemm<double>(true, false, std::min(NB, n - i0), std::min(NB, n - j0),
                 n - i0, 1.0, l + i0 * n + i0, n, l + i0 * n + j0, n,
                 inverse + i0 * n + j0, n, /*threads=*/1);
  });
}

void symmetrizeFromLower(double *a, int64_t n) {
  constexpr int64_t B = 64;
  for (int64_t i0 = 0; i0 < n; i0 += B)
    for (int64_t j0 = 0; j0 <= i0; j0 += B)
      for (int64_t i = i0; i < std::min(n, i0 + B); ++i)
        for (int64_t j = j0; j < std::min(i, j0 + B); ++j)
          a[j * n + i] = a[i * n + j];
}

} // namespace qf::quant
