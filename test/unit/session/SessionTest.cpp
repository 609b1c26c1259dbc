//===- SessionTest.cpp - sessions, generation and perplexity --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/Generate.h"
#include "runtime/session/Perplexity.h"
#include "test/unit/session/FakeModel.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace qf;
using namespace qf::test;

namespace {

std::unique_ptr<Session> fakeSession(const FakeModelOptions &options = {}) {
  Result<Artifact> artifact = openFakeModel(options);
  EXPECT_TRUE(artifact.ok()) << artifact.message();
  Result<std::unique_ptr<Session>> session =
      Session::create(artifact.take(), createCpuDevice());
  EXPECT_TRUE(session.ok()) << session.message();
  return session.take();
}

void expectRow(const float *row, const std::vector<float> &expected) {
  for (size_t j = 0; j < expected.size(); ++j)
    ASSERT_EQ(row[j], expected[j]) << "logit " << j;
}

TEST(Session, PrefillAndDecodeTrackThePosition) {
  std::unique_ptr<Session> session = fakeSession();
  EXPECT_EQ(session->position(), 0);
  EXPECT_EQ(session->capacity(), 8);
  Result<LogitsView> logits = session->prefill({3, 1, 4});
  ASSERT_TRUE(logits.ok()) << logits.message();
  EXPECT_EQ(session->position(), 3);
  ASSERT_EQ(logits->rows, 3);
  ASSERT_EQ(logits->vocab, 16);
  expectRow(logits->row(0), fakeRow(3, 3, 16));
  expectRow(logits->row(1), fakeRow(1, 4, 16));
  expectRow(logits->last(), fakeRow(4, 8, 16));

  // decode sees the cache prefill wrote, at the next position.
  logits = session->decode(5);
  ASSERT_TRUE(logits.ok()) << logits.message();
  EXPECT_EQ(session->position(), 4);
  ASSERT_EQ(logits->rows, 1);
  expectRow(logits->last(), fakeRow(5, 13, 16));
  // A second prefill continues where decode stopped.
  logits = session->prefill({6, 7});
  ASSERT_TRUE(logits.ok());
  EXPECT_EQ(session->position(), 6);
  expectRow(logits->last(), fakeRow(7, 26, 16));
}

TEST(Session, ContextFullIsAnError) {
  std::unique_ptr<Session> session = fakeSession();
  ASSERT_TRUE(session->prefill({1, 1, 1, 1, 1, 1}).ok());
  ASSERT_TRUE(session->decode(1).ok());
  ASSERT_TRUE(session->decode(1).ok());
  EXPECT_EQ(session->position(), 8);
  Result<LogitsView> logits = session->decode(1);
  ASSERT_FALSE(logits.ok());
  EXPECT_EQ(logits.message(), "context full: 9 tokens > capacity 8");
  EXPECT_EQ(session->position(), 8);

  session->reset();
  logits = session->prefill(std::vector<int32_t>(9, 1));
  ASSERT_FALSE(logits.ok());
  EXPECT_EQ(logits.message(), "context full: 9 tokens > capacity 8");
  EXPECT_EQ(session->position(), 0);
}

TEST(Session, RejectsBadTokens) {
  std::unique_ptr<Session> session = fakeSession();
  Result<LogitsView> logits = session->prefill({1, 16});
  ASSERT_FALSE(logits.ok());
  EXPECT_EQ(logits.message(),
            "token 1 (id 16) is outside the vocabulary of 16");
  logits = session->decode(-1);
  ASSERT_FALSE(logits.ok());
  EXPECT_EQ(logits.message(),
            "token 0 (id -1) is outside the vocabulary of 16");
  logits = session->prefill({});
  ASSERT_FALSE(logits.ok());
  EXPECT_EQ(logits.message(), "prefill needs at least one token");
  EXPECT_EQ(session->position(), 0);
}

TEST(Session, ResetStartsANewSequence) {
  std::unique_ptr<Session> session = fakeSession();
  ASSERT_TRUE(session->prefill({2, 9}).ok());
  session->reset();
  EXPECT_EQ(session->position(), 0);
  Result<LogitsView> logits = session->prefill({7});
  ASSERT_TRUE(logits.ok());
  expectRow(logits->last(), fakeRow(7, 7, 16));
}

TEST(Session, RejectsAnotherTarget) {
  FakeModelOptions options;
  options.target = "cuda-sm_90";
  Result<Artifact> artifact = openFakeModel(options);
  ASSERT_TRUE(artifact.ok()) << artifact.message();
  Result<std::unique_ptr<Session>> session =
      Session::create(artifact.take(), createCpuDevice());
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.message(),
            std::string("fake.qfa: compiled for target 'cuda-sm_90', but "
                        "device 'cpu' runs '") +
                hostCpuTarget() + "'");
}

