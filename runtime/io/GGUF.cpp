//===- GGUF.cpp - GGUF v3 files -------------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/GGUF.h"

#include "runtime/io/ByteOrder.h"
#include "runtime/io/Checks.h"
#include "runtime/io/FileOutput.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace qf::io {

namespace {

constexpr char kMagic[4] = {'G', 'G', 'U', 'F'};
constexpr const char *kAlignmentKey = "general.alignment";
/// Limits from the specification.
constexpr uint64_t kMaxKeyLength = 65535;
constexpr uint64_t kMaxTensorNameLength = 64;
constexpr uint32_t kMaxDims = 4;
/// Real files never nest arrays; the bound keeps the recursive reader's stack
/// small whatever the input.
constexpr int kMaxArrayDepth = 8;
/// Smallest encodings: a key-value pair (empty key, type, one byte) and a
/// tensor info (empty name, n_dims, one dim, type, offset).
constexpr uint64_t kMinPairSize = 8 + 4 + 1;
constexpr uint64_t kMinTensorInfoSize = 8 + 4 + 8 + 4 + 8;

constexpr const char *kTypeNames[] = {
    "UINT8", "INT8",   "UINT16", "INT16",  "UINT32", "INT32",  "FLOAT32",
    "BOOL",  "STRING", "ARRAY",  "UINT64", "INT64",  "FLOAT64"};
constexpr uint32_t kNumTypes = std::size(kTypeNames);

uint64_t alignUp(uint64_t offset, uint64_t alignment) {
  return (offset + alignment - 1) / alignment * alignment;
}

bool isPowerOfTwo(uint64_t value) {
  return value && (value & (value - 1)) == 0;
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

/// A cursor over the file image; every read checks the bytes that remain.
class Reader {
public:
  explicit Reader(ByteSpan image) : image_(image) {}

  uint64_t position() const { return position_; }
  uint64_t remaining() const { return image_.size - position_; }

  /// Consumes `size` bytes, or fails naming `what` when fewer remain.
  Result<const uint8_t *> take(uint64_t size, const std::string &what) {
    if (size > remaining())
      return Status::error("truncated: " + what + " at offset " +
                           std::to_string(position_) + " needs " +
                           std::to_string(size) + " bytes, " +
                           std::to_string(remaining()) + " remain");
    const uint8_t *bytes = image_.data + position_;
    position_ += size;
    return bytes;
  }

  template <typename T> Status read(T &value, const std::string &what) {
    Result<const uint8_t *> bytes = take(sizeof(T), what);
    if (!bytes.ok())
      return bytes.status();
    value = loadLE<T>(*bytes);
    return Status();
  }

  Status readString(std::string &value, const std::string &what) {
    uint64_t length;
    QF_RETURN_IF_ERROR(read(length, what + " length"));
    Result<const uint8_t *> bytes = take(length, what);
    if (!bytes.ok())
      return bytes.status();
    value.assign(reinterpret_cast<const char *>(*bytes), size_t(length));
    return Status();
  }

  /// Reads a count of items that take at least `minSize` bytes each,
  /// rejecting counts that cannot fit before anything is allocated for them.
  Status readCount(uint64_t &count, uint64_t minSize, const std::string &what) {
    QF_RETURN_IF_ERROR(read(count, what + " count"));
    if (count > remaining() / minSize)
      return Status::error(what + " count " + std::to_string(count) +
                           " cannot fit in the " + std::to_string(remaining()) +
                           " bytes that remain");
    return Status();
  }

private:
  ByteSpan image_;
  uint64_t position_ = 0;
};

Status readType(Reader &reader, GGUFType &type, const std::string &what) {
  uint32_t raw;
  QF_RETURN_IF_ERROR(reader.read(raw, what));
  if (raw >= kNumTypes)
    return Status::error("unknown value type " + std::to_string(raw));
  type = GGUFType(raw);
  return Status();
}

/// The fewest bytes that encode a T; arrays of arrays hold GGUFValues.
template <typename T> constexpr uint64_t minEncodedSize() {
  if constexpr (std::is_same_v<T, std::string>)
    return 8;
  else if constexpr (std::is_same_v<T, GGUFValue>) // an array
    return 4 + 8;
  else
    return sizeof(T);
}

Status readArray(Reader &reader, int depth, GGUFArray &array);

/// Reads one T as the file encodes it. Written once for every type, so that
/// the readers below, dispatched on the type's index, cover all of them.
template <typename T> Status readOne(Reader &reader, int depth, T &value) {
  if constexpr (std::is_same_v<T, bool>) {
    uint8_t raw;
    QF_RETURN_IF_ERROR(reader.read(raw, "BOOL"));
    if (raw > 1)
      return Status::error("BOOL value " + std::to_string(raw) +
                           " is neither 0 nor 1");
    value = raw;
    return Status();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return reader.readString(value, "STRING");
  } else if constexpr (std::is_same_v<T, GGUFArray>) {
    return readArray(reader, depth, value);
  } else {
    return reader.read(value, kTypeNames[size_t(GGUFValue::typeOf<T>())]);
  }
}

/// Reads the count and the elements of an array of GGUFType I.
template <size_t I>
Status readElements(Reader &reader, int depth, GGUFArray::Elements &elements) {
  using Vector = std::variant_alternative_t<I, GGUFArray::Elements>;
  using T = typename Vector::value_type;
  std::string what = std::string("ARRAY of ") + kTypeNames[I];
  uint64_t count;
  QF_RETURN_IF_ERROR(reader.readCount(count, minEncodedSize<T>(), what));
  Vector &values = elements.template emplace<I>();
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    // One copy for the large numeric arrays (token scores, types).
    Result<const uint8_t *> bytes = reader.take(count * sizeof(T), what);
    if (!bytes.ok())
      return bytes.status();
    values.resize(size_t(count));
    if (count) // data() of an empty vector may be null, invalid for memcpy
      std::memcpy(values.data(), *bytes, size_t(count) * sizeof(T));
  } else {
    values.reserve(size_t(count));
    for (uint64_t i = 0; i < count; ++i) {
      if constexpr (std::is_same_v<T, GGUFValue>) {
        // GGUFValue has no empty state; build each element whole.
        GGUFArray nested;
        QF_RETURN_IF_ERROR(readArray(reader, depth, nested));
        values.emplace_back(std::move(nested));
      } else {
        T value{};
        QF_RETURN_IF_ERROR(readOne(reader, depth, value));
        values.push_back(std::move(value));
      }
    }
  }
  return Status();
}

template <size_t... I>
Status readElementsOfType(Reader &reader, int depth, GGUFType type,
                          GGUFArray::Elements &elements,
                          std::index_sequence<I...>) {
  using Fn = Status (*)(Reader &, int, GGUFArray::Elements &);
  static constexpr Fn readers[] = {&readElements<I>...};
  return readers[size_t(type)](reader, depth, elements);
}

Status readArray(Reader &reader, int depth, GGUFArray &array) {
  if (depth >= kMaxArrayDepth)
    return Status::error("arrays nest deeper than " +
                         std::to_string(kMaxArrayDepth) + " levels");
  GGUFType type;
  QF_RETURN_IF_ERROR(readType(reader, type, "ARRAY element type"));
  constexpr size_t kAlternatives = std::variant_size_v<GGUFArray::Elements>;
  return readElementsOfType(reader, depth + 1, type, array.elements,
                            std::make_index_sequence<kAlternatives>());
}

template <size_t I> Result<GGUFValue> readScalarAlternative(Reader &reader) {
  using T = std::variant_alternative_t<I, GGUFValue::Storage>;
  T value{};
  QF_RETURN_IF_ERROR(readOne(reader, /*depth=*/0, value));
  return GGUFValue(std::move(value));
}

template <size_t... I>
Result<GGUFValue> readValueOfType(Reader &reader, GGUFType type,
                                  std::index_sequence<I...>) {
  using Fn = Result<GGUFValue> (*)(Reader &);
  static constexpr Fn readers[] = {&readScalarAlternative<I>...};
  return readers[size_t(type)](reader);
}

Result<GGUFValue> readValue(Reader &reader, GGUFType type) {
  constexpr size_t kAlternatives = std::variant_size_v<GGUFValue::Storage>;
  return readValueOfType(reader, type,
                         std::make_index_sequence<kAlternatives>());
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

void writeString(std::ostream &out, const std::string &text) {
  storeLE<uint64_t>(out, text.size());
  out.write(text.data(), std::streamsize(text.size()));
}

/// Padding; alignments go up to 2^31, so no buffer of that size.
void writeZeros(std::ostream &out, uint64_t count) {
  static constexpr char kZeros[64] = {};
  for (; count > 0; count -= std::min<uint64_t>(count, sizeof(kZeros)))
    out.write(kZeros,
              std::streamsize(std::min<uint64_t>(count, sizeof(kZeros))));
}

void writeOne(std::ostream &out, const GGUFArray &array);

template <typename T> void writeOne(std::ostream &out, const T &value) {
  if constexpr (std::is_same_v<T, std::string>)
    writeString(out, value);
  else if constexpr (std::is_same_v<T, bool>)
    storeLE<uint8_t>(out, value ? 1 : 0);
  else if constexpr (std::is_same_v<T, GGUFValue>)
    writeOne(out, *value.array()); // the writer admits only arrays here
  else
    storeLE<T>(out, value);
}

void writeOne(std::ostream &out, const GGUFArray &array) {
  storeLE<uint32_t>(out, uint32_t(array.elementType()));
  std::visit(
      [&](const auto &elements) {
        storeLE<uint64_t>(out, elements.size());
        // std::vector<bool> yields proxies; convert each to bool.
        for (const auto &element : elements)
          writeOne<typename std::decay_t<decltype(elements)>::value_type>(
              out, element);
      },
      array.elements);
}

void writeValue(std::ostream &out, const GGUFValue &value) {
  std::visit([&](const auto &stored) { writeOne(out, stored); },
             value.storage());
}

/// What the reader will demand of a value: arrays of arrays hold only arrays
/// (their elements carry no type tag) and nest at most kMaxArrayDepth deep.
Status checkArrays(const GGUFValue &value, int depth = 0) {
  const GGUFArray *array = value.array();
  if (!array)
    return Status();
  if (depth >= kMaxArrayDepth)
    return Status::error("arrays nest deeper than " +
                         std::to_string(kMaxArrayDepth) + " levels");
  if (const auto *nested =
          std::get_if<std::vector<GGUFValue>>(&array->elements))
    for (const GGUFValue &element : *nested) {
      if (!element.array())
        return Status::error("an ARRAY of ARRAY holds a " +
                             element.describeType());
      QF_RETURN_IF_ERROR(checkArrays(element, depth + 1));
    }
  return Status();
}

} // namespace

//===----------------------------------------------------------------------===//
// GGUFValue
//===----------------------------------------------------------------------===//

const char *ggufTypeName(GGUFType type) {
  return uint32_t(type) < kNumTypes ? kTypeNames[uint32_t(type)] : "unknown";
}

size_t GGUFArray::size() const {
  return std::visit([](const auto &values) { return values.size(); }, elements);
}

Result<uint64_t> GGUFValue::getUnsigned() const {
  return std::visit(
      [&](const auto &value) -> Result<uint64_t> {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          if constexpr (std::is_signed_v<T>)
            if (value < 0)
              return Status::error("expected a non-negative integer, got " +
                                   std::to_string(value));
          return uint64_t(value);
        } else {
          return mismatch("an unsigned integer");
        }
      },
      storage_);
}

