//===- Safetensors.cpp - safetensors files and HF checkpoints -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/Safetensors.h"

#include "runtime/io/ByteOrder.h"
#include "runtime/io/Checks.h"
#include "runtime/io/FileOutput.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using json = nlohmann::json;

namespace qf::io {

namespace {

/// The reference implementation's limit; real headers are a few MB at most.
constexpr uint64_t kMaxHeaderSize = 100'000'000;
constexpr const char *kMetadataKey = "__metadata__";

std::string range(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

/// A key that occurs twice in one object. `parent` is the root member holding
/// the object, empty for keys of the root itself.
struct DuplicateKey {
  std::string parent;
  std::string key;
};

/// Parses `text`, also reporting the first key repeated within the root
/// object or within one of its members: nlohmann::json silently keeps the
/// last of equal keys, which would hide a second tensor of the same name.
/// Deeper objects belong to no schema we read and fail validation anyway.
Result<json> parseJson(std::string_view text,
                       std::optional<DuplicateKey> &duplicate) {
  std::set<std::string> rootKeys, memberKeys;
  std::string member;
  auto noteKeys = [&](int depth, json::parse_event_t event, json &parsed) {
    if (event == json::parse_event_t::object_start && depth == 1)
      memberKeys.clear();
    if (event != json::parse_event_t::key || depth > 2 || duplicate)
      return true;
    const std::string &key = parsed.get_ref<const std::string &>();
    if (depth == 1) {
      member = key;
      if (!rootKeys.insert(key).second)
        duplicate = DuplicateKey{"", key};
    } else if (!memberKeys.insert(key).second) {
      duplicate = DuplicateKey{member, key};
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), noteKeys);
  } catch (const std::exception &e) {
    return Status::error(std::string("invalid JSON: ") + e.what());
  }
}

/// The non-negative integer in `value`, if it is one.
std::optional<uint64_t> unsignedInteger(const json &value) {
  if (value.is_number_unsigned())
    return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0)
    return uint64_t(value.get<int64_t>());
  return std::nullopt;
}

Result<std::vector<int64_t>> parseShape(const json &shape) {
  if (!shape.is_array())
    return Status::error("'shape' must be an array of integers, got " +
                         std::string(shape.type_name()));
  std::vector<int64_t> dims;
  for (const json &dim : shape) {
    if (!dim.is_number_integer())
      return Status::error("'shape' element " + std::to_string(dims.size()) +
                           " must be an integer, got " +
                           std::string(dim.type_name()));
    if (dim.is_number_unsigned() && dim.get<uint64_t>() > uint64_t(INT64_MAX))
      return Status::error("'shape' element " + std::to_string(dims.size()) +
                           " is out of range: " + dim.dump());
    dims.push_back(dim.get<int64_t>());
  }
  return dims;
}

/// Validates one header entry; offsets in the result are still relative to
/// the data section, whose size is `dataSize`.
Result<TensorInfo> parseTensor(const std::string &name, const json &entry,
                               uint64_t dataSize) {
  if (!entry.is_object())
    return Status::error("must be an object with dtype, shape and "
                         "data_offsets, got " +
                         std::string(entry.type_name()));
  for (const auto &item : entry.items())
    if (item.key() != "dtype" && item.key() != "shape" &&
        item.key() != "data_offsets")
      return Status::error("unexpected key " + quote(item.key()));
  for (const char *key : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(key))
      return Status::error(std::string("missing '") + key + "'");

  TensorInfo info;
  info.name = name;
  const json &dtype = entry["dtype"];
  if (!dtype.is_string())
    return Status::error("'dtype' must be a string, got " +
                         std::string(dtype.type_name()));
  std::optional<DType> parsed =
      parseSafetensorsDType(dtype.get_ref<const std::string &>());
  if (!parsed)
    return Status::error("unknown dtype " +
                         quote(dtype.get_ref<const std::string &>()));
  info.dtype = *parsed;

  Result<std::vector<int64_t>> shape = parseShape(entry["shape"]);
  if (!shape.ok())
    return shape.status();
  info.shape = shape.take();

  const json &offsets = entry["data_offsets"];
  std::optional<uint64_t> begin, end;
  if (offsets.is_array() && offsets.size() == 2) {
    begin = unsignedInteger(offsets[0]);
    end = unsignedInteger(offsets[1]);
  }
  if (!begin || !end)
    return Status::error(
        "'data_offsets' must be [begin, end] with "
        "non-negative integers, got " +
        (offsets.is_array() ? std::to_string(offsets.size()) + "-element array"
                            : offsets.type_name()));
  if (*end < *begin)
    return Status::error("data_offsets " + range(*begin, *end) +
                         " end before they begin");

  Result<uint64_t> size = byteSize(info.dtype, info.shape);
  if (!size.ok())
    return size.status();
  if (*end - *begin != *size)
    return Status::error("data_offsets " + range(*begin, *end) + " hold " +
                         std::to_string(*end - *begin) + " bytes but " +
                         dtypeName(info.dtype) + formatShape(info.shape) +
                         " needs " + std::to_string(*size));
  if (*end > dataSize)
    return Status::error("data_offsets " + range(*begin, *end) +
                         " run past the end of the data section (" +
                         std::to_string(dataSize) + " bytes)");
  info.offset = *begin;
  info.byteSize = *size;
  return info;
}

Result<std::map<std::string, std::string>> parseMetadata(const json &entry) {
  if (!entry.is_object())
    return Status::error("'__metadata__' must be an object of strings, got " +
                         std::string(entry.type_name()));
  std::map<std::string, std::string> metadata;
  for (const auto &item : entry.items()) {
    if (!item.value().is_string())
      return Status::error("'__metadata__' key " + quote(item.key()) +
                           " must map to a string, got " +
                           std::string(item.value().type_name()));
    metadata[item.key()] = item.value().get<std::string>();
  }
  return metadata;
}

/// JSON strings are UTF-8 (nlohmann::json::dump throws otherwise), so writers
/// check names and values when they are added.
Status checkUtf8(const std::string &text, const std::string &what) {
  try {
    (void)json(text).dump();
  } catch (const json::exception &) {
    return Status::error(what + " " + quote(text) + " is not valid UTF-8");
  }
  return Status();
}

} // namespace