TEST(Session, MissingSymbolFailsAtCreation) {
  FakeModelOptions options;
  options.decodeSymbol = "fake_missing";
  Result<Artifact> artifact = openFakeModel(options);
  ASSERT_TRUE(artifact.ok());
  Result<std::unique_ptr<Session>> session =
      Session::create(artifact.take(), createCpuDevice());
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.message(),
            "fake.qfa: executable 0: symbol 'fake_missing' not found");
}

TEST(Session, BindsParametersWithoutCopying) {
  Result<Artifact> artifact = openFakeModel();
  ASSERT_TRUE(artifact.ok());
  // A copy would be aligned as well, so compare addresses: this device
  // records what the session imports.
  class RecordingDevice : public Device {
  public:
    explicit RecordingDevice(std::unique_ptr<Device> inner)
        : inner_(std::move(inner)) {}
    std::string name() const override { return inner_->name(); }
    std::vector<std::string> targets() const override {
      return inner_->targets();
    }
    Result<std::unique_ptr<Buffer>> allocate(size_t bytes) override {
      return inner_->allocate(bytes);
    }
    Result<std::unique_ptr<Buffer>> importHost(const void *data,
                                               size_t size) override {
      imported.push_back(data);
      return inner_->importHost(data, size);
    }
    Status write(Buffer &b, size_t o, const void *d, size_t s) override {
      return inner_->write(b, o, d, s);
    }
    Status read(Buffer &b, size_t o, void *d, size_t s) override {
      return inner_->read(b, o, d, s);
    }
    Result<std::unique_ptr<LoadedExecutable>>
    loadExecutable(const ExecutableSource &source) override {
      return inner_->loadExecutable(source);
    }
    Status dispatch(LoadedExecutable &e, const std::string &symbol,
                    const std::vector<DispatchArg> &args) override {
      return inner_->dispatch(e, symbol, args);
    }
    Status synchronize() override { return inner_->synchronize(); }
    std::vector<const void *> imported;

  private:
    std::unique_ptr<Device> inner_;
  };
  auto device = std::make_shared<RecordingDevice>(createCpuDevice());
  const void *mapped = artifact->parameterBytes(0).data;
  Result<std::unique_ptr<Session>> session = Session::create(*artifact, device);
  ASSERT_TRUE(session.ok()) << session.message();
  EXPECT_EQ(device->imported, std::vector<const void *>{mapped});
  Result<LogitsView> logits = (*session)->prefill({0});
  ASSERT_TRUE(logits.ok());
  expectRow(logits->last(), fakeRow(0, 0, 16));
}

TEST(Generate, StopsAtAStopToken) {
  std::unique_ptr<Session> session = fakeSession();
  Result<Sampler> sampler = Sampler::create({/*greedy=*/true});
  ASSERT_TRUE(sampler.ok());
  std::vector<int32_t> seen;
  Result<GenerationStats> stats =
      generate(*session, *sampler, {1}, 100, {9, 5}, [&](int32_t token) {
        seen.push_back(token);
        return true;
      });
  ASSERT_TRUE(stats.ok()) << stats.message();
  // The fake model predicts token + 1; 5 is a stop id and not passed on.
  EXPECT_EQ(seen, (std::vector<int32_t>{2, 3, 4}));
  EXPECT_EQ(stats->stop, GenerationStats::Stop::StopToken);
  EXPECT_EQ(stats->promptTokens, 1);
  EXPECT_EQ(stats->generatedTokens, 3);
}

