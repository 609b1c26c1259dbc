//===- Generate.cpp - the token loop of text generation -------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/session/Generate.h"

#include <algorithm>
#include <chrono>

namespace qf {

namespace {
double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}
} // namespace

Result<GenerationStats> generate(Session &session, Sampler &sampler,
                                 const std::vector<int32_t> &prompt,
                                 int64_t maxNewTokens,
                                 const std::vector<int32_t> &stopIds,
                                 const TokenCallback &onToken) {
  GenerationStats stats;
  stats.promptTokens = int64_t(prompt.size());
  if (prompt.empty())
    return Status::error("the prompt has no tokens");
  if (stats.promptTokens > session.capacity())
    return Status::error("the prompt has " +
                         std::to_string(stats.promptTokens) +
                         " tokens, more than the context of " +
                         std::to_string(session.capacity()));
  session.reset();
  auto start = std::chrono::steady_clock::now();
  Result<LogitsView> logits = session.prefill(prompt);
  if (!logits)
    return logits.status();
  stats.prefillSeconds = secondsSince(start);

  std::vector<int32_t> history = prompt;
  start = std::chrono::steady_clock::now();
  while (stats.generatedTokens < maxNewTokens) {
    Result<int32_t> token =
        sampler.sample(logits->last(), logits->vocab, history);
    if (!token)
      return token.status();
    if (std::find(stopIds.begin(), stopIds.end(), *token) != stopIds.end()) {
      stats.stop = GenerationStats::Stop::StopToken;
      break;
    }
    history.push_back(*token);
    ++stats.generatedTokens;
    if (!onToken(*token)) {
      stats.stop = GenerationStats::Stop::Callback;
      break;
    }
    if (stats.generatedTokens == maxNewTokens)
      break;
    if (session.position() == session.capacity()) {
      stats.stop = GenerationStats::Stop::ContextFull;
      break;
    }
    logits = session.decode(*token);
    if (!logits)
      return logits.status();
  }
  stats.decodeSeconds = secondsSince(start);
  return stats;
}

} // namespace qf
