//===- Perplexity.cpp - perplexity over non-overlapping windows -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/Perplexity.h"

#include <algorithm>
#include <cmath>

namespace qf {

double negativeLogLikelihood(const float *logits, int64_t vocab,
                             int32_t target) {
  double maxLogit = *std::max_element(logits, logits + vocab);
  double sum = 0;
  for (int64_t i = 0; i < vocab; ++i)
    sum += std::exp(double(logits[i]) - maxLogit);
  return maxLogit + std::log(sum) - double(logits[target]);
}

Result<PerplexityResult> evaluatePerplexity(Session &session,
                                            const std::vector<int32_t> &tokens,
                                            int64_t window,
                                            const WindowCallback &progress) {
  if (window < 2 || window > session.capacity())
    return Status::error(
        "window of " + std::to_string(window) + " tokens is outside [2, " +
        std::to_string(session.capacity()) + "] (the context capacity)");
  PerplexityResult result;
  result.totalTokens = int64_t(tokens.size());
  result.windows = result.totalTokens / window;
  if (result.windows == 0)
    return Status::error("the text has " + std::to_string(tokens.size()) +
                         " tokens, fewer than one window of " +
                         std::to_string(window));
  for (int64_t w = 0; w < result.windows; ++w) {
    const int32_t *windowTokens = tokens.data() + w * window;
    session.reset();
    Result<LogitsView> logits = session.prefill(windowTokens, size_t(window));
    if (!logits)
      return Status::error("window " + std::to_string(w) + ": " +
                           logits.message());
    for (int64_t row = 0; row + 1 < window; ++row) {
      double nll = negativeLogLikelihood(logits->row(row), logits->vocab,
                                         windowTokens[row + 1]);
      if (!std::isfinite(nll))
        return Status::error("window " + std::to_string(w) + ", position " +
                             std::to_string(row) + ": logits are not finite");
      result.nllSum += nll;
    }
    result.scoredTokens += window - 1;
    if (progress)
      progress(w + 1, result.windows);
  }
  result.perplexity = std::exp(result.nllSum / double(result.scoredTokens));
  return result;
}

} // namespace qf
