//===- Config.cpp - files beside a tokenizer ------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Config.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <sys/stat.h>

using json = nlohmann::json;

namespace qf::tokconfig {

namespace {

Result<int32_t> tokenId(const json &value, const std::string &key) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
      value.get<int64_t>() > INT32_MAX)
    return Status::error(
        "'" + key + "' must be a token id, got " +
        (value.is_primitive() ? value.dump() : std::string(value.type_name())));
  return static_cast<int32_t>(value.get<int64_t>());
}

} // namespace

Result<std::optional<std::string>> readFileIfExists(const std::string &path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0)
    return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!S_ISREG(info.st_mode) || !in)
    return Status::error(path + ": cannot be read");
  std::string contents((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  if (in.bad())
    return Status::error(path + ": read error");
  return std::optional<std::string>(std::move(contents));
}

Result<GenerationConfig> parseGenerationConfig(std::string_view text) {
  json config = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object())
    return Status::error("not a JSON object");
  GenerationConfig result;
  if (config.contains("bos_token_id") && !config["bos_token_id"].is_null()) {
    Result<int32_t> id = tokenId(config["bos_token_id"], "bos_token_id");
    if (!id)
      return id.status();
    result.bosId = *id;
  }
  if (config.contains("eos_token_id") && !config["eos_token_id"].is_null()) {
    const json &eos = config["eos_token_id"];
    for (const json &value : eos.is_array() ? eos : json::array({eos})) {
      Result<int32_t> id = tokenId(value, "eos_token_id");
      if (!id)
        return id.status();
      result.eosIds.push_back(*id);
    }
  }
  return result;
}

} // namespace qf::tokconfig
