//===- SafetensorsTest.cpp - safetensors files and checkpoints ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/Safetensors.h"

#include "IOTestUtil.h"
#include "test/unit/SharedData.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace qf;
using namespace qf::io;
using qf::io::test::Bytes;
using qf::io::test::bytesOf;
using qf::io::test::failsWith;
using qf::io::test::TempDir;

namespace {

const std::string kLlamaT = qf::test::bundledLlamaT();

/// A safetensors file with `header` verbatim and `dataSize` zero bytes.
std::vector<uint8_t> rawFile(const std::string &header, size_t dataSize) {
  return Bytes()
      .le<uint64_t>(header.size())
      .raw(header)
      .zeros(dataSize)
      .bytes();
}

std::vector<float> floatsOf(ByteSpan bytes) {
  std::vector<float> values(bytes.size / sizeof(float));
  std::memcpy(values.data(), bytes.data, values.size() * sizeof(float));
  return values;
}

TEST(SafetensorsFile, LlamaTMatchesItsConfig) {
  std::ifstream configFile(kLlamaT + "/config.json");
  nlohmann::json config = nlohmann::json::parse(configFile);
  int64_t hidden = config["hidden_size"], layers = config["num_hidden_layers"];
  int64_t vocab = config["vocab_size"], ffn = config["intermediate_size"];
  int64_t heads = config["num_attention_heads"];
  int64_t kvHeads = config["num_key_value_heads"], headDim = config["head_dim"];
  ASSERT_EQ(hidden, 128);
  ASSERT_EQ(layers, 2);
  ASSERT_EQ(vocab, 4096);
  ASSERT_EQ(ffn, 256);

  Result<SafetensorsFile> file =
      SafetensorsFile::open(kLlamaT + "/model.safetensors");
  ASSERT_TRUE(file.ok()) << file.message();
  std::map<std::string, std::vector<int64_t>> expected = {
      {"model.embed_tokens.weight", {vocab, hidden}},
      {"lm_head.weight", {vocab, hidden}},
      {"model.norm.weight", {hidden}}};
  for (int64_t layer = 0; layer < layers; ++layer) {
    std::string prefix = "model.layers." + std::to_string(layer) + ".";
    expected[prefix + "input_layernorm.weight"] = {hidden};
    expected[prefix + "post_attention_layernorm.weight"] = {hidden};
    expected[prefix + "self_attn.q_proj.weight"] = {heads * headDim, hidden};
    expected[prefix + "self_attn.k_proj.weight"] = {kvHeads * headDim, hidden};
    expected[prefix + "self_attn.v_proj.weight"] = {kvHeads * headDim, hidden};
    expected[prefix + "self_attn.o_proj.weight"] = {hidden, heads * headDim};
    expected[prefix + "mlp.gate_proj.weight"] = {ffn, hidden};
    expected[prefix + "mlp.up_proj.weight"] = {ffn, hidden};
    expected[prefix + "mlp.down_proj.weight"] = {hidden, ffn};
  }
  ASSERT_EQ(file->tensors().size(), expected.size());
  auto it = expected.begin();
  uint64_t totalBytes = 0;
  for (const TensorInfo &info : file->tensors()) { // sorted like the map
    EXPECT_EQ(info.name, it->first);
    EXPECT_EQ(info.shape, it->second) << info.name;
    EXPECT_EQ(info.dtype, DType::F32) << info.name; // config: float32
    EXPECT_EQ(file->find(info.name), &info);
    totalBytes += info.byteSize;
    ++it;
  }
  // The README's parameter count.
  EXPECT_EQ(totalBytes, 1376896u * 4);
  EXPECT_EQ(file->find("model.layers.2.mlp.up_proj.weight"), nullptr);
  EXPECT_EQ(file->metadata().at("format"), "pt");

  // Sums computed from the file with Python's struct and math.fsum (exact,
  // then rounded once); the double sums here differ by far less than 1e-9.
  const TensorInfo *norm = file->find("model.norm.weight");
  ASSERT_NE(norm, nullptr);
  std::vector<float> values = floatsOf(file->bytes(*norm));
  ASSERT_EQ(values.size(), 128u);
  EXPECT_FLOAT_EQ(values[0], 1.8759024143218994f);
  double sum = 0;
  for (float v : values)
    sum += v;
  EXPECT_NEAR(sum, 236.54709470272064, 1e-9);

  const TensorInfo *q = file->find("model.layers.1.self_attn.q_proj.weight");
  ASSERT_NE(q, nullptr);
  double sumSquares = 0;
  for (float v : floatsOf(file->bytes(*q)))
    sumSquares += double(v) * v;
  EXPECT_NEAR(sumSquares, 52.66129630801001, 1e-9);
}

TEST(SafetensorsCheckpoint, LlamaTDirectory) {
  Result<SafetensorsCheckpoint> checkpoint =
      SafetensorsCheckpoint::open(kLlamaT);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.message();
  ASSERT_EQ(checkpoint->shards().size(), 1u);
  std::vector<std::string> names = checkpoint->tensorNames();
  EXPECT_EQ(names.size(), 21u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  auto [shard, info] = checkpoint->find("model.embed_tokens.weight");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(shard, checkpoint->shards()[0].get());
  EXPECT_EQ(info->shape, (std::vector<int64_t>{4096, 128}));
  EXPECT_EQ(checkpoint->find("nope").second, nullptr);
}

TEST(SafetensorsWriter, RoundTripsEveryField) {
  SafetensorsWriter writer;
  std::vector<float> f32 = {1.5f, -2.25f, 3.0f};
  std::vector<uint8_t> bf16 = {0x80, 0x3F, 0x00, 0xC0}; // 1.0, -2.0
  std::vector<double> f64 = {3.141592653589793};
  std::vector<uint8_t> flags = {1, 0, 1};
  ASSERT_TRUE(writer.addTensor("w.f32", DType::F32, {3}, bytesOf(f32)).ok());
  ASSERT_TRUE(writer.addTensor("w.bf16", DType::BF16, {2, 1}, bf16).ok());
  ASSERT_TRUE(writer.addTensor("w.f64", DType::F64, {}, bytesOf(f64)).ok());
  ASSERT_TRUE(writer.addTensor("w.bool", DType::BOOL, {3}, flags).ok());
  ASSERT_TRUE(writer.addTensor("w.empty", DType::I32, {0, 4}, {}).ok());
  ASSERT_TRUE(writer.setMetadata("format", "pt").ok());
  ASSERT_TRUE(writer.setMetadata("note", "synthetic").ok());

  TempDir dir;
  std::string path = dir.path("model.safetensors");
  ASSERT_TRUE(writer.write(path).ok());
  Result<SafetensorsFile> file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(file->metadata(), (std::map<std::string, std::string>{
                                  {"format", "pt"}, {"note", "synthetic"}}));
  ASSERT_EQ(file->tensors().size(), 5u);

  struct Expected {
    const char *name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  for (const Expected &e :
       std::vector<Expected>{{"w.f32", DType::F32, {3}, bytesOf(f32)},
                             {"w.bf16", DType::BF16, {2, 1}, bf16},
                             {"w.f64", DType::F64, {}, bytesOf(f64)},
                             {"w.bool", DType::BOOL, {3}, flags},
                             {"w.empty", DType::I32, {0, 4}, {}}}) {
    const TensorInfo *info = file->find(e.name);
    ASSERT_NE(info, nullptr) << e.name;
    EXPECT_EQ(info->dtype, e.dtype) << e.name;
    EXPECT_EQ(info->shape, e.shape) << e.name;
    ByteSpan bytes = file->bytes(*info);
    EXPECT_EQ(std::vector<uint8_t>(bytes.data, bytes.data + bytes.size),
              e.bytes)
        << e.name;
    // Wider types come first, so each tensor is aligned to its element.
    EXPECT_EQ(info->offset % bytesPerBlock(e.dtype), 0u) << e.name;
  }

  // The reference layout: header padded with spaces to a multiple of 8.
  std::vector<uint8_t> image = writer.serialize();
  uint64_t headerSize;
  std::memcpy(&headerSize, image.data(), 8);
  EXPECT_EQ(headerSize % 8, 0u);
  EXPECT_EQ(image[8], '{');
  EXPECT_EQ(image.size(), 8 + headerSize + 12 + 4 + 8 + 3);

  // Copying a file through a writer reproduces it byte for byte.
  Result<SafetensorsWriter> copy = SafetensorsWriter::fromFile(*file);
  ASSERT_TRUE(copy.ok()) << copy.message();
  EXPECT_EQ(copy->serialize(), image);
}

TEST(SafetensorsWriter, RejectsBadTensors) {
  SafetensorsWriter writer;
  EXPECT_TRUE(failsWith(writer.addTensor("a", DType::F32, {2}, {0, 0, 0}),
                        "tensor 'a': ", {"3 bytes given but F32[2] needs 8"}));
  EXPECT_TRUE(failsWith(writer.addTensor("q", DType::Q4_0, {32}, {}),
                        "tensor 'q': ", {"safetensors cannot store Q4_0"}));
  EXPECT_TRUE(failsWith(writer.addTensor("__metadata__", DType::U8, {}, {0}),
                        "tensor '__metadata__': ", {"reserved"}));
  EXPECT_TRUE(failsWith(writer.addTensor("n", DType::U8, {-1}, {}),
                        "tensor 'n': ", {"negative dimension"}));
  EXPECT_TRUE(failsWith(writer.addTensor("\xff", DType::U8, {}, {0}),
                        "tensor name", {"not valid UTF-8"}));
  EXPECT_TRUE(failsWith(writer.setMetadata("k", "\xc3"), "metadata value",
                        {"not valid UTF-8"}));
  ASSERT_TRUE(writer.addTensor("a", DType::U8, {1}, {7}).ok());
  EXPECT_TRUE(failsWith(writer.addTensor("a", DType::U8, {1}, {7}),
                        "tensor 'a': ", {"added twice"}));
}

/// Each case: a header, the size of the data section, and the message after
/// "<path>: ".
struct MalformedCase {
  const char *header;
  size_t dataSize;
  const char *expected;
};

TEST(SafetensorsFile, RejectsMalformedHeaders) {
  const MalformedCase cases[] = {
      {"[1, 2]", 0, "header must be a JSON object, got array"},
      {"{\"a\": ", 0, "header: invalid JSON"},
      {"{\"a\": \"\xff\"}", 0, "header: invalid JSON"},
      {R"({"a": 5})", 0,
       "tensor 'a': must be an object with dtype, shape and data_offsets, "
       "got number"},
      {R"({"a": {"dtype": "F32", "shape": [], "data_offsets": [0, 4],
                 "x": 1}})",
       4, "tensor 'a': unexpected key 'x'"},
      {R"({"a": {"shape": [], "data_offsets": [0, 4]}})", 4,
       "tensor 'a': missing 'dtype'"},
      {R"({"a": {"dtype": 4, "shape": [], "data_offsets": [0, 4]}})", 4,
       "tensor 'a': 'dtype' must be a string, got number"},
      {R"({"a": {"dtype": "F33", "shape": [], "data_offsets": [0, 4]}})", 4,
       "tensor 'a': unknown dtype 'F33'"},
      {R"({"a": {"dtype": "Q4_0", "shape": [32], "data_offsets": [0, 18]}})",
       18, "tensor 'a': unknown dtype 'Q4_0'"},
      {R"({"a": {"dtype": "F32", "shape": 4, "data_offsets": [0, 16]}})", 16,
       "tensor 'a': 'shape' must be an array of integers, got number"},
      {R"({"a": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}})", 8,
       "tensor 'a': 'shape' element 0 must be an integer, got number"},
      {R"({"a": {"dtype": "F32", "shape": [4, -1], "data_offsets": [0, 0]}})",
       0, "tensor 'a': F32[4, -1] has a negative dimension"},
      {R"({"a": {"dtype": "F32", "shape": [18446744073709551615],
                 "data_offsets": [0, 0]}})",
       0, "tensor 'a': 'shape' element 0 is out of range"},
      {R"({"a": {"dtype": "F32", "shape": [4294967296, 4294967296, 16],
                 "data_offsets": [0, 0]}})",
       0,
       "tensor 'a': F32[4294967296, 4294967296, 16] has more than 2^64 "
       "elements"},
      {R"({"a": {"dtype": "F64", "shape": [4611686018427387904],
                 "data_offsets": [0, 0]}})",
       0, "tensor 'a': F64[4611686018427387904] needs more than 2^64 bytes"},
      {R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", 4,
       "tensor 'a': 'data_offsets' must be [begin, end] with non-negative "
       "integers, got 1-element array"},
      {R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}})", 4,
       "tensor 'a': 'data_offsets' must be [begin, end]"},
      {R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4.0]}})", 4,
       "tensor 'a': 'data_offsets' must be [begin, end]"},
      {R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": "0-4"}})", 4,
       "tensor 'a': 'data_offsets' must be [begin, end] with non-negative "
       "integers, got string"},
      {R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}})", 8,
       "tensor 'a': data_offsets [8, 4] end before they begin"},
      {R"({"model.norm.weight": {"dtype": "BF16", "shape": [4096],
                                 "data_offsets": [0, 10]}})",
       10,
       "tensor 'model.norm.weight': data_offsets [0, 10] hold 10 bytes but "
       "BF16[4096] needs 8192"},
      {R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4,
       "tensor 'a': data_offsets [0, 8] run past the end of the data section "
       "(4 bytes)"},
      {R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
           "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
       12, "tensors 'a' and 'b' overlap: data_offsets [0, 8] and [4, 12]"},
      // b lies inside a; an empty tensor inside a overlaps nothing.
      {R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
           "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},
           "b": {"dtype": "U8", "shape": [1], "data_offsets": [8, 9]}})",
       16, "tensors 'a' and 'b' overlap: data_offsets [0, 16] and [8, 9]"},
      {R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
           "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})",
       2, "tensor 'a' appears twice in the header"},
      {R"({"a": {"dtype": "U8", "dtype": "I8", "shape": [1],
                 "data_offsets": [0, 1]}})",
       1, "tensor 'a': key 'dtype' appears twice"},
      {R"({"__metadata__": ["pt"]})", 0,
       "'__metadata__' must be an object of strings, got array"},
      {R"({"__metadata__": {"n": 3}})", 0,
       "'__metadata__' key 'n' must map to a string, got number"},
      {R"({"__metadata__": {}, "__metadata__": {}})", 0,
       "'__metadata__' appears twice in the header"},
      {R"({"__metadata__": {"k": "a", "k": "b"}})", 0,
       "'__metadata__': key 'k' appears twice"},
  };
  TempDir dir;
  for (const MalformedCase &c : cases) {
    std::string path =
        dir.write("bad.safetensors", rawFile(c.header, c.dataSize));
    EXPECT_TRUE(
        failsWith(SafetensorsFile::open(path), path + ": " + c.expected, {}))
        << c.header;
  }
}

