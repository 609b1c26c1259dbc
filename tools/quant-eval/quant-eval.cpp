//===- quant-eval.cpp - perplexity of a compiled artifact -----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// quant-eval model.qfa --text FILE --ctx 512 [--json] [--device cpu]
//
// The text is tokenized as one string without BOS and scored over
// non-overlapping windows (the protocol of shared/data/reference.json). With
// --json the last line of stdout is a JSON object for scripts.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/LoadedModel.h"
#include "runtime/session/Perplexity.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <unistd.h>

using namespace qf;

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "quant-eval: error: %s\n", message.c_str());
  return 1;
}

Result<std::string> readText(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return Status::error(path + ": read error");
  if (text.str().empty())
    return Status::error(path + ": empty text");
  return text.str();
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"Perplexity of a compiled QuantForge artifact on a text."};
  std::string artifactPath, textPath, device = "cpu";
  int64_t window = 512;
  bool json = false;
  app.add_option("artifact", artifactPath, "The .qfa file")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--text", textPath, "UTF-8 text to score")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--ctx", window, "Tokens per window")->capture_default_str();
  app.add_flag("--json", json, "End with a JSON line");
  app.add_option("--device", device, "cpu, cuda:0, ...")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  Result<std::string> text = readText(textPath);
  if (!text)
    return fail(text.message());
  Result<LoadedModel> model = loadModel(artifactPath, device);
  if (!model)
    return fail(model.message());

  auto start = std::chrono::steady_clock::now();
  std::vector<int32_t> tokens = model->tokenizer->encode(*text, false);
  double tokenizeSeconds = secondsSince(start);

  bool showProgress = isatty(STDERR_FILENO);
  start = std::chrono::steady_clock::now();
  Result<PerplexityResult> result = evaluatePerplexity(
      *model->session, tokens, window, [&](int64_t done, int64_t total) {
        if (showProgress)
          std::fprintf(stderr, "\rwindow %lld/%lld", (long long)done,
                       (long long)total);
      });
  if (showProgress)
    std::fputs("\n", stderr);
  if (!result)
    return fail(result.message());
  double seconds = secondsSince(start);

  std::printf("ppl %.4f over %lld scored tokens (%lld tokens, %lld windows "
              "of %lld)\n"
              "time %.2f s (%.0f tokens/s), tokenization %.2f s\n",
              result->perplexity, (long long)result->scoredTokens,
              (long long)result->totalTokens, (long long)result->windows,
              (long long)window, seconds,
              double(result->windows * window) / seconds, tokenizeSeconds);
  if (json)
    std::printf("{\"ppl\": %.17g, \"nll_sum\": %.17g, \"tokens\": %lld, "
                "\"scored_tokens\": %lld, \"windows\": %lld, \"ctx\": %lld, "
                "\"seconds\": %.3f, \"tokenize_seconds\": %.3f}\n",
                result->perplexity, result->nllSum,
                (long long)result->totalTokens, (long long)result->scoredTokens,
                (long long)result->windows, (long long)window, seconds,
                tokenizeSeconds);
  return 0;
}
