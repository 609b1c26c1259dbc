//===- GGUFFileVocab.cpp - the tokenizer.ggml.* keys of a GGUF file -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/GGUFFileVocab.h"

namespace qf {

namespace {

/// Reads optional keys; an absent key leaves the default, a key of the
/// wrong type is an error naming it.
class VocabReader {
public:
  explicit VocabReader(const io::GGUFFile &file) : file(file) {}

  template <typename T, typename Get>
  Status read(const std::string &key, T &out, Get get, bool required = false) {
    const io::GGUFValue *value = file.findMetadata(key);
    if (!value) {
      if (required)
        return Status::error(file.name() + ": '" + key + "' is missing");
      return Status();
    }
    auto result = get(*value);
    if (!result.ok())
      return Status::error(file.name() + ": '" + key + "': " +
                           result.message());
    out = T(*result);
    return Status();
  }

  Status id(const std::string &key, int32_t &out) {
    return read(key, out, [](const io::GGUFValue &v) { return v.getUnsigned(); });
  }

private:
  const io::GGUFFile &file;
};

} // namespace

Result<GGUFVocab> readGGUFVocab(const io::GGUFFile &file) {
  GGUFVocab vocab;
  VocabReader reader(file);
  auto str = [](const io::GGUFValue &v) { return v.getString(); };
  QF_RETURN_IF_ERROR(reader.read("tokenizer.ggml.model", vocab.model, str, true));
  QF_RETURN_IF_ERROR(reader.read("tokenizer.ggml.pre", vocab.pre, str));
  QF_RETURN_IF_ERROR(reader.read(
      "tokenizer.ggml.tokens", vocab.tokens,
      [](const io::GGUFValue &v) { return v.getStringArray(); }, true));
  QF_RETURN_IF_ERROR(reader.read("tokenizer.ggml.scores", vocab.scores,
                                 [](const io::GGUFValue &v) { return v.getF32Array(); }));
  QF_RETURN_IF_ERROR(reader.read("tokenizer.ggml.token_type", vocab.tokenTypes,
                                 [](const io::GGUFValue &v) { return v.getI32Array(); }));
  QF_RETURN_IF_ERROR(reader.read("tokenizer.ggml.merges", vocab.merges,
                                 [](const io::GGUFValue &v) { return v.getStringArray(); }));
  QF_RETURN_IF_ERROR(reader.id("tokenizer.ggml.bos_token_id", vocab.bosId));
  QF_RETURN_IF_ERROR(reader.id("tokenizer.ggml.eos_token_id", vocab.eosId));
  QF_RETURN_IF_ERROR(reader.id("tokenizer.ggml.unknown_token_id", vocab.unkId));
  QF_RETURN_IF_ERROR(reader.id("tokenizer.ggml.padding_token_id", vocab.padId));
  int32_t eot = -1;
  QF_RETURN_IF_ERROR(reader.id("tokenizer.ggml.eot_token_id", eot));
  if (eot >= 0)
    vocab.extraStopIds.push_back(eot);
  auto flag = [](const io::GGUFValue &v) { return v.getBool(); };
  QF_RETURN_IF_ERROR(reader.read("tokenizer.ggml.add_bos_token", vocab.addBos, flag));
  QF_RETURN_IF_ERROR(
      reader.read("tokenizer.ggml.add_space_prefix", vocab.addSpacePrefix, flag));
  return vocab;
}

Result<std::unique_ptr<Tokenizer>> loadGGUFTokenizer(const io::GGUFFile &file) {
  Result<GGUFVocab> vocab = readGGUFVocab(file);
  if (!vocab.ok())
    return vocab.status();
  auto tokenizer = Tokenizer::loadFromGGUFVocab(*vocab);
  if (!tokenizer.ok())
    return Status::error(file.name() + ": " + tokenizer.message());
  return tokenizer;
}

} // namespace qf