//===----------------------------------------------------------------------===//
// SafetensorsFile
//===----------------------------------------------------------------------===//

Result<SafetensorsFile> SafetensorsFile::open(const std::string &path) {
  Result<MappedFile> mapping = MappedFile::open(path);
  if (!mapping.ok())
    return mapping.status();
  SafetensorsFile file;
  file.image_ = mapping->bytes();
  file.mapping_ = mapping.take();
  file.name_ = path;
  if (Status status = file.parse(); !status.ok())
    return status.prepend(path);
  return file;
}

Result<SafetensorsFile> SafetensorsFile::openFromMemory(ByteSpan image,
                                                        std::string name) {
  SafetensorsFile file;
  file.image_ = image;
  file.name_ = std::move(name);
  if (Status status = file.parse(); !status.ok())
    return status.prepend(file.name_);
  return file;
}

Status SafetensorsFile::parse() {
  if (image_.size < 8)
    return Status::error("file is " + std::to_string(image_.size) +
                         " bytes, too short for the 8-byte header length");
  uint64_t headerSize = loadLE<uint64_t>(image_.data);
  if (headerSize > kMaxHeaderSize)
    return Status::error("header length " + std::to_string(headerSize) +
                         " exceeds the limit of " +
                         std::to_string(kMaxHeaderSize) + " bytes");
  if (headerSize > image_.size - 8)
    return Status::error("header length " + std::to_string(headerSize) +
                         " runs past the end of the file (" +
                         std::to_string(image_.size) + " bytes)");

  std::string_view text(reinterpret_cast<const char *>(image_.data) + 8,
                        size_t(headerSize));
  std::optional<DuplicateKey> duplicate;
  Result<json> header = parseJson(text, duplicate);
  if (!header.ok())
    return Status::error("header: " + header.message());
  if (duplicate && duplicate->parent.empty())
    return Status::error(duplicate->key == kMetadataKey
                             ? "'__metadata__' appears twice in the header"
                             : "tensor " + quote(duplicate->key) +
                                   " appears twice in the header");
  if (duplicate)
    return Status::error((duplicate->parent == kMetadataKey
                              ? std::string("'__metadata__'")
                              : "tensor " + quote(duplicate->parent)) +
                         ": key " + quote(duplicate->key) + " appears twice");
  if (!header->is_object())
    return Status::error("header must be a JSON object, got " +
                         std::string(header->type_name()));

  uint64_t dataStart = 8 + headerSize;
  uint64_t dataSize = image_.size - dataStart;
  for (const auto &item : header->items()) {
    if (item.key() == kMetadataKey) {
      Result<std::map<std::string, std::string>> metadata =
          parseMetadata(item.value());
      if (!metadata.ok())
        return metadata.status();
      metadata_ = metadata.take();
      continue;
    }
    Result<TensorInfo> info = parseTensor(item.key(), item.value(), dataSize);
    if (!info.ok())
      return Status::error("tensor " + quote(item.key()) + ": " +
                           info.message());
    info->offset += dataStart;
    tensors_.push_back(info.take());
  }
  // json objects iterate in key order, so tensors_ is sorted by name.
  std::vector<Extent> extents;
  for (const TensorInfo &info : tensors_)
    extents.push_back({info.name, info.offset - dataStart, info.byteSize});
  return checkDisjoint(std::move(extents), "data_offsets", range);
}