TEST(Generate, EndsWhenTheContextIsFull) {
  std::unique_ptr<Session> session = fakeSession();
  Result<Sampler> sampler = Sampler::create({/*greedy=*/true});
  ASSERT_TRUE(sampler.ok());
  std::vector<int32_t> seen;
  Result<GenerationStats> stats =
      generate(*session, *sampler, {1, 2, 3}, 100, {}, [&](int32_t token) {
        seen.push_back(token);
        return true;
      });
  ASSERT_TRUE(stats.ok()) << stats.message();
  // Prompt at positions 0-2, then 5 decoded tokens fill the 8 slots; the
  // sixth token comes from the last slot's logits.
  EXPECT_EQ(seen, (std::vector<int32_t>{4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(stats->stop, GenerationStats::Stop::ContextFull);
  EXPECT_EQ(session->position(), 8);
}

TEST(Generate, HonoursTheBudgetAndTheCallback) {
  std::unique_ptr<Session> session = fakeSession();
  Result<Sampler> sampler = Sampler::create({/*greedy=*/true});
  ASSERT_TRUE(sampler.ok());
  int calls = 0;
  auto count = [&](int32_t) { return ++calls < 100; };
  Result<GenerationStats> stats =
      generate(*session, *sampler, {1}, 2, {}, count);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->generatedTokens, 2);
  EXPECT_EQ(stats->stop, GenerationStats::Stop::MaxTokens);
  // The last token is not decoded: nothing needs its logits.
  EXPECT_EQ(session->position(), 2);

  stats =
      generate(*session, *sampler, {1}, 5, {}, [&](int32_t) { return false; });
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->generatedTokens, 1);
  EXPECT_EQ(stats->stop, GenerationStats::Stop::Callback);
}

TEST(Generate, RejectsAPromptLongerThanTheContext) {
  std::unique_ptr<Session> session = fakeSession();
  Result<Sampler> sampler = Sampler::create({/*greedy=*/true});
  ASSERT_TRUE(sampler.ok());
  Result<GenerationStats> stats =
      generate(*session, *sampler, std::vector<int32_t>(9, 1), 4, {},
               [](int32_t) { return true; });
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.message(),
            "the prompt has 9 tokens, more than the context of 8");
}

TEST(Perplexity, NegativeLogLikelihoodByHand) {
  // softmax([0, ln 3]) = [1/4, 3/4].
  const float logits[2] = {0.0f, float(std::log(3.0))};
  EXPECT_NEAR(negativeLogLikelihood(logits, 2, 0), std::log(4.0), 1e-7);
  EXPECT_NEAR(negativeLogLikelihood(logits, 2, 1), std::log(4.0 / 3.0), 1e-7);
  // Large logits must not overflow.
  const float large[2] = {1000.0f, 1000.0f};
  EXPECT_NEAR(negativeLogLikelihood(large, 2, 1), std::log(2.0), 1e-12);
}

TEST(Perplexity, FollowsTheReferenceProtocol) {
  std::unique_ptr<Session> session = fakeSession();
  // 11 tokens, windows of 4: two windows, the last 3 tokens dropped.
  std::vector<int32_t> tokens = {3, 4, 9, 1, 5, 6, 7, 2, 8, 8, 8};
  const int64_t window = 4, vocab = 16;
  double expectedNll = 0;
  for (int64_t w = 0; w < 2; ++w) {
    int64_t cacheSum = 0; // each window starts with an empty context
    for (int64_t p = 0; p + 1 < window; ++p) {
      int32_t token = tokens[w * window + p];
      cacheSum += token;
      std::vector<float> row = fakeRow(token, cacheSum, vocab);
      double partition = 0;
      for (float logit : row)
        partition += std::exp(double(logit));
      expectedNll +=
          std::log(partition) - double(row[tokens[w * window + p + 1]]);
    }
  }
  std::vector<std::pair<int64_t, int64_t>> progress;
  Result<PerplexityResult> result = evaluatePerplexity(
      *session, tokens, window, [&](int64_t done, int64_t total) {
        progress.push_back({done, total});
      });
  ASSERT_TRUE(result.ok()) << result.message();
  EXPECT_EQ(result->windows, 2);
  EXPECT_EQ(result->totalTokens, 11);
  EXPECT_EQ(result->scoredTokens, 6);
  EXPECT_NEAR(result->nllSum, expectedNll, 1e-9 * expectedNll);
  EXPECT_NEAR(result->perplexity, std::exp(expectedNll / 6), 1e-9);
  EXPECT_EQ(progress,
            (std::vector<std::pair<int64_t, int64_t>>{{1, 2}, {2, 2}}));
}

TEST(Perplexity, RejectsBadWindows) {
  std::unique_ptr<Session> session = fakeSession();
  std::vector<int32_t> tokens(20, 1);
  Result<PerplexityResult> result = evaluatePerplexity(*session, tokens, 9);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.message(),
            "window of 9 tokens is outside [2, 8] (the context capacity)");
  result = evaluatePerplexity(*session, tokens, 1);
  EXPECT_FALSE(result.ok());
  result = evaluatePerplexity(*session, {1, 2, 3}, 4);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.message(),
            "the text has 3 tokens, fewer than one window of 4");
}

} // namespace