TEST(SafetensorsFile, RejectsBadHeaderLengths) {
  TempDir dir;
  std::string shortFile = dir.write("short.safetensors", std::string("abc"));
  EXPECT_TRUE(failsWith(SafetensorsFile::open(shortFile), shortFile + ": ",
                        {"file is 3 bytes, too short"}));

  std::vector<uint8_t> huge =
      Bytes().le<uint64_t>(1ull << 40).raw("{}").bytes();
  EXPECT_TRUE(failsWith(
      SafetensorsFile::openFromMemory({huge.data(), huge.size()}, "huge"),
      "huge: ", {"header length 1099511627776 exceeds the limit"}));

  std::vector<uint8_t> past = Bytes().le<uint64_t>(100).raw("{}").bytes();
  EXPECT_TRUE(failsWith(
      SafetensorsFile::openFromMemory({past.data(), past.size()}, "past"),
      "past: ",
      {"header length 100 runs past the end of the file (10 bytes)"}));
}

TEST(SafetensorsFile, AcceptsMinimalAndPaddedHeaders) {
  std::vector<uint8_t> empty = rawFile("{}", 0);
  Result<SafetensorsFile> file =
      SafetensorsFile::openFromMemory({empty.data(), empty.size()}, "empty");
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_TRUE(file->tensors().empty());

  // Trailing spaces pad the header; unused trailing data is allowed.
  std::vector<uint8_t> padded = rawFile(
      R"({"x": {"dtype": "I16", "shape": [2], "data_offsets": [0, 4]}}   )", 6);
  file = SafetensorsFile::openFromMemory({padded.data(), padded.size()}, "p");
  ASSERT_TRUE(file.ok()) << file.message();
  ASSERT_EQ(file->tensors().size(), 1u);
  EXPECT_EQ(file->tensors()[0].offset, padded.size() - 6);
  EXPECT_EQ(file->tensors()[0].byteSize, 4u);
}