std::string GGUFValue::describeType() const {
  if (const GGUFArray *values = array())
    return std::string("ARRAY of ") + ggufTypeName(values->elementType());
  return ggufTypeName(type());
}

Status GGUFValue::mismatch(const std::string &expected) const {
  return Status::error("expected " + expected + ", got " + describeType());
}

std::vector<int64_t> GGUFTensorInfo::shape() const {
  return std::vector<int64_t>(dims.rbegin(), dims.rend());
}

//===----------------------------------------------------------------------===//
// GGUFFile
//===----------------------------------------------------------------------===//

Result<GGUFFile> GGUFFile::open(const std::string &path) {
  Result<MappedFile> mapping = MappedFile::open(path);
  if (!mapping.ok())
    return mapping.status();
  GGUFFile file;
  file.image_ = mapping->bytes();
  file.mapping_ = mapping.take();
  file.name_ = path;
  if (Status status = file.parse(); !status.ok())
    return status.prepend(path);
  return file;
}

Result<GGUFFile> GGUFFile::openFromMemory(ByteSpan image, std::string name) {
  GGUFFile file;
  file.image_ = image;
  file.name_ = std::move(name);
  if (Status status = file.parse(); !status.ok())
    return status.prepend(file.name_);
  return file;
}

namespace {

/// Reads one tensor info (offset still relative to the data section).
Status readTensorInfo(Reader &reader, GGUFTensorInfo &info) {
  QF_RETURN_IF_ERROR(reader.readString(info.name, "tensor name"));
  if (info.name.size() > kMaxTensorNameLength)
    return Status::error("name is " + std::to_string(info.name.size()) +
                         " bytes long, over the limit of " +
                         std::to_string(kMaxTensorNameLength));
  uint32_t numDims;
  QF_RETURN_IF_ERROR(reader.read(numDims, "n_dims"));
  if (numDims == 0 || numDims > kMaxDims)
    return Status::error("n_dims is " + std::to_string(numDims) +
                         ", not in [1, " + std::to_string(kMaxDims) + "]");
  for (uint32_t i = 0; i < numDims; ++i) {
    uint64_t dim;
    QF_RETURN_IF_ERROR(reader.read(dim, "dimension"));
    if (dim == 0 || dim > uint64_t(INT64_MAX))
      return Status::error("dimension " + std::to_string(i) + " is " +
                           std::to_string(dim));
    info.dims.push_back(dim);
  }
  uint32_t type;
  QF_RETURN_IF_ERROR(reader.read(type, "tensor type"));
  std::optional<DType> dtype = dtypeFromGGMLType(type);
  if (!dtype)
    return Status::error("unsupported ggml type " + std::to_string(type));
  info.dtype = *dtype;
  QF_RETURN_IF_ERROR(reader.read(info.offset, "tensor offset"));
  Result<uint64_t> size = byteSize(info.dtype, info.shape());
  if (!size.ok())
    return size.status();
  info.byteSize = *size;
  return Status();
}

std::string halfOpenRange(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
}

} // namespace

