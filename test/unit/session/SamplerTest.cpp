//===- SamplerTest.cpp - greedy, temperature, top-k, top-p, penalty -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/Sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

using namespace qf;

namespace {

Sampler makeSampler(const SamplingOptions &options) {
  Result<Sampler> sampler = Sampler::create(options);
  EXPECT_TRUE(sampler.ok()) << sampler.message();
  return sampler.take();
}

std::vector<float> randomLogits(std::mt19937 &rng, size_t vocab) {
  std::normal_distribution<float> normal(0, 3);
  std::vector<float> logits(vocab);
  for (float &logit : logits)
    logit = normal(rng);
  return logits;
}

int32_t argmax(const std::vector<float> &logits) {
  return int32_t(std::max_element(logits.begin(), logits.end()) -
                 logits.begin());
}

/// How often each token is drawn in `draws` samples.
std::map<int32_t, int> histogram(Sampler &sampler,
                                 const std::vector<float> &logits, int draws) {
  std::map<int32_t, int> counts;
  for (int i = 0; i < draws; ++i) {
    Result<int32_t> token = sampler.sample(logits.data(), logits.size(), {});
    EXPECT_TRUE(token.ok());
    ++counts[*token];
  }
  return counts;
}

TEST(Sampler, GreedyIsArgmax) {
  std::mt19937 rng(1);
  SamplingOptions greedy;
  greedy.greedy = true;
  SamplingOptions zeroTemperature;
  zeroTemperature.temperature = 0;
  Sampler a = makeSampler(greedy), b = makeSampler(zeroTemperature);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<float> logits = randomLogits(rng, 100);
    EXPECT_EQ(*a.sample(logits.data(), 100, {}), argmax(logits));
    EXPECT_EQ(*b.sample(logits.data(), 100, {}), argmax(logits));
  }
}

TEST(Sampler, TopKOneIsGreedy) {
  std::mt19937 rng(2);
  SamplingOptions options;
  options.temperature = 5.0f;
  options.topK = 1;
  options.topP = 1.0f;
  Sampler sampler = makeSampler(options);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<float> logits = randomLogits(rng, 50);
    EXPECT_EQ(*sampler.sample(logits.data(), 50, {}), argmax(logits));
  }
}