TEST(SafetensorsFile, FuzzSeedsParse) {
  const std::string dir = QF_SOURCE_DIR "/test/fuzz/io/corpus/fuzz-safetensors";
  size_t seeds = 0;
  std::error_code error;
  for (const auto &entry : std::filesystem::directory_iterator(dir, error)) {
    Result<SafetensorsFile> file = SafetensorsFile::open(entry.path().string());
    EXPECT_TRUE(file.ok()) << file.message();
    ++seeds;
  }
  EXPECT_GE(seeds, 3u);
}

//===----------------------------------------------------------------------===//
// Sharded checkpoints
//===----------------------------------------------------------------------===//

/// Writes a shard holding U8 tensors named `names` (value = name length).
void writeShard(const TempDir &dir, const std::string &file,
                const std::vector<std::string> &names) {
  SafetensorsWriter writer;
  for (const std::string &name : names)
    ASSERT_TRUE(
        writer.addTensor(name, DType::U8, {1}, {uint8_t(name.size())}).ok());
  ASSERT_TRUE(writer.write(dir.path(file)).ok());
}

void writeIndex(const TempDir &dir, const std::string &weightMap) {
  dir.write("model.safetensors.index.json",
            std::string(R"({"metadata": {"total_size": 3}, "weight_map": )") +
                weightMap + "}");
}

