//===- Generate.h - the token loop of generation ----------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Prefill the prompt, then sample and decode one token at a time until a
// stop id, the token budget or the end of the context; timings for the
// tokens/s that quant-run reports.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_SESSION_GENERATE_H
#define QUANTFORGE_RUNTIME_SESSION_GENERATE_H

#include "runtime/session/Sampler.h"
#include "runtime/session/Session.h"

#include <functional>

namespace qf {

struct GenerationStats {
  int64_t promptTokens = 0;
  int64_t generatedTokens = 0;
  double prefillSeconds = 0;
  double decodeSeconds = 0;
  /// Why generation ended.
  enum class Stop { MaxTokens, StopToken, ContextFull, Callback };
  Stop stop = Stop::MaxTokens;
};

/// Receives each generated token; returning false ends generation.
using TokenCallback = std::function<bool(int32_t token)>;

/// Resets `session`, prefills `prompt` and generates up to `maxNewTokens`
/// tokens, ending before any of `stopIds` (which is not passed on) or when
/// the cache is full. A prompt longer than the context is an error.
Result<GenerationStats> generate(Session &session, Sampler &sampler,
                                 const std::vector<int32_t> &prompt,
                                 int64_t maxNewTokens,
                                 const std::vector<int32_t> &stopIds,
                                 const TokenCallback &onToken);

} // namespace qf

#endif // QUANTFORGE_RUNTIME_SESSION_GENERATE_H