TEST(Sampler, SeedDeterminesTheDraws) {
  std::mt19937 rng(3);
  std::vector<float> logits = randomLogits(rng, 64);
  SamplingOptions options;
  options.temperature = 2.0f;
  options.topK = 0;
  options.topP = 1.0f;
  options.seed = 42;
  Sampler first = makeSampler(options), second = makeSampler(options);
  options.seed = 43;
  Sampler other = makeSampler(options);
  std::vector<int32_t> a, b, c;
  for (int i = 0; i < 200; ++i) {
    a.push_back(*first.sample(logits.data(), 64, {}));
    b.push_back(*second.sample(logits.data(), 64, {}));
    c.push_back(*other.sample(logits.data(), 64, {}));
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Sampler, TemperatureFollowsTheSoftmax) {
  // Probabilities softmax(logits / 2) = [0.5, 0.3, 0.2].
  const double probabilities[3] = {0.5, 0.3, 0.2};
  std::vector<float> logits;
  for (double p : probabilities)
    logits.push_back(float(2.0 * std::log(p)));
  SamplingOptions options;
  options.temperature = 2.0f;
  options.topK = 0;
  options.topP = 1.0f;
  Sampler sampler = makeSampler(options);
  const int draws = 40000;
  std::map<int32_t, int> counts = histogram(sampler, logits, draws);
  for (int32_t token = 0; token < 3; ++token)
    EXPECT_NEAR(double(counts[token]) / draws, probabilities[token], 0.01)
        << token;
}

TEST(Sampler, TopPKeepsTheSmallestSufficientMass) {
  std::vector<float> logits = {float(std::log(0.5)), float(std::log(0.3)),
                               float(std::log(0.2))};
  SamplingOptions options;
  options.temperature = 1.0f;
  options.topK = 0;
  options.topP = 0.6f; // 0.5 is not enough, 0.5 + 0.3 is
  Sampler sampler = makeSampler(options);
  const int draws = 40000;
  std::map<int32_t, int> counts = histogram(sampler, logits, draws);
  EXPECT_EQ(counts.count(2), 0u);
  // Renormalized over the kept tokens: 0.5 / 0.8 and 0.3 / 0.8.
  EXPECT_NEAR(double(counts[0]) / draws, 0.625, 0.01);
  EXPECT_NEAR(double(counts[1]) / draws, 0.375, 0.01);

  options.topP = 0.5f;
  Sampler narrow = makeSampler(options);
  counts = histogram(narrow, logits, 1000);
  EXPECT_EQ(counts[0], 1000);
}

TEST(Sampler, TopKLimitsTheCandidates) {
  std::vector<float> logits = {1.0f, 4.0f, 3.0f, 2.0f, 0.0f};
  SamplingOptions options;
  options.temperature = 100.0f; // nearly uniform over what is kept
  options.topK = 2;
  options.topP = 1.0f;
  Sampler sampler = makeSampler(options);
  std::map<int32_t, int> counts = histogram(sampler, logits, 4000);
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_GT(counts[1], 1500);
  EXPECT_GT(counts[2], 1500);
}

TEST(Sampler, RepetitionPenaltyDiscouragesSeenTokens) {
  SamplingOptions options;
  options.greedy = true;
  Sampler plain = makeSampler(options);
  options.repetitionPenalty = 1.5f;
  Sampler penalized = makeSampler(options);

  // Positive logits are divided: 2.0 / 1.5 < 1.9.
  std::vector<float> positive = {2.0f, 1.9f};
  EXPECT_EQ(*plain.sample(positive.data(), 2, {0}), 0);
  EXPECT_EQ(*penalized.sample(positive.data(), 2, {0}), 1);
  // Negative logits are multiplied: -1.0 * 1.5 < -1.2.
  std::vector<float> negative = {-1.0f, -1.2f};
  EXPECT_EQ(*plain.sample(negative.data(), 2, {0}), 0);
  EXPECT_EQ(*penalized.sample(negative.data(), 2, {0}), 1);
  // Repeats in the history count once: 2.0 / 1.5, not / 1.5^3.
  std::vector<float> close = {2.0f, 1.3f};
  EXPECT_EQ(*penalized.sample(close.data(), 2, {0, 0, 0}), 0);

  // Only the last `penaltyWindow` tokens count.
  options.penaltyWindow = 1;
  Sampler windowed = makeSampler(options);
  EXPECT_EQ(*windowed.sample(positive.data(), 2, {0, 1}), 0);
  EXPECT_EQ(*windowed.sample(positive.data(), 2, {1, 0}), 1);
}

TEST(Sampler, RejectsBadInput) {
  SamplingOptions options;
  Sampler sampler = makeSampler(options);
  std::vector<float> logits = {0.0f, NAN, 1.0f};
  Result<int32_t> token = sampler.sample(logits.data(), 3, {});
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.message(), "logit of token 1 is not finite");
  std::vector<float> masked = {-INFINITY, -INFINITY};
  token = sampler.sample(masked.data(), 2, {});
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.message(), "every logit is -inf");

  const std::pair<SamplingOptions, const char *> invalid[] = {
      {[] {
         SamplingOptions o;
         o.temperature = -1;
         return o;
       }(),
       "temperature must be a finite number >= 0"},
      {[] {
         SamplingOptions o;
         o.topP = 0;
         return o;
       }(),
       "top-p must be in (0, 1]"},
      {[] {
         SamplingOptions o;
         o.topP = 1.5f;
         return o;
       }(),
       "top-p must be in (0, 1]"},
      {[] {
         SamplingOptions o;
         o.topK = -1;
         return o;
       }(),
       "top-k must be >= 0"},
      {[] {
         SamplingOptions o;
         o.repetitionPenalty = 0;
         return o;
       }(),
       "repetition penalty must be a finite number > 0"},
      {[] {
         SamplingOptions o;
         o.penaltyWindow = -2;
         return o;
       }(),
       "penalty window must be >= 0"},
  };
  for (const auto &[invalidOptions, expected] : invalid) {
    Result<Sampler> bad = Sampler::create(invalidOptions);
    ASSERT_FALSE(bad.ok()) << expected;
    EXPECT_EQ(bad.message(), expected);
  }
}

} // namespace
