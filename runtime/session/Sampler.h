//===- Sampler.h - choosing the next token ----------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The usual pipeline of llama.cpp and Hugging Face generate(): repetition
// penalty, then greedy argmax or temperature, top-k, top-p and a draw from
// a seeded std::mt19937_64, so a seed reproduces a generation exactly.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_SESSION_SAMPLER_H
#define QUANTFORGE_RUNTIME_SESSION_SAMPLER_H

#include "runtime/support/Status.h"

#include <cstdint>
#include <random>
#include <vector>

namespace qf {

struct SamplingOptions {
  /// Always take the most likely token (also when temperature is 0).
  bool greedy = false;
  float temperature = 0.8f;
  /// Keep the k most likely tokens; 0 keeps all.
  int32_t topK = 40;
  /// Keep the most likely tokens whose probabilities reach p; 1 keeps all.
  float topP = 0.95f;
  /// > 1 discourages tokens seen in the last `penaltyWindow` tokens: their
  /// positive logits are divided by it, negative ones multiplied (CTRL).
  float repetitionPenalty = 1.0f;
  /// Tokens of history the penalty looks at; 0 means all.
  int32_t penaltyWindow = 64;
  uint64_t seed = 0;
};

class Sampler {
public:
  /// An error for out-of-range options (negative temperature, top-p outside
  /// (0, 1], a penalty <= 0, a negative top-k or window).
  static Result<Sampler> create(const SamplingOptions &options);

  /// The next token given `vocab` logits and the tokens so far. Logits with
  /// NaN are an error (a broken model), never a random pick.
  Result<int32_t> sample(const float *logits, int64_t vocab,
                         const std::vector<int32_t> &history);

  const SamplingOptions &options() const { return options_; }

private:
  explicit Sampler(const SamplingOptions &options)
      : options_(options), rng_(options.seed) {}

  SamplingOptions options_;
  std::mt19937_64 rng_;
  // Scratch reused between calls.
  std::vector<float> logits_;
  std::vector<int32_t> candidates_;
  std::vector<double> weights_;
};

} // namespace qf

#endif // QUANTFORGE_RUNTIME_SESSION_SAMPLER_H
