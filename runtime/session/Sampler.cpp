//===- Sampler.cpp - choosing the next token from logits ------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/Sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qf {

Result<Sampler> Sampler::create(const SamplingOptions &options) {
  if (!(options.temperature >= 0) || !std::isfinite(options.temperature))
    return Status::error("temperature must be a finite number >= 0");
  if (options.topK < 0)
    return Status::error("top-k must be >= 0");
  if (!(options.topP > 0 && options.topP <= 1))
    return Status::error("top-p must be in (0, 1]");
  if (!(options.repetitionPenalty > 0) ||
      !std::isfinite(options.repetitionPenalty))
    return Status::error("repetition penalty must be a finite number > 0");
  if (options.penaltyWindow < 0)
    return Status::error("penalty window must be >= 0");
  return Sampler(options);
}

Result<int32_t> Sampler::sample(const float *logits, int64_t vocab,
                                const std::vector<int32_t> &history) {
  if (vocab <= 0)
    return Status::error("no logits to sample from");
  logits_.assign(logits, logits + vocab);
  for (int64_t i = 0; i < vocab; ++i)
    if (std::isnan(logits_[i]) || logits_[i] == INFINITY)
      return Status::error("logit of token " + std::to_string(i) +
                           " is not finite");

  if (options_.repetitionPenalty != 1.0f) {
    size_t window = size_t(options_.penaltyWindow);
    size_t begin =
        window == 0 || history.size() <= window ? 0 : history.size() - window;
    candidates_.assign(history.begin() + begin, history.end());
    std::sort(candidates_.begin(), candidates_.end());
    candidates_.erase(std::unique(candidates_.begin(), candidates_.end()),
                      candidates_.end());
    for (int32_t token : candidates_) {
      if (token < 0 || token >= vocab)
        continue;
      float &logit = logits_[token];
      logit = logit > 0 ? logit / options_.repetitionPenalty
                        : logit * options_.repetitionPenalty;
    }
  }

  if (options_.greedy || options_.temperature == 0.0f)
    return int32_t(std::max_element(logits_.begin(), logits_.end()) -
                   logits_.begin());

  // Candidates by decreasing logit (ties: lower id first), cut to top-k.
  candidates_.resize(size_t(vocab));
  for (int64_t i = 0; i < vocab; ++i)
    candidates_[i] = int32_t(i);
  size_t keep = options_.topK > 0 ? std::min<size_t>(options_.topK, vocab)
                                  : size_t(vocab);
  std::partial_sort(candidates_.begin(), candidates_.begin() + keep,
                    candidates_.end(), [&](int32_t a, int32_t b) {
                      return logits_[a] > logits_[b] ||
                             (logits_[a] == logits_[b] && a < b);
                    });
  candidates_.resize(keep);
  double maxLogit = logits_[candidates_[0]];
  if (maxLogit == -std::numeric_limits<double>::infinity())
    return Status::error("every logit is -inf");

  // Softmax with temperature in double, then the top-p prefix.
  weights_.resize(keep);
  double total = 0;
  for (size_t i = 0; i < keep; ++i) {
    weights_[i] = std::exp((double(logits_[candidates_[i]]) - maxLogit) /
                           options_.temperature);
    total += weights_[i];
  }
  if (options_.topP < 1.0f) {
    double cumulative = 0;
    size_t prefix = 0;
    while (prefix < keep && cumulative < options_.topP * total)
      cumulative += weights_[prefix++];
    weights_.resize(prefix);
    total = cumulative;
  }

  // Our own draw (53 random bits) rather than std::discrete_distribution,
  // whose algorithm differs between standard libraries.
  double target = double(rng_() >> 11) * 0x1.0p-53 * total;
  for (size_t i = 0; i < weights_.size(); ++i) {
    target -= weights_[i];
    if (target < 0)
      return candidates_[i];
  }
  return candidates_[weights_.size() - 1];
}

} // namespace qf
