//===- Perplexity.h - perplexity over windows -------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The protocol of reference.json (shared/data/README.md): windows of
// `window` tokens from token 0, the tail that does not fill a window
// dropped; in each window tokens 1..window-1 are scored from the tokens
// before them in that window; NLL by log-softmax in double;
// ppl = exp(sum NLL / scored tokens).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_SESSION_PERPLEXITY_H
#define QUANTFORGE_RUNTIME_SESSION_PERPLEXITY_H

#include "runtime/session/Session.h"

#include <functional>

namespace qf {

struct PerplexityResult {
  double perplexity = 0;
  double nllSum = 0;
  int64_t scoredTokens = 0;
  int64_t windows = 0;
  int64_t totalTokens = 0;
};

/// Called after each window with the number done and the total.
using WindowCallback = std::function<void(int64_t done, int64_t total)>;

/// Evaluates `tokens` window by window, resetting the session for each. A
/// window outside [2, capacity] or fewer tokens than one window is an error.
Result<PerplexityResult>
evaluatePerplexity(Session &session, const std::vector<int32_t> &tokens,
                   int64_t window, const WindowCallback &progress = {});

/// -log softmax(logits)[target], in double.
double negativeLogLikelihood(const float *logits, int64_t vocab,
                             int32_t target);

} // namespace qf

#endif // QUANTFORGE_RUNTIME_SESSION_PERPLEXITY_H