const TensorInfo *SafetensorsFile::find(std::string_view name) const {
  auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                             [](const TensorInfo &info, std::string_view key) {
                               return info.name < key;
                             });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

//===----------------------------------------------------------------------===//
// SafetensorsCheckpoint
//===----------------------------------------------------------------------===//

namespace {

/// The weight map of an index file: tensor name -> shard file name.
Result<std::map<std::string, std::string>>
readWeightMap(const std::string &indexPath) {
  Result<MappedFile> mapping = MappedFile::open(indexPath);
  if (!mapping.ok())
    return mapping.status();
  std::string_view text(reinterpret_cast<const char *>(mapping->data()),
                        mapping->size());
  std::optional<DuplicateKey> duplicate;
  Result<json> index = parseJson(text, duplicate);
  auto error = [&](const std::string &problem) {
    return Status::error(indexPath + ": " + problem);
  };
  if (!index.ok())
    return error(index.message());
  if (duplicate)
    return error("key " + quote(duplicate->key) + " appears twice" +
                 (duplicate->parent.empty()
                      ? std::string()
                      : " in " + quote(duplicate->parent)));
  if (!index->is_object() || !index->contains("weight_map") ||
      !(*index)["weight_map"].is_object())
    return error("must be an object with a 'weight_map' object");

  std::map<std::string, std::string> weightMap;
  for (const auto &item : (*index)["weight_map"].items()) {
    if (!item.value().is_string())
      return error("weight_map entry " + quote(item.key()) +
                   " must be a shard file name, got " +
                   std::string(item.value().type_name()));
    const std::string &shard = item.value().get_ref<const std::string &>();
    // Shards live next to the index; anything else could escape the
    // checkpoint directory.
    if (shard.empty() || shard == "." || shard == ".." ||
        shard.find('/') != std::string::npos)
      return error("weight_map maps " + quote(item.key()) + " to " +
                   quote(shard) + ", which is not a file name");
    weightMap[item.key()] = shard;
  }
  if (weightMap.empty())
    return error("weight_map lists no tensors");
  return weightMap;
}

} // namespace

Result<SafetensorsCheckpoint>
SafetensorsCheckpoint::open(const std::string &dir) {
  namespace fs = std::filesystem;
  std::error_code ignored;
  std::string single = dir + "/model.safetensors";
  std::string indexPath = dir + "/model.safetensors.index.json";

  SafetensorsCheckpoint checkpoint;
  if (fs::exists(single, ignored)) {
    Result<SafetensorsFile> file = SafetensorsFile::open(single);
    if (!file.ok())
      return file.status();
    checkpoint.shards_.push_back(
        std::make_unique<SafetensorsFile>(file.take()));
    for (const TensorInfo &info : checkpoint.shards_[0]->tensors())
      checkpoint.shardOf_[info.name] = 0;
    return checkpoint;
  }
  if (!fs::exists(indexPath, ignored))
    return Status::error(dir + ": neither model.safetensors nor "
                               "model.safetensors.index.json exists");

  Result<std::map<std::string, std::string>> weightMap =
      readWeightMap(indexPath);
  if (!weightMap.ok())
    return weightMap.status();
  auto error = [&](const std::string &problem) {
    return Status::error(indexPath + ": " + problem);
  };

  std::set<std::string> shardNames;
  for (const auto &[tensor, shard] : *weightMap)
    shardNames.insert(shard);
  for (const std::string &shard : shardNames) {
    std::string path = dir + "/" + shard;
    if (!fs::exists(path, ignored))
      return error("shard " + quote(shard) +
                   " named in the weight_map does not exist (" + path + ")");
    Result<SafetensorsFile> file = SafetensorsFile::open(path);
    if (!file.ok())
      return file.status();
    size_t index = checkpoint.shards_.size();
    for (const TensorInfo &info : file->tensors()) {
      auto [it, inserted] = checkpoint.shardOf_.emplace(info.name, index);
      if (!inserted)
        return error("tensor " + quote(info.name) + " is in both " +
                     checkpoint.shards_[it->second]->name() + " and " + path);
    }
    checkpoint.shards_.push_back(
        std::make_unique<SafetensorsFile>(file.take()));
  }

  for (const auto &[tensor, shard] : *weightMap) {
    auto it = checkpoint.shardOf_.find(tensor);
    if (it == checkpoint.shardOf_.end())
      return error("tensor " + quote(tensor) + " is listed in shard " +
                   quote(shard) + " but no shard holds it");
    const std::string &holder = checkpoint.shards_[it->second]->name();
    if (holder != dir + "/" + shard)
      return error("weight_map puts tensor " + quote(tensor) + " in " +
                   quote(shard) + " but it is in " + holder);
  }
  for (const auto &[tensor, shard] : checkpoint.shardOf_)
    if (!weightMap->count(tensor))
      return error(checkpoint.shards_[shard]->name() + " holds tensor " +
                   quote(tensor) + ", which the weight_map does not list");
  return checkpoint;
}