Status GGUFFile::parse() {
  Reader reader(image_);
  Result<const uint8_t *> magic = reader.take(sizeof(kMagic), "magic");
  if (!magic.ok())
    return magic.status();
  if (!std::equal(kMagic, kMagic + sizeof(kMagic), *magic))
    return Status::error("not a GGUF file (bad magic)");
  QF_RETURN_IF_ERROR(reader.read(version_, "version"));
  // A big-endian file's version reads as (3 << 24) here.
  if ((version_ & 0xFFFF) == 0 && version_ != 0)
    return Status::error("big-endian GGUF files are not supported");
  if (version_ != 2 && version_ != 3)
    return Status::error("unsupported GGUF version " +
                         std::to_string(version_) + " (2 and 3 are)");

  uint64_t tensorCount, pairCount;
  QF_RETURN_IF_ERROR(reader.read(tensorCount, "tensor count"));
  QF_RETURN_IF_ERROR(reader.read(pairCount, "metadata count"));
  if (tensorCount > reader.remaining() / kMinTensorInfoSize)
    return Status::error("tensor count " + std::to_string(tensorCount) +
                         " cannot fit in the file");
  if (pairCount > reader.remaining() / kMinPairSize)
    return Status::error("metadata count " + std::to_string(pairCount) +
                         " cannot fit in the file");

  for (uint64_t i = 0; i < pairCount; ++i) {
    std::string key;
    QF_RETURN_IF_ERROR(
        reader.readString(key, "metadata key " + std::to_string(i)));
    if (key.size() > kMaxKeyLength)
      return Status::error("metadata key " + std::to_string(i) + " is " +
                           std::to_string(key.size()) +
                           " bytes long, over the limit of " +
                           std::to_string(kMaxKeyLength));
    if (metadataIndex_.count(key))
      return Status::error("metadata key " + quote(key) + " appears twice");
    auto error = [&](const Status &status) {
      return Status::error("metadata key " + quote(key) + ": " +
                           status.message());
    };
    GGUFType type;
    if (Status status = readType(reader, type, "value type"); !status.ok())
      return error(status);
    Result<GGUFValue> value = readValue(reader, type);
    if (!value.ok())
      return error(value.status());
    metadataIndex_.emplace(key, metadata_.size());
    metadata_.emplace_back(std::move(key), value.take());
  }

  if (const GGUFValue *alignment = findMetadata(kAlignmentKey)) {
    Result<uint32_t> value = alignment->getU32();
    if (!value.ok())
      return Status::error(std::string(kAlignmentKey) + ": " + value.message());
    if (!isPowerOfTwo(*value))
      return Status::error(std::string(kAlignmentKey) + " is " +
                           std::to_string(*value) + ", not a power of two");
    alignment_ = *value;
  }

  for (uint64_t i = 0; i < tensorCount; ++i) {
    GGUFTensorInfo info;
    if (Status status = readTensorInfo(reader, info); !status.ok())
      return Status::error("tensor info " + std::to_string(i) +
                           (info.name.empty() ? "" : " " + quote(info.name)) +
                           ": " + status.message());
    if (tensorIndex_.count(info.name))
      return Status::error("tensor " + quote(info.name) + " appears twice");
    tensorIndex_.emplace(info.name, tensors_.size());
    tensors_.push_back(std::move(info));
  }

  // position() <= size and alignment <= 2^31, so this cannot overflow.
  dataOffset_ = alignUp(reader.position(), alignment_);
  uint64_t dataSize = image_.size > dataOffset_ ? image_.size - dataOffset_ : 0;
  std::vector<Extent> extents;
  for (GGUFTensorInfo &info : tensors_) {
    auto error = [&](const std::string &problem) {
      return Status::error("tensor " + quote(info.name) + ": " + problem);
    };
    if (info.offset % alignment_ != 0)
      return error("offset " + std::to_string(info.offset) +
                   " is not a multiple of the alignment " +
                   std::to_string(alignment_));
    if (info.offset > dataSize || info.byteSize > dataSize - info.offset)
      return error("data at offset " + std::to_string(info.offset) + " of " +
                   std::to_string(info.byteSize) +
                   " bytes runs past the end of the data section (" +
                   std::to_string(dataSize) + " bytes)");
    extents.push_back({info.name, info.offset, info.byteSize});
    info.offset += dataOffset_;
  }
  return checkDisjoint(std::move(extents), "data", halfOpenRange);
}

