//===- LinearAlgebra.h - dense kernels for GPTQ and AWQ ----------*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The few dense operations that GPTQ and AWQ need, on row-major matrices:
// a blocked matrix product, Cholesky factorization, the inverse from a
// Cholesky factor, and a symmetric rank-k update. Results never depend on
// the number of threads: every element is accumulated in the same order
// however the work is split.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_QUANT_LINEARALGEBRA_H
#define QUANTFORGE_RUNTIME_QUANT_LINEARALGEBRA_H

#include "runtime/support/Status.h"

#include <cstdint>
#include <functional>

namespace qf::quant {

/// `requested` if positive, else the number of hardware threads.
int resolveThreads(int requested);

/// Calls fn(i) for every i in [0, count) on up to `threads` threads, handing
/// out indices one at a time (so uneven items balance).
void parallelFor(int64_t count, int threads,
                 const std::function<void(int64_t)> &fn);

/// C += alpha * op(A) * op(B), where op(A) is [m, k] and op(B) is [k, n].
/// A is stored [m, k] (lda >= k), or [k, m] when transA; likewise B.
/// Instantiated for float and double.
template <typename T>
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, T alpha,
          const T *a, int64_t lda, const T *b, int64_t ldb, T *c, int64_t ldc,
          int threads);

/// The lower triangle of C += alpha * op(A) * op(A)^T, op(A) [n, k] (A
/// stored [k, n] when transA). Entries above the diagonal within the
/// diagonal blocks are scratch.
void syrkLower(bool transA, int64_t n, int64_t k, double alpha, const double *a,
               int64_t lda, double *c, int64_t ldc, int threads);

/// The lower triangle of G += alpha * X^T X, X [tokens, cols] float with row
/// stride ldx, accumulated in double (a Hessian or Gram matrix of inputs).
void gramLower(const float *x, int64_t tokens, int64_t cols, int64_t ldx,
               double alpha, double *g, int64_t ldg, int threads);

/// Replaces the lower triangle of the symmetric [n, n] matrix `a` with its
/// Cholesky factor L (a = L L^T) and zeroes the upper triangle; fails if
/// `a` is not positive definite.
Status choleskyLower(double *a, int64_t n, int threads);

/// (L L^T)^-1 from the lower Cholesky factor L, as torch.cholesky_inverse:
/// writes the lower triangle of `inverse` (its upper triangle is scratch).
/// Overwrites `l` with L^-1 on the way.
void choleskyInverse(double *l, int64_t n, double *inverse, int threads);

/// Copies the lower triangle of the square `a` onto its upper triangle.
void symmetrizeFromLower(double *a, int64_t n);

} // namespace qf::quant

#endif // QUANTFORGE_RUNTIME_QUANT_LINEARALGEBRA_H
