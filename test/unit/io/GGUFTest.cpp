//===- GGUFTest.cpp - GGUF reading and writing ----------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/GGUF.h"

#include "IOTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

using namespace qf;
using namespace qf::io;
using qf::io::test::Bytes;
using qf::io::test::bytesOf;
using qf::io::test::failsWith;
using qf::io::test::TempDir;

namespace {

/// gguf_metadata_value_type numbers, spelled out for hand-made files.
enum : uint32_t {
  kU8 = 0,
  kI8,
  kU16,
  kI16,
  kU32,
  kI32,
  kF32,
  kBool,
  kString,
  kArray,
  kU64,
  kI64,
  kF64
};

/// The header of a v3 file.
Bytes header(uint64_t tensors, uint64_t pairs, uint32_t version = 3) {
  Bytes bytes;
  bytes.raw("GGUF").le<uint32_t>(version).le<uint64_t>(tensors).le<uint64_t>(
      pairs);
  return bytes;
}

/// Appends a tensor info.
void tensorInfo(Bytes &bytes, std::string_view name, std::vector<uint64_t> dims,
                uint32_t type, uint64_t offset) {
  bytes.str(name).le<uint32_t>(uint32_t(dims.size()));
  for (uint64_t dim : dims)
    bytes.le<uint64_t>(dim);
  bytes.le<uint32_t>(type).le<uint64_t>(offset);
}

Result<GGUFFile> parse(const Bytes &bytes) {
  return GGUFFile::openFromMemory({bytes.data(), bytes.size()}, "t.gguf");
}
Result<GGUFFile> parse(const std::vector<uint8_t> &bytes) {
  return GGUFFile::openFromMemory({bytes.data(), bytes.size()}, "t.gguf");
}

std::vector<uint8_t> ramp(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = uint8_t(i * 7 + 1);
  return bytes;
}

/// A writer exercising every value type and several tensor types.
GGUFWriter everythingWriter(uint32_t alignment) {
  GGUFWriter writer;
  auto set = [&](const char *key, GGUFValue value) {
    Status status = writer.setMetadata(key, std::move(value));
    EXPECT_TRUE(status.ok()) << status.message();
  };
  set("general.architecture", GGUFValue("llama"));
  set("general.alignment", GGUFValue(alignment));
  set("t.u8", GGUFValue(uint8_t(200)));
  set("t.i8", GGUFValue(int8_t(-100)));
  set("t.u16", GGUFValue(uint16_t(60000)));
  set("t.i16", GGUFValue(int16_t(-30000)));
  set("t.u32", GGUFValue(uint32_t(4000000000u)));
  set("t.i32", GGUFValue(int32_t(-2000000000)));
  set("t.f32", GGUFValue(1e-5f));
  set("t.bool", GGUFValue(true));
  set("t.string", GGUFValue(std::string("h\0llo", 5)));
  set("t.u64", GGUFValue(uint64_t(1) << 63));
  set("t.i64", GGUFValue(-(int64_t(1) << 62)));
  set("t.f64", GGUFValue(-std::numeric_limits<double>::denorm_min()));
  set("t.nan", GGUFValue(std::numeric_limits<float>::quiet_NaN()));
  set("tokenizer.ggml.tokens",
      GGUFValue(std::vector<std::string>{"<s>", "", "\xe2\x96\x81the"}));
  set("tokenizer.ggml.scores",
      GGUFValue(std::vector<float>{0.0f, -1.5f, 2.25f}));
  set("tokenizer.ggml.token_type", GGUFValue(std::vector<int32_t>{1, 3, -1}));
  set("t.bools", GGUFValue(std::vector<bool>{true, false, true}));
  set("t.u64s", GGUFValue(std::vector<uint64_t>{}));
  set("t.f64s", GGUFValue(std::vector<double>{0.5, -0.25}));
  set("t.nested", GGUFValue(std::vector<GGUFValue>{
                      GGUFValue(std::vector<uint8_t>{1, 2}),
                      GGUFValue(std::vector<std::string>{"x"}),
                      GGUFValue(std::vector<GGUFValue>{
                          GGUFValue(std::vector<int16_t>{-7})})}));

  auto add = [&](const char *name, DType dtype, std::vector<uint64_t> dims,
                 size_t bytes) {
    Status status = writer.addTensor(name, dtype, std::move(dims), ramp(bytes));
    EXPECT_TRUE(status.ok()) << status.message();
  };
  add("token_embd.weight", DType::F32, {4, 3}, 48);
  add("blk.0.attn_norm.weight", DType::F16, {5}, 10);
  add("blk.0.attn_q.weight", DType::Q8_0, {64, 2}, 4 * 34);
  add("blk.0.ffn_down.weight", DType::Q4_K, {256, 1, 1, 2}, 2 * 144);
  add("blk.0.ffn_up.weight", DType::Q6_K, {256}, 210);
  add("output_norm.weight", DType::BF16, {3}, 6);
  add("rope_freqs.weight", DType::I8, {7}, 7);
  return writer;
}

template <typename T>
void expectValue(const GGUFFile &file, const char *key, T expected) {
  const GGUFValue *value = file.findMetadata(key);
  ASSERT_NE(value, nullptr) << key;
  EXPECT_EQ(value->type(), GGUFValue::typeOf<T>()) << key;
  Result<T> actual = value->get<T>();
  ASSERT_TRUE(actual.ok()) << key << ": " << actual.message();
  EXPECT_EQ(*actual, expected) << key;
}

TEST(GGUF, RoundTripsEveryValueTypeAndTensor) {
  for (uint32_t alignment : {32u, 64u, 1u}) {
    SCOPED_TRACE(alignment);
    GGUFWriter writer = everythingWriter(alignment);
    TempDir dir;
    std::string path = dir.path("model.gguf");
    ASSERT_TRUE(writer.write(path).ok());
    Result<GGUFFile> file = GGUFFile::open(path);
    ASSERT_TRUE(file.ok()) << file.message();
    EXPECT_EQ(file->version(), 3u);
    EXPECT_EQ(file->alignment(), alignment);
    EXPECT_EQ(file->metadata().size(), 22u);
    EXPECT_EQ(file->metadata()[0].first, "general.architecture");

    expectValue(*file, "general.architecture", std::string("llama"));
    expectValue(*file, "t.u8", uint8_t(200));
    expectValue(*file, "t.i8", int8_t(-100));
    expectValue(*file, "t.u16", uint16_t(60000));
    expectValue(*file, "t.i16", int16_t(-30000));
    expectValue(*file, "t.u32", uint32_t(4000000000u));
    expectValue(*file, "t.i32", int32_t(-2000000000));
    expectValue(*file, "t.f32", 1e-5f);
    expectValue(*file, "t.bool", true);
    expectValue(*file, "t.string", std::string("h\0llo", 5));
    expectValue(*file, "t.u64", uint64_t(1) << 63);
    expectValue(*file, "t.i64", -(int64_t(1) << 62));
    expectValue(*file, "t.f64", -std::numeric_limits<double>::denorm_min());
    EXPECT_TRUE(std::isnan(*file->findMetadata("t.nan")->getF32()));
    EXPECT_EQ(*file->findMetadata("tokenizer.ggml.tokens")->getStringArray(),
              (std::vector<std::string>{"<s>", "", "\xe2\x96\x81the"}));
    EXPECT_EQ(*file->findMetadata("tokenizer.ggml.scores")->getF32Array(),
              (std::vector<float>{0.0f, -1.5f, 2.25f}));
    EXPECT_EQ(*file->findMetadata("tokenizer.ggml.token_type")->getI32Array(),
              (std::vector<int32_t>{1, 3, -1}));
    EXPECT_EQ(*file->findMetadata("t.bools")->getArray<bool>(),
              (std::vector<bool>{true, false, true}));
    EXPECT_TRUE(file->findMetadata("t.u64s")->getArray<uint64_t>()->empty());
    EXPECT_EQ(*file->findMetadata("t.f64s")->getArray<double>(),
              (std::vector<double>{0.5, -0.25}));

    Result<std::vector<GGUFValue>> nested =
        file->findMetadata("t.nested")->getArray<GGUFValue>();
    ASSERT_TRUE(nested.ok()) << nested.message();
    ASSERT_EQ(nested->size(), 3u);
    EXPECT_EQ(*(*nested)[0].getArray<uint8_t>(), (std::vector<uint8_t>{1, 2}));
    EXPECT_EQ(*(*nested)[1].getStringArray(), std::vector<std::string>{"x"});
    Result<std::vector<GGUFValue>> inner = (*nested)[2].getArray<GGUFValue>();
    ASSERT_TRUE(inner.ok());
    EXPECT_EQ(*(*inner)[0].getArray<int16_t>(), std::vector<int16_t>{-7});

    struct Expected {
      const char *name;
      DType dtype;
      std::vector<uint64_t> dims;
      size_t bytes;
    };
    std::vector<Expected> expected = {
        {"token_embd.weight", DType::F32, {4, 3}, 48},
        {"blk.0.attn_norm.weight", DType::F16, {5}, 10},
        {"blk.0.attn_q.weight", DType::Q8_0, {64, 2}, 136},
        {"blk.0.ffn_down.weight", DType::Q4_K, {256, 1, 1, 2}, 288},
        {"blk.0.ffn_up.weight", DType::Q6_K, {256}, 210},
        {"output_norm.weight", DType::BF16, {3}, 6},
        {"rope_freqs.weight", DType::I8, {7}, 7}};
    ASSERT_EQ(file->tensors().size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      const GGUFTensorInfo &info = file->tensors()[i];
      EXPECT_EQ(info.name, expected[i].name);
      EXPECT_EQ(file->find(info.name), &info);
      EXPECT_EQ(info.dtype, expected[i].dtype) << info.name;
      EXPECT_EQ(info.dims, expected[i].dims) << info.name;
      EXPECT_EQ(info.byteSize, expected[i].bytes) << info.name;
      EXPECT_EQ(info.offset % alignment, 0u) << info.name;
      ByteSpan bytes = file->bytes(info);
      EXPECT_EQ(std::vector<uint8_t>(bytes.data, bytes.data + bytes.size),
                ramp(expected[i].bytes))
          << info.name;
    }
    EXPECT_EQ(file->find("blk.0.ffn_down.weight")->shape(),
              (std::vector<int64_t>{2, 1, 1, 256}));

    // Copying the file through a writer reproduces it bit for bit.
    Result<GGUFWriter> copy = GGUFWriter::fromFile(*file);
    ASSERT_TRUE(copy.ok()) << copy.message();
    std::vector<uint8_t> original = writer.serialize();
    EXPECT_EQ(copy->serialize(), original);
    EXPECT_EQ(std::filesystem::file_size(path), original.size());
  }
}

TEST(GGUF, WriterLayoutFollowsTheSpecification) {
  GGUFWriter writer;
  ASSERT_TRUE(writer.setMetadata("a", GGUFValue(uint32_t(7))).ok());
  std::vector<float> data = {1.0f, 2.0f};
  ASSERT_TRUE(writer.addTensor("t", DType::F32, {2}, bytesOf(data)).ok());
  // Written out by hand from docs/gguf.md: header, one pair, one tensor
  // info (74 bytes so far), padding to 96, then the data.
  Bytes expected = header(1, 1);
  expected.str("a").le<uint32_t>(kU32).le<uint32_t>(7);
  tensorInfo(expected, "t", {2}, /*F32=*/0, 0);
  ASSERT_EQ(expected.size(), 74u);
  expected.padTo(32).raw(bytesOf(data));
  EXPECT_EQ(writer.serialize(), expected.bytes());

  Result<GGUFFile> file = parse(expected);
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(file->dataOffset(), 96u);
  EXPECT_EQ(file->tensors()[0].offset, 96u);
}

TEST(GGUF, AcceptsVersion2AndEmptyFiles) {
  Bytes v2 = header(0, 1, 2);
  v2.str("general.name").le<uint32_t>(kString).str("x");
  Result<GGUFFile> file = parse(v2);
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(file->version(), 2u);
  EXPECT_EQ(*file->findMetadata("general.name")->getString(), "x");
  EXPECT_EQ(file->findMetadata("general.other"), nullptr);

  file = parse(header(0, 0));
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_TRUE(file->tensors().empty());
  EXPECT_EQ(file->alignment(), 32u);
}

TEST(GGUF, EveryTruncationIsAnError) {
  std::vector<uint8_t> image = everythingWriter(32).serialize();
  ASSERT_TRUE(parse(image).ok());
  for (size_t size = 0; size < image.size(); ++size) {
    Result<GGUFFile> file =
        GGUFFile::openFromMemory({image.data(), size}, "t.gguf");
    ASSERT_TRUE(failsWith(file, "t.gguf: ", {})) << "size " << size;
  }
}

TEST(GGUF, CorruptedBytesNeverCrash) {
  std::vector<uint8_t> image = everythingWriter(32).serialize();
  size_t accepted = 0;
  for (size_t i = 0; i < image.size(); ++i)
    for (uint8_t flip : {0x01, 0x80, 0xFF}) {
      std::vector<uint8_t> corrupted = image;
      corrupted[i] ^= flip;
      Result<GGUFFile> file = parse(corrupted);
      if (file.ok())
        ++accepted; // tensor data and most value bytes are free-form
      else
        ASSERT_TRUE(failsWith(file, "t.gguf: ", {})) << i;
    }
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, image.size() * 3);
}

