//===- DTypeTest.cpp - element types and mapped files ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/DType.h"
#include "runtime/io/MappedFile.h"

#include "IOTestUtil.h"

#include <gtest/gtest.h>

using namespace qf;
using namespace qf::io;
using qf::io::test::failsWith;
using qf::io::test::TempDir;

namespace {

TEST(DType, BlockSizesMatchGGML) {
  struct Expected {
    DType type;
    const char *name;
    uint32_t block, bytes;
  };
  // sizeof(block_*) in llama.cpp's ggml-common.h.
  for (const Expected &e :
       std::initializer_list<Expected>{{DType::F64, "F64", 1, 8},
                                       {DType::F32, "F32", 1, 4},
                                       {DType::F16, "F16", 1, 2},
                                       {DType::BF16, "BF16", 1, 2},
                                       {DType::I64, "I64", 1, 8},
                                       {DType::I32, "I32", 1, 4},
                                       {DType::I16, "I16", 1, 2},
                                       {DType::I8, "I8", 1, 1},
                                       {DType::U8, "U8", 1, 1},
                                       {DType::BOOL, "BOOL", 1, 1},
                                       {DType::F8_E4M3, "F8_E4M3", 1, 1},
                                       {DType::F8_E5M2, "F8_E5M2", 1, 1},
                                       {DType::Q4_0, "Q4_0", 32, 18},
                                       {DType::Q4_1, "Q4_1", 32, 20},
                                       {DType::Q5_0, "Q5_0", 32, 22},
                                       {DType::Q5_1, "Q5_1", 32, 24},
                                       {DType::Q8_0, "Q8_0", 32, 34},
                                       {DType::Q8_1, "Q8_1", 32, 36},
                                       {DType::Q2_K, "Q2_K", 256, 84},
                                       {DType::Q3_K, "Q3_K", 256, 110},
                                       {DType::Q4_K, "Q4_K", 256, 144},
                                       {DType::Q5_K, "Q5_K", 256, 176},
                                       {DType::Q6_K, "Q6_K", 256, 210},
                                       {DType::Q8_K, "Q8_K", 256, 292}}) {
    EXPECT_STREQ(dtypeName(e.type), e.name);
    EXPECT_EQ(blockSize(e.type), e.block) << e.name;
    EXPECT_EQ(bytesPerBlock(e.type), e.bytes) << e.name;
    EXPECT_EQ(isBlockQuantized(e.type), e.block > 1) << e.name;
  }
}

TEST(DType, SafetensorsNamesAcceptOnlyPlainTypes) {
  EXPECT_EQ(parseSafetensorsDType("BF16"), DType::BF16);
  EXPECT_EQ(parseSafetensorsDType("F8_E4M3"), DType::F8_E4M3);
  EXPECT_EQ(parseSafetensorsDType("U32"), DType::U32);
  EXPECT_EQ(parseSafetensorsDType("Q4_0"), std::nullopt);
  EXPECT_EQ(parseSafetensorsDType("bf16"), std::nullopt);
  EXPECT_EQ(parseSafetensorsDType(""), std::nullopt);
}

TEST(DType, GGMLTypeNumbering) {
  // ggml_type values from the GGUF specification.
  std::vector<std::pair<uint32_t, DType>> ids = {
      {0, DType::F32},   {1, DType::F16},   {2, DType::Q4_0},
      {3, DType::Q4_1},  {6, DType::Q5_0},  {7, DType::Q5_1},
      {8, DType::Q8_0},  {9, DType::Q8_1},  {10, DType::Q2_K},
      {11, DType::Q3_K}, {12, DType::Q4_K}, {13, DType::Q5_K},
      {14, DType::Q6_K}, {15, DType::Q8_K}, {24, DType::I8},
      {25, DType::I16},  {26, DType::I32},  {27, DType::I64},
      {28, DType::F64},  {30, DType::BF16}};
  for (auto [id, type] : ids) {
    EXPECT_EQ(dtypeFromGGMLType(id), type) << id;
    EXPECT_EQ(ggmlTypeOf(type), id) << dtypeName(type);
  }
  for (uint32_t unsupported : {4u, 5u, 16u, 23u, 29u, 31u, 39u, 1000u})
    EXPECT_EQ(dtypeFromGGMLType(unsupported), std::nullopt) << unsupported;
  EXPECT_EQ(ggmlTypeOf(DType::U8), std::nullopt);
  EXPECT_EQ(ggmlTypeOf(DType::BOOL), std::nullopt);
}

TEST(DType, ByteSizes) {
  EXPECT_EQ(*byteSize(DType::F32, {4096, 128}), 4096u * 128 * 4);
  EXPECT_EQ(*byteSize(DType::BF16, {}), 2u);
  EXPECT_EQ(*byteSize(DType::F32, {0, 7}), 0u);
  EXPECT_EQ(*byteSize(DType::Q8_0, {3, 64}), 3u * 2 * 34);
  EXPECT_EQ(*byteSize(DType::Q4_K, {32, 512}), 32u * 2 * 144);
  EXPECT_EQ(*numElements({2, 3, 4}), 24u);
}

TEST(DType, ByteSizeErrors) {
  EXPECT_TRUE(failsWith(byteSize(DType::BF16, {4096, -1}), "BF16[4096, -1]",
                        {"negative dimension"}));
  EXPECT_TRUE(failsWith(byteSize(DType::F32, {1LL << 32, 1LL << 32, 2}), "F32[",
                        {"more than 2^64 elements"}));
  // 2^62 elements fit; their bytes do not.
  EXPECT_TRUE(failsWith(byteSize(DType::F64, {1LL << 62}), "F64[",
                        {"needs more than 2^64 bytes"}));
  EXPECT_TRUE(failsWith(byteSize(DType::Q4_0, {4, 48}), "Q4_0[4, 48]",
                        {"multiple of the block size 32"}));
  EXPECT_TRUE(failsWith(byteSize(DType::Q6_K, {}), "Q6_K[]",
                        {"multiple of the block size 256"}));
  EXPECT_TRUE(failsWith(numElements({-3}), "shape [-3]", {"negative"}));
}

TEST(MappedFile, MapsAndMoves) {
  TempDir dir;
  std::string path = dir.write("data.bin", std::string("parameters"));
  Result<MappedFile> file = MappedFile::open(path);
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ(file->size(), 10u);
  EXPECT_EQ(file->path(), path);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(file->data()), 10),
            "parameters");

  const uint8_t *data = file->data();
  MappedFile moved = file.take();
  EXPECT_EQ(moved.data(), data);
  EXPECT_EQ(moved.size(), 10u);
  MappedFile assigned = std::move(moved);
  EXPECT_EQ(moved.data(), nullptr);
  EXPECT_EQ(moved.size(), 0u);
  EXPECT_EQ(assigned.data()[0], 'p');
}

TEST(MappedFile, Errors) {
  TempDir dir;
  std::string missing = dir.path("missing.bin");
  EXPECT_TRUE(failsWith(MappedFile::open(missing), missing + ": ",
                        {"cannot open", "No such file or directory"}));
  std::string empty = dir.write("empty.bin", std::string());
  EXPECT_TRUE(
      failsWith(MappedFile::open(empty), empty + ": ", {"file is empty"}));
  EXPECT_TRUE(failsWith(MappedFile::open(dir.path()), dir.path() + ": ",
                        {"not a regular file"}));
}

} // namespace