const GGUFValue *GGUFFile::findMetadata(std::string_view key) const {
  auto it = metadataIndex_.find(key);
  return it == metadataIndex_.end() ? nullptr : &metadata_[it->second].second;
}

const GGUFTensorInfo *GGUFFile::find(std::string_view name) const {
  auto it = tensorIndex_.find(name);
  return it == tensorIndex_.end() ? nullptr : &tensors_[it->second];
}

//===----------------------------------------------------------------------===//
// GGUFWriter
//===----------------------------------------------------------------------===//

Result<GGUFWriter> GGUFWriter::fromFile(const GGUFFile &file) {
  GGUFWriter writer;
  for (const auto &[key, value] : file.metadata())
    QF_RETURN_IF_ERROR(writer.setMetadata(key, value));
  for (const GGUFTensorInfo &info : file.tensors()) {
    ByteSpan bytes = file.bytes(info);
    QF_RETURN_IF_ERROR(writer.addTensor(
        info.name, info.dtype, info.dims,
        std::vector<uint8_t>(bytes.data, bytes.data + bytes.size)));
  }
  return writer;
}

Status GGUFWriter::setMetadata(std::string key, GGUFValue value) {
  auto error = [&](const std::string &problem) {
    return Status::error("metadata key " + quote(key) + ": " + problem);
  };
  if (key.size() > kMaxKeyLength)
    return error("longer than " + std::to_string(kMaxKeyLength) + " bytes");
  if (Status status = checkArrays(value); !status.ok())
    return error(status.message());
  if (key == kAlignmentKey) {
    Result<uint32_t> alignment = value.getU32();
    if (!alignment.ok())
      return error(alignment.message());
    if (!isPowerOfTwo(*alignment))
      return error("alignment " + std::to_string(*alignment) +
                   " is not a power of two");
    alignment_ = *alignment;
  }
  for (auto &[existing, stored] : metadata_)
    if (existing == key) {
      stored = std::move(value);
      return Status();
    }
  metadata_.emplace_back(std::move(key), std::move(value));
  return Status();
}

