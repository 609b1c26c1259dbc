//===- SentencePiece.cpp - tokenizer.model through libsentencepiece -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Config.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <sentencepiece_processor.h>

namespace qf {

namespace {

class SentencePieceTokenizer final : public Tokenizer {
public:
  std::vector<int32_t> encode(std::string_view text,
                              bool addBos) const override {
    std::vector<int> pieces;
    // Encode only fails on an unloaded model, which cannot exist here.
    (void)processor_.Encode(text, &pieces);
    std::vector<int32_t> ids;
    ids.reserve(pieces.size() + 1);
    if (addBos && bosId() >= 0)
      ids.push_back(bosId());
    ids.insert(ids.end(), pieces.begin(), pieces.end());
    return ids;
  }

  std::string decode(const std::vector<int32_t> &ids) const override {
    // SentencePiece refuses the whole input for one bad id; skip those.
    std::vector<int> valid;
    valid.reserve(ids.size());
    for (int32_t id : ids)
      if (id >= 0 && id < vocabSize())
        valid.push_back(id);
    std::string text;
    (void)processor_.Decode(valid, &text);
    return text;
  }

  std::string tokenToPiece(int32_t id) const override {
    return id >= 0 && id < vocabSize() ? processor_.IdToPiece(id)
                                       : std::string();
  }

  int32_t vocabSize() const override { return processor_.GetPieceSize(); }

  Status load(const std::string &path) {
    sentencepiece::util::Status status = processor_.Load(path);
    if (!status.ok())
      return Status::error(path + ": " + status.ToString());
    std::string dir = path.substr(0, path.find_last_of('/') + 1);
    std::string configPath = dir + "generation_config.json";
    Result<std::optional<std::string>> text =
        tokconfig::readFileIfExists(configPath);
    if (!text)
      return text.status();
    tokconfig::GenerationConfig config;
    if (*text) {
      Result<tokconfig::GenerationConfig> parsed =
          tokconfig::parseGenerationConfig(**text);
      if (!parsed)
        return Status(parsed.status()).prepend(configPath);
      config = *parsed;
    }
    for (int32_t id : config.eosIds)
      if (id >= vocabSize())
        return Status::error(configPath + ": eos_token_id " +
                             std::to_string(id) + " is outside the vocabulary");
    setSpecialIds(processor_.bos_id(), processor_.eos_id(), config.eosIds,
                  /*addBos=*/true);
    return Status();
  }

private:
  sentencepiece::SentencePieceProcessor processor_;
};

} // namespace

Result<std::unique_ptr<Tokenizer>>
Tokenizer::loadSentencePiece(const std::string &path) {
  auto tokenizer = std::make_unique<SentencePieceTokenizer>();
  QF_RETURN_IF_ERROR(tokenizer->load(path));
  return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

} // namespace qf
