//===- CpuDeviceTest.cpp - the CPU driver and the driver registry ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "test/unit/session/FakeModel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace qf;
using namespace qf::test;

namespace {

/// An artifact whose executable is kernels/TestKernels.c.
Artifact kernelArtifact() {
  ArtifactWriter writer = sampleArtifactWriter(kMinSectionAlignment);
  writer.setTarget(hostCpuTarget());
  writer.addExecutable(hostCpuTarget(), kElfSharedObjectFormat,
                       writer.addSection(readFile(QF_TEST_KERNELS)));
  Result<std::vector<uint8_t>> bytes = writer.writeToMemory();
  EXPECT_TRUE(bytes.ok()) << bytes.message();
  Result<Artifact> artifact =
      Artifact::openFromMemory(bytes->data(), bytes->size(), "kernels.qfa");
  EXPECT_TRUE(artifact.ok()) << artifact.message();
  return artifact.take();
}

class CpuDeviceTest : public ::testing::Test {
protected:
  void SetUp() override {
    ByteView code = artifact.executableBytes(1);
    source = {"executable 1",
              kElfSharedObjectFormat,
              code.data,
              code.size,
              {"qf_test_add", "qf_test_transpose", "qf_test_parallel_iota"}};
    Result<std::unique_ptr<LoadedExecutable>> loaded =
        device->loadExecutable(source);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    kernels = loaded.take();
  }

  /// A buffer holding `values`.
  std::unique_ptr<Buffer> upload(const std::vector<float> &values) {
    Result<std::unique_ptr<Buffer>> buffer =
        device->allocate(values.size() * sizeof(float));
    EXPECT_TRUE(buffer.ok());
    EXPECT_TRUE(
        device->write(**buffer, 0, values.data(), values.size() * 4).ok());
    return buffer.take();
  }

  std::vector<float> download(Buffer &buffer, size_t count) {
    std::vector<float> values(count);
    EXPECT_TRUE(device->read(buffer, 0, values.data(), count * 4).ok());
    return values;
  }

  Artifact artifact = kernelArtifact();
  std::unique_ptr<Device> device = createCpuDevice();
  ExecutableSource source;
  std::unique_ptr<LoadedExecutable> kernels;
};

TEST_F(CpuDeviceTest, RunsSharedObjectFromArtifact) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-4, 4);
  for (size_t count : {size_t(1), size_t(7), size_t(1000)}) {
    std::vector<float> a(count), b(count);
    for (size_t i = 0; i < count; ++i) {
      a[i] = uniform(rng);
      b[i] = uniform(rng);
    }
    std::unique_ptr<Buffer> bufferA = upload(a), bufferB = upload(b);
    std::unique_ptr<Buffer> out = upload(std::vector<float>(count, NAN));
    int64_t n = int64_t(count);
    Status status = device->dispatch(*kernels, "qf_test_add",
                                     {DispatchArg::array(bufferA.get(), {n}, 4),
                                      DispatchArg::array(bufferB.get(), {n}, 4),
                                      DispatchArg::array(out.get(), {n}, 4),
                                      DispatchArg::scalar(3)});
    ASSERT_TRUE(status.ok()) << status.message();
    ASSERT_TRUE(device->synchronize().ok());
    std::vector<float> result = download(*out, count);
    for (size_t i = 0; i < count; ++i)
      ASSERT_EQ(result[i], a[i] + 3.0f * b[i]) << i;
  }
}

TEST_F(CpuDeviceTest, PassesRowMajorDescriptors) {
  const int64_t rows = 3, cols = 5;
  std::vector<float> in(rows * cols);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = float(i);
  std::unique_ptr<Buffer> input = upload(in);
  std::unique_ptr<Buffer> out = upload(std::vector<float>(in.size(), NAN));
  ASSERT_TRUE(device
                  ->dispatch(*kernels, "qf_test_transpose",
                             {DispatchArg::array(input.get(), {rows, cols}, 4),
                              DispatchArg::array(out.get(), {cols, rows}, 4)})
                  .ok());
  std::vector<float> result = download(*out, in.size());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      EXPECT_EQ(result[j * rows + i], in[i * cols + j]);
}

// Compiled code imports qf_parallel_for; this test binary, like quant-run,
// exports it from the runtime it links.
TEST_F(CpuDeviceTest, ExecutablesCallTheRuntimesParallelFor) {
  const int64_t count = 1001;
  std::unique_ptr<Buffer> out = upload(std::vector<float>(count, NAN));
  ASSERT_TRUE(device
                  ->dispatch(*kernels, "qf_test_parallel_iota",
                             {DispatchArg::array(out.get(), {count}, 4)})
                  .ok());
  std::vector<float> result = download(*out, count);
  for (int64_t i = 0; i < count; ++i)
    ASSERT_EQ(result[i], float(i)) << i;
}

TEST_F(CpuDeviceTest, RejectsArraysLargerThanTheirBuffer) {
  std::unique_ptr<Buffer> small = upload(std::vector<float>(4));
  Status status = device->dispatch(*kernels, "qf_test_add",
                                   {DispatchArg::array(small.get(), {5}, 4),
                                    DispatchArg::array(small.get(), {4}, 4),
                                    DispatchArg::array(small.get(), {4}, 4),
                                    DispatchArg::scalar(1)});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "argument 0 needs 20 bytes, its buffer has 16");
  status = device->dispatch(*kernels, "qf_test_add",
                            {DispatchArg::array(small.get(), {-1}, 4)});
  EXPECT_EQ(status.message(), "argument 0 has an invalid shape");
}