std::pair<const SafetensorsFile *, const TensorInfo *>
SafetensorsCheckpoint::find(std::string_view name) const {
  auto it = shardOf_.find(name);
  if (it == shardOf_.end())
    return {nullptr, nullptr};
  const SafetensorsFile *shard = shards_[it->second].get();
  return {shard, shard->find(name)};
}

std::vector<std::string> SafetensorsCheckpoint::tensorNames() const {
  std::vector<std::string> names;
  names.reserve(shardOf_.size());
  for (const auto &entry : shardOf_)
    names.push_back(entry.first);
  return names;
}

//===----------------------------------------------------------------------===//
// SafetensorsWriter
//===----------------------------------------------------------------------===//

Result<SafetensorsWriter>
SafetensorsWriter::fromFile(const SafetensorsFile &file) {
  SafetensorsWriter writer;
  for (const auto &[key, value] : file.metadata())
    QF_RETURN_IF_ERROR(writer.setMetadata(key, value));
  for (const TensorInfo &info : file.tensors()) {
    ByteSpan bytes = file.bytes(info);
    QF_RETURN_IF_ERROR(writer.addTensor(
        info.name, info.dtype, info.shape,
        std::vector<uint8_t>(bytes.data, bytes.data + bytes.size)));
  }
  return writer;
}

Status SafetensorsWriter::addTensor(std::string name, DType dtype,
                                    std::vector<int64_t> shape,
                                    std::vector<uint8_t> data) {
  auto error = [&](const std::string &problem) {
    return Status::error("tensor " + quote(name) + ": " + problem);
  };
  QF_RETURN_IF_ERROR(checkUtf8(name, "tensor name"));
  if (name == kMetadataKey)
    return error("the name is reserved for metadata");
  if (!parseSafetensorsDType(dtypeName(dtype)))
    return error(std::string("safetensors cannot store ") + dtypeName(dtype));
  for (const Tensor &tensor : tensors_)
    if (tensor.name == name)
      return error("added twice");
  Result<uint64_t> size = byteSize(dtype, shape);
  if (!size.ok())
    return error(size.message());
  if (data.size() != *size)
    return error(std::to_string(data.size()) + " bytes given but " +
                 dtypeName(dtype) + formatShape(shape) + " needs " +
                 std::to_string(*size));
  tensors_.push_back(
      {std::move(name), dtype, std::move(shape), std::move(data)});
  return Status();
}

Status SafetensorsWriter::setMetadata(std::string key, std::string value) {
  QF_RETURN_IF_ERROR(checkUtf8(key, "metadata key"));
  QF_RETURN_IF_ERROR(checkUtf8(value, "metadata value"));
  metadata_[std::move(key)] = std::move(value);
  return Status();
}

void SafetensorsWriter::writeTo(std::ostream &out) const {
  std::vector<const Tensor *> order;
  for (const Tensor &tensor : tensors_)
    order.push_back(&tensor);
  std::sort(order.begin(), order.end(), [](const Tensor *a, const Tensor *b) {
    uint32_t alignA = bytesPerBlock(a->dtype), alignB = bytesPerBlock(b->dtype);
    return alignA != alignB ? alignA > alignB : a->name < b->name;
  });

  json header = json::object();
  if (!metadata_.empty())
    header[kMetadataKey] = metadata_;
  uint64_t offset = 0;
  for (const Tensor *tensor : order) {
    header[tensor->name] = {
        {"dtype", dtypeName(tensor->dtype)},
        {"shape", tensor->shape},
        {"data_offsets", {offset, offset + tensor->data.size()}}};
    offset += tensor->data.size();
  }
  std::string text = header.dump();
  // Pad with spaces so that the data section starts 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');

  storeLE<uint64_t>(out, text.size());
  out.write(text.data(), std::streamsize(text.size()));
  for (const Tensor *tensor : order)
    out.write(reinterpret_cast<const char *>(tensor->data.data()),
              std::streamsize(tensor->data.size()));
}

std::vector<uint8_t> SafetensorsWriter::serialize() const {
  return serializeToMemory([&](std::ostream &out) { writeTo(out); });
}

Status SafetensorsWriter::write(const std::string &path) const {
  return serializeToFile(path, [&](std::ostream &out) { writeTo(out); });
}

} // namespace qf::io
