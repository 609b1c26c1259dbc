//===- quant-run.cpp - generate text with a compiled artifact -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// quant-run model.qfa -p "prompt" -n 64 [--greedy] [--temperature T]
//   [--top-k K] [--top-p P] [--repeat-penalty R] [--seed N] [--device cpu]
//
// Prints the prompt and streams the generated text to stdout; speeds and the
// KV cache footprint go to stderr.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/Generate.h"
#include "runtime/session/LoadedModel.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <random>

using namespace qf;

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "quant-run: error: %s\n", message.c_str());
  return 1;
}

/// Bytes of `text` that form whole characters: a trailing partial UTF-8
/// sequence, or the replacement character a decoder emits for a byte-fallback
/// sequence not finished yet, may still change with the next token.
size_t stableLength(const std::string &text) {
  static const std::string kReplacement = "\xEF\xBF\xBD";
  size_t size = text.size();
  if (size >= 3 && text.compare(size - 3, 3, kReplacement) == 0)
    return size - 3;
  for (size_t back = 1; back <= std::min<size_t>(3, size); ++back) {
    unsigned char c = static_cast<unsigned char>(text[size - back]);
    if ((c & 0xC0) != 0x80) {
      size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      return length > back ? size - back : size;
    }
  }
  return size;
}

/// Writes the prompt, then the text of generated tokens as it becomes
/// final. Decoding the prompt together with them keeps SentencePiece's
/// leading space right. Nothing is written before the first token, so a
/// failed prefill leaves stdout empty.
class TextStreamer {
public:
  TextStreamer(const Tokenizer &tokenizer, std::string promptText,
               std::vector<int32_t> prompt)
      : tokenizer_(tokenizer), promptText_(std::move(promptText)),
        tokens_(std::move(prompt)), emitted_(tokenizer.decode(tokens_).size()) {
  }

  void add(int32_t token) {
    tokens_.push_back(token);
    emit(false);
  }
  void finish() { emit(true); }

private:
  void emit(bool all) {
    if (!promptText_.empty()) {
      std::fputs(promptText_.c_str(), stdout);
      promptText_.clear();
    }
    std::string text = tokenizer_.decode(tokens_);
    size_t end = all ? text.size() : stableLength(text);
    if (end > emitted_) {
      std::fwrite(text.data() + emitted_, 1, end - emitted_, stdout);
      std::fflush(stdout);
      emitted_ = end;
    }
  }

  const Tokenizer &tokenizer_;
  std::string promptText_;
  std::vector<int32_t> tokens_;
  size_t emitted_;
};

double perSecond(int64_t count, double seconds) {
  return seconds > 0 ? double(count) / seconds : 0.0;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Generate text with a compiled QuantForge artifact."};
  std::string artifactPath, prompt, device = "cpu";
  int64_t maxTokens = 64;
  SamplingOptions sampling;
  uint64_t seed = 0;
  app.add_option("artifact", artifactPath, "The .qfa file")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("-p,--prompt", prompt, "Text to continue")->required();
  app.add_option("-n,--max-tokens", maxTokens, "Tokens to generate")
      ->capture_default_str()
      ->check(CLI::Range(int64_t(0), int64_t(1) << 30));
  app.add_flag("--greedy", sampling.greedy, "Always take the likeliest token");
  app.add_option("--temperature", sampling.temperature)->capture_default_str();
  app.add_option("--top-k", sampling.topK, "0 keeps all")
      ->capture_default_str();
  app.add_option("--top-p", sampling.topP, "1 keeps all")
      ->capture_default_str();
  app.add_option("--repeat-penalty", sampling.repetitionPenalty, "1 is off")
      ->capture_default_str();
  CLI::Option *seedOption =
      app.add_option("--seed", seed, "Random seed (default: random)");
  app.add_option("--device", device, "cpu, cuda:0, ...")->capture_default_str();
  int64_t kvBlocks = 0;
  app.add_option("--kv-blocks", kvBlocks,
                 "Blocks in the pool of a paged KV cache (default: one full "
                 "context)")
      ->check(CLI::Range(int64_t(1), int64_t(INT32_MAX)));
  CLI11_PARSE(app, argc, argv);

  bool randomSeed = seedOption->count() == 0;
  sampling.seed = randomSeed ? std::random_device{}() : seed;
  Result<Sampler> sampler = Sampler::create(sampling);
  if (!sampler)
    return fail(sampler.message());
  Result<LoadedModel> model = loadModel(artifactPath, device, kvBlocks);
  if (!model)
    return fail(model.message());
  const Tokenizer &tokenizer = *model->tokenizer;
  Session &session = *model->session;

  std::vector<int32_t> promptTokens = tokenizer.encode(prompt, true);
  std::vector<int32_t> stopIds = tokenizer.stopIds();
  for (int64_t id : model->artifact().config().eosTokenIds)
    stopIds.push_back(int32_t(id));

  TextStreamer streamer(tokenizer, prompt, promptTokens);
  Result<GenerationStats> stats = generate(
      session, *sampler, promptTokens, maxTokens, stopIds, [&](int32_t token) {
        streamer.add(token);
        return true;
      });
  if (!stats)
    return fail(stats.message());
  streamer.finish();
  std::fputs("\n", stdout);
  std::fflush(stdout);

  const KvCacheInfo &kv = model->artifact().kvCache();
  std::string storage = kv.describe();
  std::fprintf(stderr,
               "prefill: %lld tokens in %.3f s (%.1f tokens/s)\n"
               "decode: %lld tokens in %.3f s (%.1f tokens/s)\n"
               "kv cache: %lld bytes/token (%s), capacity %lld tokens, "
               "%lld bytes\n",
               (long long)stats->promptTokens, stats->prefillSeconds,
               perSecond(stats->promptTokens, stats->prefillSeconds),
               (long long)stats->generatedTokens, stats->decodeSeconds,
               perSecond(stats->generatedTokens, stats->decodeSeconds),
               (long long)kv.bytesPerToken, storage.c_str(),
               (long long)kv.capacity, (long long)session.kvCacheBytes());
  if (const std::shared_ptr<KvBlockPool> &pool = session.blockPool())
    std::fprintf(stderr, "kv blocks: %lld of %lld in use, %lld tokens each\n",
                 (long long)pool->blocksInUse(), (long long)pool->blocks(),
                 (long long)pool->blockSize());
  std::string note = session.device().executionNote();
  if (!note.empty())
    std::fprintf(stderr, "%s\n", note.c_str());
  if (stats->stop == GenerationStats::Stop::ContextFull)
    std::fprintf(stderr, "stopped: the context is full\n");
  bool sampled = !sampling.greedy && sampling.temperature > 0;
  if (randomSeed && sampled)
    std::fprintf(stderr, "seed: %llu\n", (unsigned long long)sampling.seed);
  return 0;
}