TEST_F(CpuDeviceTest, DispatchNeedsAResolvedSymbol) {
  Status status = device->dispatch(*kernels, "qf_test_other", {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "symbol 'qf_test_other' was not resolved when "
                              "the executable was loaded");
}

TEST_F(CpuDeviceTest, LoadErrorsNameTheExecutable) {
  ExecutableSource missing = source;
  missing.symbols = {"qf_test_add", "qf_test_missing"};
  Result<std::unique_ptr<LoadedExecutable>> loaded =
      device->loadExecutable(missing);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.message(),
            "executable 1: symbol 'qf_test_missing' not found");

  ExecutableSource cubin = source;
  cubin.format = "cubin";
  loaded = device->loadExecutable(cubin);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.message(), "executable 1: format 'cubin' is not one the "
                              "cpu driver loads (elf-shared-object)");

  std::vector<uint8_t> text = textBytes("#!/bin/sh\n");
  ExecutableSource script = source;
  script.data = text.data();
  script.size = text.size();
  loaded = device->loadExecutable(script);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.message(), "executable 1: not an ELF shared object");

  // An ELF header cut short: dlopen's own error comes through.
  std::vector<uint8_t> truncated(source.data, source.data + 64);
  ExecutableSource cut = source;
  cut.data = truncated.data();
  cut.size = truncated.size();
  loaded = device->loadExecutable(cut);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.message().rfind("executable 1: dlopen failed: ", 0), 0u)
      << loaded.message();
}

TEST_F(CpuDeviceTest, KeepsDifferentObjectsApart) {
  // glibc recognizes loaded objects by path; each load must get the object
  // it was given, whether an earlier one is still loaded, unloaded, or
  // resident after unloading (the fake model is linked with -z nodelete).
  std::vector<uint8_t> model = readFile(QF_FAKE_MODEL);
  ExecutableSource fake = {"fake",
                           kElfSharedObjectFormat,
                           model.data(),
                           model.size(),
                           {"fake_prefill"}};
  Result<std::unique_ptr<LoadedExecutable>> resident =
      device->loadExecutable(fake);
  ASSERT_TRUE(resident.ok()) << resident.message();
  kernels.reset();
  Result<std::unique_ptr<LoadedExecutable>> reloaded =
      device->loadExecutable(source);
  EXPECT_TRUE(reloaded.ok()) << reloaded.message();
  resident = Status::error("unloaded");
  Result<std::unique_ptr<LoadedExecutable>> another =
      device->loadExecutable(source);
  EXPECT_TRUE(another.ok()) << another.message();
}

TEST_F(CpuDeviceTest, BuffersAreZeroedAndBoundsChecked) {
  Result<std::unique_ptr<Buffer>> buffer = device->allocate(1 << 20);
  ASSERT_TRUE(buffer.ok());
  std::vector<uint8_t> bytes(1 << 20, 0xFF);
  ASSERT_TRUE(device->read(**buffer, 0, bytes.data(), bytes.size()).ok());
  EXPECT_TRUE(std::all_of(bytes.begin(), bytes.end(),
                          [](uint8_t byte) { return byte == 0; }));
  Status status = device->write(**buffer, (1 << 20) - 3, bytes.data(), 4);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "copy of 4 bytes at offset 1048573 exceeds a "
                              "buffer of 1048576");
  Result<std::unique_ptr<Buffer>> empty = device->allocate(0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)->size(), 0u);

  float host[2] = {1, 2};
  Result<std::unique_ptr<Buffer>> imported = device->importHost(host, 8);
  ASSERT_TRUE(imported.ok());
  EXPECT_EQ((*imported)->data(), host);
}

TEST(DeviceRegistry, CreatesTheCpuDevice) {
  for (const char *spec : {"cpu", "cpu:0"}) {
    Result<std::unique_ptr<Device>> device = createDevice(spec);
    ASSERT_TRUE(device.ok()) << device.message();
    EXPECT_EQ((*device)->name(), "cpu");
    EXPECT_EQ((*device)->targets(), std::vector<std::string>{hostCpuTarget()});
  }
  std::string available;
  for (const std::string &name : availableDrivers())
    available += (available.empty() ? "" : ", ") + name;
  EXPECT_EQ(available, QF_AVAILABLE_DRIVERS);
}

TEST(DeviceRegistry, ExplainsUnavailableDevices) {
  const std::pair<const char *, const char *> cases[] = {
      {"hip:0", "device 'hip:0': the hip driver is not built into this "
                "runtime (available: " QF_AVAILABLE_DRIVERS ")"},
      {"vulkan", "device 'vulkan': the vulkan driver is not built into this "
                 "runtime (available: " QF_AVAILABLE_DRIVERS ")"},
      {"tpu", "device 'tpu': unknown driver (known: cpu, cuda, hip, vulkan; "
              "available: " QF_AVAILABLE_DRIVERS ")"},
      {"cpu:1", "device 'cpu:1': the cpu driver has one device, cpu:0"},
      {"cpu:x", "device 'cpu:x': expected NAME or NAME:ORDINAL"},
      {"cpu:", "device 'cpu:': expected NAME or NAME:ORDINAL"},
  };
  for (const auto &[spec, expected] : cases) {
    Result<std::unique_ptr<Device>> device = createDevice(spec);
    ASSERT_FALSE(device.ok()) << spec;
    EXPECT_EQ(device.message(), expected);
  }
}

} // namespace