/// Each case: a file built by hand and the message after "t.gguf: ".
struct MalformedCase {
  const char *what;
  Bytes bytes;
  std::string expected;
};

std::vector<MalformedCase> malformedCases() {
  std::vector<MalformedCase> cases;
  auto add = [&](const char *what, Bytes bytes, std::string expected) {
    cases.push_back({what, std::move(bytes), std::move(expected)});
  };
  /// A file with one tensor info and enough data after it.
  auto oneTensor = [](std::vector<uint64_t> dims, uint32_t type,
                      uint64_t offset = 0) {
    Bytes bytes = header(1, 0);
    tensorInfo(bytes, "w", std::move(dims), type, offset);
    return bytes.padTo(32).zeros(64);
  };
  auto onePair = [](uint32_t type, Bytes value) {
    return header(0, 1).str("k").le<uint32_t>(type).raw(value.bytes());
  };

  add("empty", Bytes(), "truncated: magic at offset 0 needs 4 bytes, 0 remain");
  add("magic", Bytes().raw("GGML").le<uint32_t>(3).zeros(16),
      "not a GGUF file (bad magic)");
  add("version 1", header(0, 0, 1), "unsupported GGUF version 1");
  add("big-endian", header(0, 0, 0x03000000), "big-endian GGUF files");
  add("tensor count", header(1ull << 60, 0),
      "tensor count 1152921504606846976");
  add("pair count", header(0, 1ull << 40), "metadata count 1099511627776");
  add("key length", header(0, 1).le<uint64_t>(1000).raw("k").zeros(20),
      "truncated: metadata key 0 at offset 32 needs 1000 bytes, 21 remain");
  add("long key",
      header(0, 1)
          .str(std::string(65536, 'k'))
          .le<uint32_t>(kU8)
          .le<uint8_t>(0),
      "metadata key 0 is 65536 bytes long, over the limit of 65535");
  add("value type", onePair(13, Bytes().zeros(8)),
      "metadata key 'k': unknown value type 13");
  add("truncated value", onePair(kU64, Bytes().zeros(3)),
      "metadata key 'k': truncated: UINT64 at offset 37 needs 8 bytes");
  add("string length", onePair(kString, Bytes().le<uint64_t>(~0ull)),
      "metadata key 'k': truncated: STRING at offset 45 needs "
      "18446744073709551615 bytes, 0 remain");
  add("bool", onePair(kBool, Bytes().le<uint8_t>(2)),
      "metadata key 'k': BOOL value 2 is neither 0 nor 1");
  add("array count",
      onePair(kArray, Bytes().le<uint32_t>(kU32).le<uint64_t>(1ull << 40)),
      "metadata key 'k': ARRAY of UINT32 count 1099511627776 cannot fit");
  add("string array count",
      onePair(kArray, Bytes().le<uint32_t>(kString).le<uint64_t>(3).zeros(16)),
      "metadata key 'k': ARRAY of STRING count 3 cannot fit in the 16 bytes");
  add("array element type",
      onePair(kArray, Bytes().le<uint32_t>(99).le<uint64_t>(0)),
      "metadata key 'k': unknown value type 99");
  Bytes deep;
  for (int i = 0; i < 9; ++i)
    deep.le<uint32_t>(kArray).le<uint64_t>(1);
  add("nesting", onePair(kArray, deep.le<uint32_t>(kU8).le<uint64_t>(0)),
      "metadata key 'k': arrays nest deeper than 8 levels");
  add("duplicate key",
      header(0, 2)
          .str("k")
          .le<uint32_t>(kU8)
          .le<uint8_t>(1)
          .str("k")
          .le<uint32_t>(kU8)
          .le<uint8_t>(2),
      "metadata key 'k' appears twice");
  add("alignment type",
      header(0, 1).str("general.alignment").le<uint32_t>(kU64).le<uint64_t>(32),
      "general.alignment: expected UINT32, got UINT64");
  add("alignment value",
      header(0, 1).str("general.alignment").le<uint32_t>(kU32).le<uint32_t>(48),
      "general.alignment is 48, not a power of two");
  add("n_dims 5", oneTensor({32, 1, 1, 1, 1}, 0),
      "tensor info 0 'w': n_dims is 5, not in [1, 4]");
  add("n_dims 0", oneTensor({}, 0), "tensor info 0 'w': n_dims is 0");
  add("zero dim", oneTensor({4, 0}, 0), "tensor info 0 'w': dimension 1 is 0");
  add("huge dim", oneTensor({~0ull}, 0),
      "tensor info 0 'w': dimension 0 is 18446744073709551615");
  add("dims overflow", oneTensor({1ull << 32, 1ull << 32, 2}, 0),
      "tensor info 0 'w': F32[2, 4294967296, 4294967296] has more than 2^64 "
      "elements");
  add("unknown type", oneTensor({32}, 99),
      "tensor info 0 'w': unsupported ggml type 99");
  add("IQ type", oneTensor({256}, 16),
      "tensor info 0 'w': unsupported ggml type 16");
  add("partial block", oneTensor({16, 2}, 2),
      "tensor info 0 'w': Q4_0[2, 16]: the last dimension must be a multiple "
      "of the block size 32");
  add(
      "long name",
      [] {
        Bytes bytes = header(1, 0);
        tensorInfo(bytes, std::string(65, 'n'), {1}, 0, 0);
        return bytes;
      }(),
      "tensor info 0 'nnnn");
  // The string value keeps the tensor count plausible.
  add("truncated info",
      header(1, 1)
          .str("k")
          .le<uint32_t>(kString)
          .str(std::string(40, 'x'))
          .str("w")
          .le<uint32_t>(2)
          .le<uint64_t>(4),
      "tensor info 0 'w': truncated: dimension at offset 106 needs 8 bytes, "
      "0 remain");
  add("unaligned offset", oneTensor({4}, 0, 4),
      "tensor 'w': offset 4 is not a multiple of the alignment 32");
  add("out of range", oneTensor({32}, 0),
      "tensor 'w': data at offset 0 of 128 bytes runs past the end of the "
      "data section (64 bytes)");
  add("offset past the end", oneTensor({1}, 0, 1ull << 63),
      "tensor 'w': data at offset 9223372036854775808 of 4 bytes runs past");
  add(
      "overlap",
      [] {
        Bytes bytes = header(2, 0);
        tensorInfo(bytes, "a", {16}, 0, 0);
        tensorInfo(bytes, "b", {4}, 0, 32);
        return bytes.padTo(32).zeros(64);
      }(),
      "tensors 'a' and 'b' overlap: data [0, 64) and [32, 48)");
  add(
      "duplicate tensor",
      [] {
        Bytes bytes = header(2, 0);
        tensorInfo(bytes, "a", {4}, 0, 0);
        tensorInfo(bytes, "a", {4}, 0, 32);
        return bytes.padTo(32).zeros(64);
      }(),
      "tensor 'a' appears twice");
  return cases;
}

