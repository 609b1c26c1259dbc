//===- GGUF.h - GGUF v3 files -----------------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Reads and writes GGUF files as ggml's docs/gguf.md specifies them: a header,
// typed metadata key-value pairs, tensor infos, then tensor data aligned to
// `general.alignment` (default 32). The reader treats the file as hostile:
// every read is bounded, no count is trusted before it is checked against the
// bytes that remain, and every error names the file, the key or tensor, and
// the problem. Version 2 files (same layout) are accepted; v3 is written.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_IO_GGUF_H
#define QUANTFORGE_RUNTIME_IO_GGUF_H

#include "runtime/io/DType.h"
#include "runtime/io/MappedFile.h"
#include "runtime/support/Status.h"

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace qf::io {

/// gguf_metadata_value_type; the numbering is the file's.
enum class GGUFType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

/// "UINT8", ..., "FLOAT64", as the specification spells them.
const char *ggufTypeName(GGUFType type);

class GGUFValue;

/// The elements of an array value, all of one type. Alternative i holds
/// elements of GGUFType i; arrays of arrays hold GGUFValues that are arrays.
struct GGUFArray {
  using Elements = std::variant<
      std::vector<uint8_t>, std::vector<int8_t>, std::vector<uint16_t>,
      std::vector<int16_t>, std::vector<uint32_t>, std::vector<int32_t>,
      std::vector<float>, std::vector<bool>, std::vector<std::string>,
      std::vector<GGUFValue>, std::vector<uint64_t>, std::vector<int64_t>,
      std::vector<double>>;
  Elements elements;

  GGUFType elementType() const { return GGUFType(elements.index()); }
  size_t size() const;
};

namespace detail {
template <typename T, typename Variant> struct IndexIn;
template <typename T, typename... Ts> struct IndexIn<T, std::variant<Ts...>> {
  static constexpr size_t value() {
    constexpr bool matches[] = {std::is_same_v<T, Ts>...};
    for (size_t i = 0; i < sizeof...(Ts); ++i)
      if (matches[i])
        return i;
    return sizeof...(Ts);
  }
};
} // namespace detail

/// One metadata value.
class GGUFValue {
public:
  /// Alternative i holds values of GGUFType i.
  using Storage =
      std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float,
                   bool, std::string, GGUFArray, uint64_t, int64_t, double>;

  /// The GGUF type of C++ scalar type T (uint8_t ... double, bool,
  /// std::string).
  template <typename T> static constexpr GGUFType typeOf() {
    constexpr size_t index = detail::IndexIn<T, Storage>::value();
    static_assert(index < std::variant_size_v<Storage>, "not a GGUF type");
    return GGUFType(index);
  }

  /// A scalar or string value; T must be one of the Storage types exactly
  /// (write uint32_t(7), not 7).
  template <typename T,
            typename = std::enable_if_t<detail::IndexIn<T, Storage>::value() <
                                        std::variant_size_v<Storage>>>
  explicit GGUFValue(T value)
      : storage_(std::in_place_type<T>, std::move(value)) {}
  explicit GGUFValue(const char *text)
      : storage_(std::in_place_type<std::string>, text) {}
  /// An array of T; std::vector<GGUFValue> is an array of arrays.
  template <typename T>
  explicit GGUFValue(std::vector<T> elements)
      : storage_(
            std::in_place_type<GGUFArray>,
            GGUFArray{GGUFArray::Elements(std::in_place_type<std::vector<T>>,
                                          std::move(elements))}) {}

  GGUFType type() const { return GGUFType(storage_.index()); }
  const Storage &storage() const { return storage_; }
  /// The array, or null for other values.
  const GGUFArray *array() const { return std::get_if<GGUFArray>(&storage_); }

  /// The value as T; an error naming both types when it has another type.
  template <typename T> Result<T> get() const {
    if (const T *value = std::get_if<T>(&storage_))
      return *value;
    return mismatch(ggufTypeName(typeOf<T>()));
  }
  /// The elements of an array of T.
  template <typename T> Result<std::vector<T>> getArray() const {
    using Elements = std::vector<T>;
    if (const GGUFArray *values = array())
      if (const Elements *elements = std::get_if<Elements>(&values->elements))
        return *elements;
    constexpr size_t index =
        detail::IndexIn<Elements, GGUFArray::Elements>::value();
    return mismatch(std::string("ARRAY of ") + ggufTypeName(GGUFType(index)));
  }
  /// Any integer type holding a non-negative value, widened: the spec asks
  /// readers to accept both uint32 and uint64 for counts.
  Result<uint64_t> getUnsigned() const;

  Result<std::string> getString() const { return get<std::string>(); }
  Result<uint32_t> getU32() const { return get<uint32_t>(); }
  Result<uint64_t> getU64() const { return get<uint64_t>(); }
  Result<int32_t> getI32() const { return get<int32_t>(); }
  Result<float> getF32() const { return get<float>(); }
  Result<bool> getBool() const { return get<bool>(); }
  Result<std::vector<std::string>> getStringArray() const {
    return getArray<std::string>();
  }
  Result<std::vector<float>> getF32Array() const { return getArray<float>(); }
  Result<std::vector<int32_t>> getI32Array() const {
    return getArray<int32_t>();
  }

  /// "UINT32", "ARRAY of STRING", ...
  std::string describeType() const;

private:
  Status mismatch(const std::string &expected) const;

  Storage storage_;
};

/// One tensor of a GGUF file.
struct GGUFTensorInfo {
  std::string name;
  DType dtype = DType::F32;
  /// ggml order: dims[0] varies fastest (the columns of a matrix).
  std::vector<uint64_t> dims;
  /// Absolute position of the first byte in the file.
  uint64_t offset = 0;
  uint64_t byteSize = 0;

  /// The row-major shape: dims reversed.
  std::vector<int64_t> shape() const;
};

/// A validated GGUF file.
class GGUFFile {
public:
  /// Maps and validates the file at `path`.
  static Result<GGUFFile> open(const std::string &path);
  /// Validates a file image the caller keeps alive as long as the result;
  /// `name` stands for the file in error messages.
  static Result<GGUFFile> openFromMemory(ByteSpan image, std::string name);

  const std::string &name() const { return name_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  /// Absolute offset of the data section.
  uint64_t dataOffset() const { return dataOffset_; }

  /// All key-value pairs in file order.
  const std::vector<std::pair<std::string, GGUFValue>> &metadata() const {
    return metadata_;
  }
  /// The value of `key`, or null.
  const GGUFValue *findMetadata(std::string_view key) const;

  /// All tensors in file order.
  const std::vector<GGUFTensorInfo> &tensors() const { return tensors_; }
  /// The tensor called `name`, or null.
  const GGUFTensorInfo *find(std::string_view name) const;
  /// The data of `info`, which must come from this file's tensors().
  ByteSpan bytes(const GGUFTensorInfo &info) const {
    return {image_.data + info.offset, size_t(info.byteSize)};
  }

private:
  GGUFFile() = default;
  Status parse();

  std::optional<MappedFile> mapping_;
  ByteSpan image_;
  std::string name_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t dataOffset_ = 0;
  std::vector<std::pair<std::string, GGUFValue>> metadata_;
  std::map<std::string, size_t, std::less<>> metadataIndex_;
  std::vector<GGUFTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensorIndex_;
};

/// Builds GGUF v3 files. Tensors are laid out in the order added, each at the
/// next multiple of the alignment (`general.alignment` when set, else 32).
class GGUFWriter {
public:
  /// A writer holding a copy of the metadata and tensors of `file`.
  static Result<GGUFWriter> fromFile(const GGUFFile &file);

  /// Sets `key`; a second call replaces the value in place. Checks what the
  /// reader checks: key length, array nesting, and general.alignment being a
  /// UINT32 power of two.
  Status setMetadata(std::string key, GGUFValue value);
  /// Adds a tensor; `dims` are in ggml order and `data` must hold exactly its
  /// bytes.
  Status addTensor(std::string name, DType dtype, std::vector<uint64_t> dims,
                   std::vector<uint8_t> data);

  /// The whole file.
  std::vector<uint8_t> serialize() const;
  Status write(const std::string &path) const;

private:
  struct Tensor {
    std::string name;
    DType dtype;
    std::vector<uint64_t> dims;
    std::vector<uint8_t> data;
  };
  void writeTo(std::ostream &out) const;

  std::vector<std::pair<std::string, GGUFValue>> metadata_;
  std::vector<Tensor> tensors_;
  uint64_t alignment_ = 32;
};

} // namespace qf::io

#endif // QUANTFORGE_RUNTIME_IO_GGUF_H