Status GGUFWriter::addTensor(std::string name, DType dtype,
                             std::vector<uint64_t> dims,
                             std::vector<uint8_t> data) {
  auto error = [&](const std::string &problem) {
    return Status::error("tensor " + quote(name) + ": " + problem);
  };
  if (name.size() > kMaxTensorNameLength)
    return error("name longer than " + std::to_string(kMaxTensorNameLength) +
                 " bytes");
  if (!ggmlTypeOf(dtype))
    return error(std::string("GGUF cannot store ") + dtypeName(dtype));
  if (dims.empty() || dims.size() > kMaxDims)
    return error(std::to_string(dims.size()) + " dimensions, not 1 to " +
                 std::to_string(kMaxDims));
  for (uint64_t dim : dims)
    if (dim == 0 || dim > uint64_t(INT64_MAX))
      return error("a dimension of " + std::to_string(dim));
  for (const Tensor &tensor : tensors_)
    if (tensor.name == name)
      return error("added twice");
  Result<uint64_t> size =
      byteSize(dtype, std::vector<int64_t>(dims.rbegin(), dims.rend()));
  if (!size.ok())
    return error(size.message());
  if (data.size() != *size)
    return error(std::to_string(data.size()) + " bytes given but " +
                 std::to_string(*size) + " needed");
  tensors_.push_back(
      {std::move(name), dtype, std::move(dims), std::move(data)});
  return Status();
}

