//===- MakeCorpus.cpp - the seed corpus of fuzz-artifact ------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// make-artifact-corpus DIR writes small valid artifacts (< 16 KB each) that
// cover every table of the schema, to DIR (corpus/fuzz-artifact/ in the
// source tree holds its output).
//
//===----------------------------------------------------------------------===//

#include "test/unit/artifact/SampleArtifact.h"

#include <cstdio>

using namespace qf;
using namespace qf::test;

namespace {

/// The sample with 4096-byte alignment, as the compiler writes: few
/// sections, so that it stays small.
ArtifactWriter pageAligned() {
  ArtifactWriter writer;
  writer.setTarget("cpu-x86_64");
  writer.setConfig(sampleConfig());
  writer.setKvCache(KvCacheInfo::uniform(1, 2, 32, 8, "bf16"));
  writer.addParameter("model.norm.weight", "f32", {2, 4},
                      writer.addSection(patternBytes(32, 4)));
  writer.addExecutable("cpu-x86_64", "elf-shared-object",
                       writer.addSection(textBytes("\x7f"
                                                   "ELF")));
  writer.addEntryPoint({"prefill", standardArguments(1), {{0, "prefill"}}});
  writer.addEntryPoint({"decode", standardArguments(1), {{0, "decode"}}});
  return writer;
}

/// Several executables and dispatches per entry point, a SentencePiece
/// tokenizer, no BOS, a parameter of rank 0 and one of size 0.
ArtifactWriter multiDispatch() {
  ArtifactWriter writer = sampleArtifactWriter(128);
  ModelConfig config = sampleConfig();
  config.bosTokenId.reset();
  writer.setConfig(config);
  writer.setTokenizerKind("sentencepiece");
  writer.addTokenizerFile("tokenizer.model", textBytes("not a real model"));
  writer.addParameter("scale", "f64", {},
                      writer.addSection(patternBytes(8, 5)));
  writer.addParameter("empty", "i32", {0, 3}, writer.addSection({}));
  uint32_t second = writer.addExecutable("cpu-x86_64", "elf-shared-object",
                                         writer.addSection(textBytes("\x7f"
                                                                     "ELF2")));
  writer.addEntryPoint(
      {"embed",
       {{ArgumentKind::Tokens, 0}, {ArgumentKind::Parameter, 3}},
       {{0, "embed_a"}, {second, "embed_b"}, {0, "embed_c"}}});
  return writer;
}

/// A mixed KV cache: two storage groups, arguments naming each.
ArtifactWriter mixedCache() {
  ArtifactWriter writer = sampleArtifactWriter(kMinSectionAlignment);
  writer.setKvCache(mixedKvCache());
  writer.addEntryPoint({"mixed", mixedCacheArguments(), {{0, "prefill"}}});
  return writer;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make-artifact-corpus DIR\n");
    return 2;
  }
  const std::pair<const char *, ArtifactWriter> seeds[] = {
      {"sample.qfa", sampleArtifactWriter(kMinSectionAlignment)},
      {"page-aligned.qfa", pageAligned()},
      {"multi-dispatch.qfa", multiDispatch()},
      {"mixed-kv-cache.qfa", mixedCache()},
  };
  for (const auto &[name, writer] : seeds) {
    std::string path = std::string(argv[1]) + "/" + name;
    Status status = writer.write(path);
    if (!status.ok()) {
      std::fprintf(stderr, "make-artifact-corpus: %s\n",
                   status.message().c_str());
      return 1;
    }
  }
  return 0;
}