const char *kShard1 = "model-00001-of-00002.safetensors";
const char *kShard2 = "model-00002-of-00002.safetensors";

TEST(SafetensorsCheckpoint, OpensShards) {
  TempDir dir;
  writeShard(dir, kShard1, {"a", "bb"});
  writeShard(dir, kShard2, {"ccc"});
  writeIndex(dir, R"({"a": "model-00001-of-00002.safetensors",
                      "bb": "model-00001-of-00002.safetensors",
                      "ccc": "model-00002-of-00002.safetensors"})");
  Result<SafetensorsCheckpoint> checkpoint =
      SafetensorsCheckpoint::open(dir.path());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.message();
  ASSERT_EQ(checkpoint->shards().size(), 2u);
  EXPECT_EQ(checkpoint->tensorNames(),
            (std::vector<std::string>{"a", "bb", "ccc"}));
  auto [shard, info] = checkpoint->find("ccc");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(shard->name(), dir.path(kShard2));
  EXPECT_EQ(shard->bytes(*info).data[0], 3);
  EXPECT_EQ(checkpoint->find("bb").first->name(), dir.path(kShard1));
}

TEST(SafetensorsCheckpoint, SingleFileWins) {
  TempDir dir;
  writeShard(dir, "model.safetensors", {"only"});
  writeIndex(dir, R"({"x": "missing.safetensors"})");
  Result<SafetensorsCheckpoint> checkpoint =
      SafetensorsCheckpoint::open(dir.path());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.message();
  EXPECT_EQ(checkpoint->tensorNames(), std::vector<std::string>{"only"});
}

