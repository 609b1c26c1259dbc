//===- CudaDeviceTest.cpp - the CUDA driver without a GPU -----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Where there is no GPU (CI, this machine) the driver must fail clearly, and
// its bookkeeping runs against FakeCuda.c, a driver library on host memory.
// Kernels themselves are checked on a GPU (test/e2e/cuda, docs/cuda.md).
//
//===----------------------------------------------------------------------===//

#include "runtime/driver/Device.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace {

using namespace qf;

class CudaDeviceTest : public ::testing::Test {
protected:
  void useLibrary(const char *path) { setenv("QF_LIBCUDA", path, 1); }
  void TearDown() override { unsetenv("QF_LIBCUDA"); }
};

TEST_F(CudaDeviceTest, MissingDriverLibraryIsAClearError) {
  useLibrary("/nonexistent/libcuda.so.1");
  Result<std::unique_ptr<Device>> device = createDevice("cuda:0");
  ASSERT_FALSE(device.ok());
  EXPECT_NE(device.message().find("device 'cuda:0': no CUDA driver "
                                  "(/nonexistent/libcuda.so.1 not found"),
            std::string::npos)
      << device.message();
  EXPECT_NE(device.message().find("needs an NVIDIA GPU"), std::string::npos);
  // A caller may name the option that chose the device instead.
  device = createDevice("cuda:0", "--calib-device=cuda:0");
  ASSERT_FALSE(device.ok());
  EXPECT_EQ(device.message().rfind("--calib-device=cuda:0: no CUDA driver (", 0),
            0u)
      << device.message();
}

TEST_F(CudaDeviceTest, IsAvailableDriver) {
  std::vector<std::string> drivers = availableDrivers();
  EXPECT_NE(std::find(drivers.begin(), drivers.end(), "cuda"), drivers.end());
}

TEST_F(CudaDeviceTest, FakeDriverCopiesAndTargets) {
  useLibrary(QF_FAKE_CUDA);
  Result<std::unique_ptr<Device>> device = createDevice("cuda:0");
  ASSERT_TRUE(device.ok()) << device.message();
  EXPECT_EQ((*device)->name(), "cuda:0");
  std::vector<std::string> targets = (*device)->targets();
  for (const char *target :
       {"cuda-sm_90", "cuda-sm_90a", "cuda-ptx-sm_80", "cuda-ptx-sm_90"})
    EXPECT_NE(std::find(targets.begin(), targets.end(), target), targets.end())
        << target;

  Result<std::unique_ptr<Buffer>> buffer = (*device)->allocate(16);
  ASSERT_TRUE(buffer.ok()) << buffer.message();
  float zeros[4] = {1, 1, 1, 1};
  ASSERT_TRUE((*device)->read(**buffer, 0, zeros, sizeof(zeros)).ok());
  for (float value : zeros)
    EXPECT_EQ(value, 0.0f);
  const float values[2] = {3.5f, -2.0f};
  ASSERT_TRUE((*device)->write(**buffer, 8, values, sizeof(values)).ok());
  float back[4];
  ASSERT_TRUE((*device)->read(**buffer, 0, back, sizeof(back)).ok());
  EXPECT_EQ(back[2], 3.5f);
  EXPECT_EQ(back[3], -2.0f);
  Status outside = (*device)->write(**buffer, 12, values, sizeof(values));
  EXPECT_FALSE(outside.ok());
  EXPECT_NE(outside.message().find("exceeds a buffer of 16"),
            std::string::npos);
}

// Decode's graphs are on unless QF_CUDA_GRAPHS=0 (test/e2e/cuda-graphs.mlir
// runs them); the note the tools print says which.
TEST_F(CudaDeviceTest, GraphsNote) {
  useLibrary(QF_FAKE_CUDA);
  Result<std::unique_ptr<Device>> on = createDevice("cuda:0");
  ASSERT_TRUE(on.ok()) << on.message();
  // The fake is a 9.0 device with cuLaunchKernelEx; nothing is loaded yet.
  const std::string noExecutable =
      "programmatic launch: off (the executable's kernels do not wait for "
      "their prerequisites: compiled for a chip before sm_90)";
  EXPECT_EQ((*on)->executionNote(), "cuda graphs: on, 0 steps replayed, 0 "
                                    "instantiations, 0 node updates\n" +
                                        noExecutable);
  setenv("QF_CUDA_GRAPHS", "0", 1);
  setenv("QF_CUDA_PDL", "0", 1);
  Result<std::unique_ptr<Device>> off = createDevice("cuda:0");
  unsetenv("QF_CUDA_GRAPHS");
  unsetenv("QF_CUDA_PDL");
  ASSERT_TRUE(off.ok()) << off.message();
  EXPECT_EQ((*off)->executionNote(), "cuda graphs: off (QF_CUDA_GRAPHS=0)\n"
                                     "programmatic launch: off (QF_CUDA_PDL=0)");
}

TEST_F(CudaDeviceTest, OrdinalOutOfRange) {
  useLibrary(QF_FAKE_CUDA);
  Result<std::unique_ptr<Device>> device = createDevice("cuda:3");
  ASSERT_FALSE(device.ok());
  EXPECT_NE(device.message().find("there are 1 CUDA devices"),
            std::string::npos)
      << device.message();
}

TEST_F(CudaDeviceTest, RejectsNonElfExecutables) {
  useLibrary(QF_FAKE_CUDA);
  Result<std::unique_ptr<Device>> device = createDevice("cuda:0");
  ASSERT_TRUE(device.ok()) << device.message();
  const uint8_t bytes[] = {'n', 'o', 't', ' ', 'e', 'l', 'f'};
  ExecutableSource source{"executable 0",
                          "elf-shared-object",
                          bytes,
                          sizeof(bytes),
                          {"qf_prefill"}};
  Result<std::unique_ptr<LoadedExecutable>> loaded =
      (*device)->loadExecutable(source);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.message(), "executable 0: not an ELF shared object");
}

} // namespace