void GGUFWriter::writeTo(std::ostream &out) const {
  // Built apart to know where the data section starts.
  std::ostringstream head;
  head.write(kMagic, sizeof(kMagic));
  storeLE<uint32_t>(head, 3);
  storeLE<uint64_t>(head, tensors_.size());
  storeLE<uint64_t>(head, metadata_.size());
  for (const auto &[key, value] : metadata_) {
    writeString(head, key);
    storeLE<uint32_t>(head, uint32_t(value.type()));
    writeValue(head, value);
  }
  uint64_t offset = 0;
  for (const Tensor &tensor : tensors_) {
    writeString(head, tensor.name);
    storeLE<uint32_t>(head, uint32_t(tensor.dims.size()));
    for (uint64_t dim : tensor.dims)
      storeLE<uint64_t>(head, dim);
    storeLE<uint32_t>(head, *ggmlTypeOf(tensor.dtype));
    storeLE<uint64_t>(head, offset);
    offset = alignUp(offset + tensor.data.size(), alignment_);
  }
  std::string headBytes = head.str();
  out.write(headBytes.data(), std::streamsize(headBytes.size()));

  // Padding goes between sections and tensors, not after the last tensor:
  // then any truncation of the file cuts into data a reader needs.
  uint64_t position = headBytes.size();
  for (const Tensor &tensor : tensors_) {
    uint64_t aligned = alignUp(position, alignment_);
    writeZeros(out, aligned - position);
    out.write(reinterpret_cast<const char *>(tensor.data.data()),
              std::streamsize(tensor.data.size()));
    position = aligned + tensor.data.size();
  }
}

std::vector<uint8_t> GGUFWriter::serialize() const {
  return serializeToMemory([&](std::ostream &out) { writeTo(out); });
}

Status GGUFWriter::write(const std::string &path) const {
  return serializeToFile(path, [&](std::ostream &out) { writeTo(out); });
}

} // namespace qf::io