TEST(SafetensorsCheckpoint, RejectsInconsistentShards) {
  struct Case {
    const char *weightMap;
    std::vector<std::string> shard1, shard2;
    std::string expected;
  };
  std::vector<Case> cases = {
      {R"({"a": "model-00001-of-00002.safetensors",
           "b": "model-00002-of-00002.safetensors"})",
       {"a"},
       {},
       "shard 'model-00002-of-00002.safetensors' named in the "
       "weight_map does not exist"},
      {R"({"a": "model-00001-of-00002.safetensors",
           "gone": "model-00001-of-00002.safetensors"})",
       {"a"},
       {},
       "tensor 'gone' is listed in shard "
       "'model-00001-of-00002.safetensors' but no shard holds it"},
      {R"({"a": "model-00001-of-00002.safetensors",
           "b": "model-00002-of-00002.safetensors"})",
       {"a", "b"},
       {"b"},
       "tensor 'b' is in both"},
      {R"({"a": "model-00001-of-00002.safetensors",
           "b": "model-00001-of-00002.safetensors",
           "c": "model-00002-of-00002.safetensors"})",
       {"a", "c"},
       {"b"},
       "weight_map puts tensor 'b' in "
       "'model-00001-of-00002.safetensors' but it is in"},
      {R"({"a": "model-00001-of-00002.safetensors"})",
       {"a", "extra"},
       {},
       "holds tensor 'extra', which the weight_map does not list"},
      {R"({"a": "../model-00001-of-00002.safetensors"})",
       {"a"},
       {},
       "weight_map maps 'a' to '../model-00001-of-00002.safetensors', which "
       "is not a file name"},
      {R"({"a": 1})",
       {"a"},
       {},
       "weight_map entry 'a' must be a shard file name, got number"},
      {R"({"a": "model-00001-of-00002.safetensors",
           "a": "model-00001-of-00002.safetensors"})",
       {"a"},
       {},
       "key 'a' appears twice in 'weight_map'"},
      {R"([])", {"a"}, {}, "must be an object with a 'weight_map' object"},
      {R"({})", {"a"}, {}, "weight_map lists no tensors"},
  };
  for (const Case &c : cases) {
    TempDir dir;
    writeShard(dir, kShard1, c.shard1);
    if (!c.shard2.empty())
      writeShard(dir, kShard2, c.shard2);
    writeIndex(dir, c.weightMap);
    std::string index = dir.path("model.safetensors.index.json");
    EXPECT_TRUE(failsWith(SafetensorsCheckpoint::open(dir.path()), index + ": ",
                          {c.expected}))
        << c.weightMap;
  }
}

TEST(SafetensorsCheckpoint, ReportsBrokenShardsAndMissingFiles) {
  TempDir dir;
  EXPECT_TRUE(failsWith(SafetensorsCheckpoint::open(dir.path()),
                        dir.path() + ": ",
                        {"neither model.safetensors nor "
                         "model.safetensors.index.json exists"}));
  std::string shard = dir.write(kShard1, rawFile("{\"a\": 1}", 0));
  writeIndex(dir, R"({"a": "model-00001-of-00002.safetensors"})");
  EXPECT_TRUE(failsWith(SafetensorsCheckpoint::open(dir.path()),
                        shard + ": tensor 'a': ", {"must be an object"}));
}

} // namespace