TEST(GGUF, RejectsMalformedFiles) {
  for (const MalformedCase &c : malformedCases())
    EXPECT_TRUE(failsWith(parse(c.bytes), "t.gguf: " + c.expected, {}))
        << c.what;
}

TEST(GGUF, OpenNamesThePath) {
  TempDir dir;
  std::string path = dir.write("bad.gguf", header(0, 0, 7));
  EXPECT_TRUE(failsWith(GGUFFile::open(path), path + ": ",
                        {"unsupported GGUF version 7"}));
  std::string missing = dir.path("missing.gguf");
  EXPECT_TRUE(failsWith(GGUFFile::open(missing), missing + ": ",
                        {"No such file or directory"}));
}

TEST(GGUFValue, TypedGettersReportMismatches) {
  GGUFValue count(uint32_t(12));
  EXPECT_EQ(*count.getU32(), 12u);
  EXPECT_EQ(*count.getUnsigned(), 12u);
  EXPECT_TRUE(failsWith(count.getString(), "expected STRING, got UINT32", {}));
  EXPECT_TRUE(failsWith(count.getU64(), "expected UINT64, got UINT32", {}));
  EXPECT_TRUE(failsWith(count.getStringArray(),
                        "expected ARRAY of STRING, got UINT32", {}));
  EXPECT_EQ(*GGUFValue(uint8_t(3)).getUnsigned(), 3u);
  EXPECT_TRUE(failsWith(GGUFValue(int32_t(-1)).getUnsigned(),
                        "expected a non-negative integer, got -1", {}));
  EXPECT_TRUE(failsWith(GGUFValue(1.0f).getUnsigned(),
                        "expected an unsigned integer, got FLOAT32", {}));

  GGUFValue scores(std::vector<float>{1.0f});
  EXPECT_EQ(scores.type(), GGUFType::Array);
  EXPECT_EQ(scores.array()->elementType(), GGUFType::Float32);
  EXPECT_EQ(scores.array()->size(), 1u);
  EXPECT_TRUE(failsWith(scores.getI32Array(),
                        "expected ARRAY of INT32, got ARRAY of FLOAT32", {}));
  EXPECT_TRUE(failsWith(scores.getF32(),
                        "expected FLOAT32, got ARRAY of "
                        "FLOAT32",
                        {}));
  EXPECT_STREQ(ggufTypeName(GGUFType::Float64), "FLOAT64");
}

