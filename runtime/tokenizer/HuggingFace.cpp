//===- HuggingFace.cpp - tokenizer.json of Hugging Face tokenizers --------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Reads tokenizer.json into a pipeline::Spec. Supported components:
//   model           BPE (vocab, merges as "a b" or ["a", "b"], unk_token,
//                   fuse_unk, byte_fallback, ignore_merges)
//   normalizer      Sequence, Prepend, Replace (string patterns), NFC
//   pre_tokenizer   Sequence, ByteLevel, Metaspace, Split with the GPT-2,
//                   Llama 3 or Qwen2 regex (Isolated)
//   decoder         Sequence, Replace, ByteFallback, Fuse, Strip, ByteLevel,
//                   Metaspace
//   post_processor  only read to see whether BOS leads the template
// Anything else is an error that names the file and the component.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Config.h"
#include "runtime/tokenizer/Pipeline.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tokenizer/Unicode.h"

#include <nlohmann/json.hpp>

#include <algorithm>

using json = nlohmann::json;

namespace qf {

namespace {

using pipeline::Decoder;
using pipeline::Normalizer;
using pipeline::PrependScheme;
using pipeline::PreTokenizer;

/// Ids at or above this are refused: far above any real vocabulary.
constexpr int64_t kMaxVocab = int64_t(1) << 24;
/// Sequences nested deeper than this are refused (real files nest one).
constexpr int kMaxNesting = 8;

/// A value for an error message: scalars as written, containers by kind.
std::string describe(const json &value) {
  if (value.is_string()) {
    const std::string &s = value.get_ref<const std::string &>();
    return "'" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "'";
  }
  if (value.is_primitive())
    return value.dump();
  return std::string("an ") + value.type_name();
}

std::string indexed(const std::string &path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

/// Typed access to the members of one JSON object; errors name the member
/// by its path in the file.
class Fields {
public:
  Fields(const json &object, std::string path)
      : object_(object), path_(std::move(path)) {}

  std::string path(const char *key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  Status error(const char *key, const std::string &problem) const {
    return Status::error(path(key) + ": " + problem);
  }

  /// The member, or nullptr when it is absent or null.
  const json *find(const char *key) const {
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  Result<bool> boolean(const char *key, bool fallback) const {
    const json *value = find(key);
    if (!value)
      return fallback;
    if (!value->is_boolean())
      return error(key, "must be a boolean, got " + describe(*value));
    return value->get<bool>();
  }

  Result<std::optional<std::string>> optionalString(const char *key) const {
    const json *value = find(key);
    if (!value)
      return std::optional<std::string>();
    if (!value->is_string())
      return error(key, "must be a string, got " + describe(*value));
    return std::optional<std::string>(value->get<std::string>());
  }

  Result<std::string> string(const char *key) const {
    Result<std::optional<std::string>> value = optionalString(key);
    if (!value)
      return value.status();
    if (!*value)
      return error(key, "is missing");
    return **value;
  }

  Result<int64_t> integer(const char *key, int64_t fallback, int64_t min,
                          int64_t max) const {
    const json *value = find(key);
    if (!value)
      return fallback;
    if (!value->is_number_integer() ||
        (value->is_number_unsigned() &&
         value->get<uint64_t>() > uint64_t(max)) ||
        value->get<int64_t>() < min || value->get<int64_t>() > max)
      return error(key, "must be an integer in [" + std::to_string(min) + ", " +
                            std::to_string(max) + "], got " + describe(*value));
    return value->get<int64_t>();
  }

  Result<const json *> array(const char *key) const {
    const json *value = find(key);
    if (!value)
      return error(key, "is missing");
    if (!value->is_array())
      return error(key, "must be an array, got " + describe(*value));
    return value;
  }

  /// A single character (Metaspace replacement, Strip content).
  Result<std::string> character(const char *key,
                                std::optional<std::string> fallback) const {
    Result<std::optional<std::string>> value = optionalString(key);
    if (!value)
      return value.status();
    std::string text = value->value_or(fallback.value_or(""));
    if (!*value && !fallback)
      return error(key, "is missing");
    if (text.empty() || unicode::utf8Length(text, 0) != text.size())
      return error(key, "must be one character, got '" + text + "'");
    return text;
  }

  /// The type tag of a component.
  Result<std::string> type() const { return string("type"); }

private:
  const json &object_;
  std::string path_;
};

Status expectObject(const json &value, const std::string &path) {
  if (!value.is_object())
    return Status::error(path + ": must be an object, got " + describe(value));
  return Status();
}

Status unsupported(const std::string &path, const std::string &what) {
  return Status::error(path + ": " + what + " is not supported");
}

/// {"String": s} as a non-empty literal; regex patterns are unsupported.
Result<std::string> literalPattern(const Fields &fields) {
  const json *pattern = fields.find("pattern");
  if (!pattern)
    return fields.error("pattern", "is missing");
  if (pattern->is_object() && pattern->contains("Regex"))
    return unsupported(fields.path("pattern"), "a Regex pattern");
  if (!pattern->is_object() || !pattern->contains("String") ||
      !(*pattern)["String"].is_string() ||
      (*pattern)["String"].get_ref<const std::string &>().empty())
    return fields.error("pattern", "must be {\"String\": non-empty text}");
  return (*pattern)["String"].get<std::string>();
}

/// Metaspace's prepend_scheme, or the older add_prefix_space.
Result<PrependScheme> prependScheme(const Fields &fields) {
  Result<std::optional<std::string>> scheme =
      fields.optionalString("prepend_scheme");
  if (!scheme)
    return scheme.status();
  if (!*scheme) {
    Result<bool> add = fields.boolean("add_prefix_space", true);
    if (!add)
      return add.status();
    return *add ? PrependScheme::Always : PrependScheme::Never;
  }
  if (**scheme == "always")
    return PrependScheme::Always;
  if (**scheme == "first")
    return PrependScheme::First;
  if (**scheme == "never")
    return PrependScheme::Never;
  return fields.error("prepend_scheme", "must be always, first or never");
}

/// Applies `parseOne` to each element of the array `key` of a Sequence at
/// nesting `depth`.
template <typename ParseOne>
Status parseSequence(const Fields &fields, const char *key, int depth,
                     ParseOne parseOne) {
  if (depth >= kMaxNesting)
    return Status::error(fields.path(key) + ": Sequences nested deeper than " +
                         std::to_string(kMaxNesting));
  Result<const json *> items = fields.array(key);
  if (!items)
    return items.status();
  for (size_t i = 0; i < (*items)->size(); ++i)
    QF_RETURN_IF_ERROR(parseOne((**items)[i], indexed(fields.path(key), i)));
  return Status();
}

Status parseNormalizer(const json &value, const std::string &path, int depth,
                       std::vector<Normalizer> &out) {
  QF_RETURN_IF_ERROR(expectObject(value, path));
  Fields fields(value, path);
  Result<std::string> type = fields.type();
  if (!type)
    return type.status();
  if (*type == "Sequence")
    return parseSequence(fields, "normalizers", depth,
                         [&](const json &item, const std::string &itemPath) {
                           return parseNormalizer(item, itemPath, depth + 1,
                                                  out);
                         });
  if (*type == "Prepend") {
    Result<std::string> prepend = fields.string("prepend");
    if (!prepend)
      return prepend.status();
    out.emplace_back(Normalizer::Kind::Prepend, "", *prepend);
    return Status();
  }
  if (*type == "Replace") {
    Result<std::string> pattern = literalPattern(fields);
    if (!pattern)
      return pattern.status();
    Result<std::string> content = fields.string("content");
    if (!content)
      return content.status();
    out.emplace_back(Normalizer::Kind::Replace, *pattern, *content);
    return Status();
  }
  if (*type == "NFC") {
    out.emplace_back(Normalizer::Kind::Nfc);
    return Status();
  }
  return unsupported(path, "normalizer '" + *type + "'");
}

Status parsePreTokenizer(const json &value, const std::string &path, int depth,
                         std::vector<PreTokenizer> &out) {
  QF_RETURN_IF_ERROR(expectObject(value, path));
  Fields fields(value, path);
  Result<std::string> type = fields.type();
  if (!type)
    return type.status();
  if (*type == "Sequence")
    return parseSequence(fields, "pretokenizers", depth,
                         [&](const json &item, const std::string &itemPath) {
                           return parsePreTokenizer(item, itemPath, depth + 1,
                                                    out);
                         });
  PreTokenizer step(PreTokenizer::Kind::ByteLevel);
  if (*type == "ByteLevel") {
    Result<bool> addPrefixSpace = fields.boolean("add_prefix_space", true);
    Result<bool> useRegex = fields.boolean("use_regex", true);
    if (!addPrefixSpace || !useRegex)
      return !addPrefixSpace ? addPrefixSpace.status() : useRegex.status();
    step.addPrefixSpace = *addPrefixSpace;
    step.useRegex = *useRegex;
  } else if (*type == "Split") {
    step = PreTokenizer(PreTokenizer::Kind::Split);
    const json *pattern = fields.find("pattern");
    if (!pattern || !pattern->is_object() || !pattern->contains("Regex") ||
        !(*pattern)["Regex"].is_string())
      return unsupported(fields.path("pattern"),
                         "a Split pattern other than a Regex");
    std::optional<SplitRegex> regex =
        recognizeSplitRegex((*pattern)["Regex"].get_ref<const std::string &>());
    if (!regex)
      return unsupported(fields.path("pattern"),
                         "the regex " + describe((*pattern)["Regex"]) +
                             " (only those of GPT-2, Llama 3 and Qwen2)");
    step.regex = *regex;
    Result<std::string> behavior = fields.string("behavior");
    Result<bool> invert = fields.boolean("invert", false);
    if (!behavior || !invert)
      return !behavior ? behavior.status() : invert.status();
    if (*behavior != "Isolated")
      return unsupported(fields.path("behavior"), "'" + *behavior + "'");
    if (*invert)
      return unsupported(fields.path("invert"), "true");
  } else if (*type == "Metaspace") {
    step = PreTokenizer(PreTokenizer::Kind::Metaspace);
    Result<std::string> replacement =
        fields.character("replacement", std::string("\u2581"));
    Result<PrependScheme> scheme = prependScheme(fields);
    Result<bool> split = fields.boolean("split", true);
    if (!replacement || !scheme || !split)
      return !replacement ? replacement.status()
             : !scheme    ? scheme.status()
                          : split.status();
    step.replacement = *replacement;
    step.prependScheme = *scheme;
    step.split = *split;
  } else {
    return unsupported(path, "pre-tokenizer '" + *type + "'");
  }
  out.push_back(std::move(step));
  return Status();
}

Status parseDecoder(const json &value, const std::string &path, int depth,
                    std::vector<Decoder> &out) {
  QF_RETURN_IF_ERROR(expectObject(value, path));
  Fields fields(value, path);
  Result<std::string> type = fields.type();
  if (!type)
    return type.status();
  if (*type == "Sequence")
    return parseSequence(fields, "decoders", depth,
                         [&](const json &item, const std::string &itemPath) {
                           return parseDecoder(item, itemPath, depth + 1, out);
                         });
  Decoder step(Decoder::Kind::Replace);
  if (*type == "Replace") {
    Result<std::string> pattern = literalPattern(fields);
    Result<std::string> content = fields.string("content");
    if (!pattern || !content)
      return !pattern ? pattern.status() : content.status();
    step.pattern = *pattern;
    step.content = *content;
  } else if (*type == "ByteFallback") {
    step = Decoder(Decoder::Kind::ByteFallback);
  } else if (*type == "Fuse") {
    step = Decoder(Decoder::Kind::Fuse);
  } else if (*type == "ByteLevel") {
    step = Decoder(Decoder::Kind::ByteLevel);
  } else if (*type == "Strip") {
    step = Decoder(Decoder::Kind::Strip);
    Result<std::string> content = fields.character("content", std::nullopt);
    Result<int64_t> start = fields.integer("start", 0, 0, 1 << 20);
    Result<int64_t> stop = fields.integer("stop", 0, 0, 1 << 20);
    if (!content || !start || !stop)
      return !content ? content.status()
             : !start ? start.status()
                      : stop.status();
    size_t length;
    step.stripChar = unicode::decodeUtf8(*content, 0, length);
    step.start = static_cast<size_t>(*start);
    step.stop = static_cast<size_t>(*stop);
  } else if (*type == "Metaspace") {
    step = Decoder(Decoder::Kind::Metaspace);
    Result<std::string> replacement =
        fields.character("replacement", std::string("\u2581"));
    Result<PrependScheme> scheme = prependScheme(fields);
    if (!replacement || !scheme)
      return !replacement ? replacement.status() : scheme.status();
    step.pattern = *replacement;
    step.prependScheme = *scheme;
  } else {
    return unsupported(path, "decoder '" + *type + "'");
  }
  out.push_back(std::move(step));
  return Status();
}

/// The tokens by id of model.vocab.
Result<std::vector<std::string>> parseVocab(const Fields &model) {
  const json *vocab = model.find("vocab");
  if (!vocab)
    return model.error("vocab", "is missing");
  if (!vocab->is_object())
    return model.error("vocab", "must be an object, got " + describe(*vocab));
  int64_t maxId = -1;
  for (auto it = vocab->begin(); it != vocab->end(); ++it) {
    const json &id = it.value();
    if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
        id.get<int64_t>() >= kMaxVocab)
      return model.error("vocab", "'" + it.key() + "' has id " + describe(id) +
                                      ", not an integer in [0, " +
                                      std::to_string(kMaxVocab) + ")");
    maxId = std::max(maxId, id.get<int64_t>());
  }
  // Real vocabularies are dense; a sparse one would only waste memory.
  if (maxId >= 2 * int64_t(vocab->size()) + 1024)
    return model.error("vocab", "ids up to " + std::to_string(maxId) + " for " +
                                    std::to_string(vocab->size()) +
                                    " tokens are too sparse");
  std::vector<std::string> pieces(static_cast<size_t>(maxId + 1));
  for (auto it = vocab->begin(); it != vocab->end(); ++it) {
    std::string &slot = pieces[it.value().get<size_t>()];
    if (it.key().empty())
      return model.error("vocab", "the empty string is not a token");
    if (!slot.empty())
      return model.error("vocab", "id " + it.value().dump() +
                                      " is given to both '" + slot + "' and '" +
                                      it.key() + "'");
    slot = it.key();
  }
  return pieces;
}

/// model.merges, either "left right" strings or ["left", "right"] pairs.
Result<std::vector<std::pair<std::string, std::string>>>
parseMerges(const Fields &model) {
  Result<const json *> merges = model.array("merges");
  if (!merges)
    return merges.status();
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve((*merges)->size());
  for (size_t i = 0; i < (*merges)->size(); ++i) {
    const json &merge = (**merges)[i];
    if (merge.is_string()) {
      const std::string &text = merge.get_ref<const std::string &>();
      size_t space = text.find(' ');
      if (space != std::string::npos && space > 0 && space + 1 < text.size() &&
          text.find(' ', space + 1) == std::string::npos) {
        pairs.emplace_back(text.substr(0, space), text.substr(space + 1));
        continue;
      }
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      pairs.emplace_back(merge[0].get<std::string>(),
                         merge[1].get<std::string>());
      continue;
    }
    return Status::error(indexed(model.path("merges"), i) +
                         ": must be \"left right\" or [\"left\", \"right\"], "
                         "got " +
                         describe(merge));
  }
  return pairs;
}

Result<std::unique_ptr<bpe::SubwordModel>> parseModel(const json &value) {
  QF_RETURN_IF_ERROR(expectObject(value, "model"));
  Fields model(value, "model");
  Result<std::optional<std::string>> type = model.optionalString("type");
  if (!type)
    return type.status();
  if (type->value_or("BPE") != "BPE")
    return Status::error("model.type: '" + **type +
                         "' is not supported (only BPE)");
  // Options we do not implement must be at their neutral values.
  if (const json *dropout = model.find("dropout");
      dropout && !(dropout->is_number() && dropout->get<double>() == 0.0))
    return unsupported("model.dropout", describe(*dropout));
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (const json *affix = model.find(key);
        affix &&
        !(affix->is_string() && affix->get_ref<const std::string &>().empty()))
      return unsupported(model.path(key), describe(*affix));

  Result<std::vector<std::string>> pieces = parseVocab(model);
  if (!pieces)
    return pieces.status();
  Result<std::vector<std::pair<std::string, std::string>>> merges =
      parseMerges(model);
  if (!merges)
    return merges.status();

  bpe::RankedBpe::Options options;
  Result<std::optional<std::string>> unk = model.optionalString("unk_token");
  Result<bool> fuseUnk = model.boolean("fuse_unk", false);
  Result<bool> byteFallback = model.boolean("byte_fallback", false);
  Result<bool> ignoreMerges = model.boolean("ignore_merges", false);
  for (const Status *status : {&unk.status(), &fuseUnk.status(),
                               &byteFallback.status(), &ignoreMerges.status()})
    if (!status->ok())
      return *status;
  if (*unk) {
    auto it = std::find(pieces->begin(), pieces->end(), **unk);
    if (it == pieces->end())
      return model.error("unk_token",
                         "'" + **unk + "' is not in the vocabulary");
    options.unkId = static_cast<int32_t>(it - pieces->begin());
  }
  options.fuseUnk = *fuseUnk;
  options.byteFallback = *byteFallback;
  options.ignoreMerges = *ignoreMerges;

  Result<std::unique_ptr<bpe::RankedBpe>> bpe =
      bpe::RankedBpe::create(pieces.take(), *merges, options);
  if (!bpe)
    return Status(bpe.status()).prepend("model.merges");
  return std::unique_ptr<bpe::SubwordModel>(bpe.take());
}

Status parseAddedTokens(const json &value,
                        std::vector<pipeline::AddedToken> &out) {
  if (!value.is_array())
    return Status::error("added_tokens: must be an array, got " +
                         describe(value));
  for (size_t i = 0; i < value.size(); ++i) {
    std::string path = indexed("added_tokens", i);
    QF_RETURN_IF_ERROR(expectObject(value[i], path));
    Fields fields(value[i], path);
    pipeline::AddedToken token;
    Result<int64_t> id = fields.integer("id", -1, 0, kMaxVocab - 1);
    Result<std::string> content = fields.string("content");
    Result<bool> special = fields.boolean("special", false);
    Result<bool> singleWord = fields.boolean("single_word", false);
    Result<bool> lstrip = fields.boolean("lstrip", false);
    Result<bool> rstrip = fields.boolean("rstrip", false);
    for (const Status *status :
         {&id.status(), &content.status(), &special.status(),
          &singleWord.status(), &lstrip.status(), &rstrip.status()})
      if (!status->ok())
        return *status;
    if (*id < 0)
      return fields.error("id", "is missing");
    if (content->empty())
      return fields.error("content", "is empty");
    if (*singleWord)
      return unsupported(fields.path("single_word"), "true");
    Result<bool> normalized = fields.boolean("normalized", !*special);
    if (!normalized)
      return normalized.status();
    token.id = static_cast<int32_t>(*id);
    token.content = *content;
    token.special = *special;
    token.lstrip = *lstrip;
    token.rstrip = *rstrip;
    token.normalized = *normalized;
    out.push_back(std::move(token));
  }
  return Status();
}

/// The special token that leads the single-sequence template of a
/// TemplateProcessing post-processor (possibly inside a Sequence).
std::optional<std::string> templateLeadingToken(const json &processor,
                                                int depth = 0) {
  if (!processor.is_object() || !processor.contains("type") ||
      depth >= kMaxNesting)
    return std::nullopt;
  const json &type = processor["type"];
  if (type == "Sequence" && processor.contains("processors") &&
      processor["processors"].is_array()) {
    for (const json &item : processor["processors"])
      if (std::optional<std::string> token =
              templateLeadingToken(item, depth + 1))
        return token;
  }
  if (type != "TemplateProcessing" || !processor.contains("single") ||
      !processor["single"].is_array() || processor["single"].empty())
    return std::nullopt;
  const json &first = processor["single"][0];
  if (first.is_object() && first.contains("SpecialToken") &&
      first["SpecialToken"].is_object() &&
      first["SpecialToken"].contains("id") &&
      first["SpecialToken"]["id"].is_string())
    return first["SpecialToken"]["id"].get<std::string>();
  return std::nullopt;
}

/// bos_token / eos_token of tokenizer_config.json: a string, or an object
/// with "content".
Result<std::optional<std::string>> configToken(const Fields &config,
                                               const char *key) {
  const json *value = config.find(key);
  if (value && value->is_object() && value->contains("content"))
    value = &(*value)["content"];
  if (!value)
    return std::optional<std::string>();
  if (!value->is_string())
    return config.error(key, "must be a string or {\"content\": string}, got " +
                                 describe(*value));
  return std::optional<std::string>(value->get<std::string>());
}

/// The id of token text: an added token, else a vocabulary entry; or -1.
int32_t lookupToken(const pipeline::Spec &spec, const std::string &text) {
  for (const pipeline::AddedToken &token : spec.addedTokens)
    if (token.content == text)
      return token.id;
  return spec.model->find(text);
}

/// Reads the special ids of tokenizer_config.json and
/// generation_config.json; errors are prefixed with the file's name.
Status parseSpecialIds(std::string_view configText,
                       std::string_view generationText,
                       std::optional<std::string> templateBos,
                       const std::string &where, pipeline::Spec &spec) {
  std::optional<std::string> bosText, eosText;
  std::optional<bool> addBos;
  if (!configText.empty()) {
    std::string file = where + "tokenizer_config.json";
    json config = json::parse(configText, nullptr, /*allow_exceptions=*/false);
    if (!config.is_object())
      return Status::error(file + ": not a JSON object");
    Fields fields(config, "");
    Result<std::optional<std::string>> bos = configToken(fields, "bos_token");
    Result<std::optional<std::string>> eos = configToken(fields, "eos_token");
    if (!bos || !eos)
      return Status(!bos ? bos.status() : eos.status()).prepend(file);
    bosText = *bos;
    eosText = *eos;
    if (fields.find("add_bos_token")) {
      Result<bool> add = fields.boolean("add_bos_token", false);
      if (!add)
        return Status(add.status()).prepend(file);
      addBos = *add;
    }
    for (auto [key, text] :
         {std::pair{"bos_token", &bosText}, std::pair{"eos_token", &eosText}})
      if (*text && lookupToken(spec, **text) < 0)
        return Status::error(file + ": " + key + " '" + **text +
                             "' is not in the vocabulary");
  }
  tokconfig::GenerationConfig generation;
  if (!generationText.empty()) {
    Result<tokconfig::GenerationConfig> parsed =
        tokconfig::parseGenerationConfig(generationText);
    if (!parsed)
      return Status(parsed.status()).prepend(where + "generation_config.json");
    generation = *parsed;
  }

  // tokenizer_config.json names the tokens; generation_config.json and the
  // post-processor template fill in what it leaves out.
  if (!bosText && templateBos && lookupToken(spec, *templateBos) >= 0)
    bosText = templateBos;
  spec.bosId = bosText ? lookupToken(spec, *bosText) : generation.bosId;
  spec.eosId = eosText                     ? lookupToken(spec, *eosText)
               : generation.eosIds.empty() ? -1
                                           : generation.eosIds.front();
  spec.extraStopIds = generation.eosIds;
  spec.addBos = addBos.value_or(templateBos && bosText == templateBos);
  return Status();
}

Result<std::unique_ptr<Tokenizer>> loadFromJson(std::string_view tokenizerJson,
                                                std::string_view configJson,
                                                std::string_view generationJson,
                                                const std::string &where) {
  std::string file = where + "tokenizer.json";
  json root = json::parse(tokenizerJson, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded())
    return Status::error(file + ": not valid JSON");
  if (!root.is_object())
    return Status::error(file + ": must be a JSON object, got " +
                         describe(root));
  Fields top(root, "");
  pipeline::Spec spec;
  auto inFile = [&](Status status) { return status.prepend(file); };

  const json *model = top.find("model");
  if (!model)
    return inFile(Status::error("model: is missing"));
  Result<std::unique_ptr<bpe::SubwordModel>> bpe = parseModel(*model);
  if (!bpe)
    return inFile(bpe.status());
  spec.model = bpe.take();

  if (const json *added = top.find("added_tokens"))
    QF_RETURN_IF_ERROR(inFile(parseAddedTokens(*added, spec.addedTokens)));
  if (const json *normalizer = top.find("normalizer"))
    QF_RETURN_IF_ERROR(inFile(
        parseNormalizer(*normalizer, "normalizer", 0, spec.normalizers)));
  if (const json *preTokenizer = top.find("pre_tokenizer"))
    QF_RETURN_IF_ERROR(inFile(parsePreTokenizer(*preTokenizer, "pre_tokenizer",
                                                0, spec.preTokenizers)));
  if (const json *decoder = top.find("decoder")) {
    spec.decoders.emplace();
    QF_RETURN_IF_ERROR(
        inFile(parseDecoder(*decoder, "decoder", 0, *spec.decoders)));
  }
  std::optional<std::string> templateBos;
  if (const json *processor = top.find("post_processor"))
    templateBos = templateLeadingToken(*processor);

  QF_RETURN_IF_ERROR(
      parseSpecialIds(configJson, generationJson, templateBos, where, spec));
  Result<std::unique_ptr<Tokenizer>> tokenizer =
      pipeline::build(std::move(spec));
  if (!tokenizer)
    return inFile(tokenizer.status());
  return tokenizer;
}

} // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::loadHuggingFaceFromStrings(
    std::string_view tokenizerJson, std::string_view tokenizerConfigJson,
    std::string_view generationConfigJson, const std::string &where) {
  // The checks above keep nlohmann from throwing; this is the backstop that
  // keeps any exception from leaving the runtime.
  try {
    return loadFromJson(tokenizerJson, tokenizerConfigJson,
                        generationConfigJson, where);
  } catch (const json::exception &e) {
    return Status::error(where + "tokenizer.json: " + e.what());
  }
}

Result<std::unique_ptr<Tokenizer>>
Tokenizer::loadHuggingFace(const std::string &dir) {
  std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  std::string texts[3];
  const char *names[3] = {"tokenizer.json", "tokenizer_config.json",
                          "generation_config.json"};
  for (int i = 0; i < 3; ++i) {
    Result<std::optional<std::string>> text =
        tokconfig::readFileIfExists(prefix + names[i]);
    if (!text)
      return text.status();
    if (!*text && i == 0)
      return Status::error(prefix + names[i] + ": does not exist");
    texts[i] = text->value_or("");
  }
  return loadHuggingFaceFromStrings(texts[0], texts[1], texts[2], prefix);
}

} // namespace qf