TEST(GGUFWriter, RejectsWhatTheReaderWould) {
  GGUFWriter writer;
  EXPECT_TRUE(failsWith(
      writer.setMetadata("general.alignment", GGUFValue(std::string("32"))),
      "metadata key 'general.alignment': ", {"expected UINT32, got STRING"}));
  EXPECT_TRUE(failsWith(
      writer.setMetadata("general.alignment", GGUFValue(uint32_t(24))),
      "metadata key 'general.alignment': ", {"24 is not a power of two"}));
  EXPECT_TRUE(failsWith(
      writer.setMetadata(
          "k", GGUFValue(std::vector<GGUFValue>{GGUFValue(uint8_t(1))})),
      "metadata key 'k': ", {"an ARRAY of ARRAY holds a UINT8"}));
  GGUFValue deep(std::vector<uint8_t>{});
  for (int i = 0; i < 8; ++i)
    deep = GGUFValue(std::vector<GGUFValue>{deep});
  EXPECT_TRUE(failsWith(writer.setMetadata("k", deep),
                        "metadata key 'k': ", {"nest deeper than 8"}));
  EXPECT_TRUE(
      failsWith(writer.setMetadata(std::string(65536, 'k'), GGUFValue(true)),
                "metadata key", {"longer than 65535 bytes"}));

  EXPECT_TRUE(failsWith(writer.addTensor("u", DType::U8, {1}, {0}),
                        "tensor 'u': ", {"GGUF cannot store U8"}));
  EXPECT_TRUE(failsWith(
      writer.addTensor("d", DType::F32, {1, 1, 1, 1, 1}, {0, 0, 0, 0}),
      "tensor 'd': ", {"5 dimensions"}));
  EXPECT_TRUE(failsWith(writer.addTensor("z", DType::F32, {0}, {}),
                        "tensor 'z': ", {"a dimension of 0"}));
  EXPECT_TRUE(failsWith(writer.addTensor("q", DType::Q8_0, {16}, {}),
                        "tensor 'q': ", {"multiple of the block size 32"}));
  EXPECT_TRUE(failsWith(writer.addTensor("s", DType::F32, {2}, {0}),
                        "tensor 's': ", {"1 bytes given but 8 needed"}));
  EXPECT_TRUE(
      failsWith(writer.addTensor(std::string(65, 'n'), DType::I8, {1}, {0}),
                "tensor 'nnn", {"name longer than 64 bytes"}));
  ASSERT_TRUE(writer.addTensor("a", DType::I8, {1}, {0}).ok());
  EXPECT_TRUE(failsWith(writer.addTensor("a", DType::I8, {1}, {0}),
                        "tensor 'a': ", {"added twice"}));

  // A second value for a key replaces the first in place.
  ASSERT_TRUE(writer.setMetadata("x", GGUFValue(uint8_t(1))).ok());
  ASSERT_TRUE(writer.setMetadata("y", GGUFValue(uint8_t(2))).ok());
  ASSERT_TRUE(writer.setMetadata("x", GGUFValue(uint8_t(3))).ok());
  std::vector<uint8_t> image = writer.serialize();
  Result<GGUFFile> file = parse(image);
  ASSERT_TRUE(file.ok()) << file.message();
  ASSERT_EQ(file->metadata().size(), 2u);
  EXPECT_EQ(file->metadata()[0].first, "x");
  EXPECT_EQ(*file->metadata()[0].second.get<uint8_t>(), 3);
}

TEST(GGUF, FuzzSeedsParse) {
  const std::string dir = QF_SOURCE_DIR "/test/fuzz/io/corpus/fuzz-gguf";
  size_t seeds = 0;
  std::error_code error;
  for (const auto &entry : std::filesystem::directory_iterator(dir, error)) {
    Result<GGUFFile> file = GGUFFile::open(entry.path().string());
    EXPECT_TRUE(file.ok()) << file.message();
    ++seeds;
  }
  EXPECT_GE(seeds, 3u);
}

} // namespace
