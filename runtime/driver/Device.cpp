//===- Device.cpp - the driver registry -----------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/driver/Device.h"
#include "runtime/driver/cpu/CpuDevice.h"
#ifdef QF_HAVE_CUDA_DRIVER
#include "runtime/driver/cuda/CudaDevice.h"
#endif

#include <cctype>

namespace qf {

namespace {

using DriverFactory = Result<std::unique_ptr<Device>> (*)(int64_t ordinal);

struct Driver {
  const char *name;
  /// Null when the driver is known but not built into this runtime.
  DriverFactory create;
};

Result<std::unique_ptr<Device>> createCpu(int64_t ordinal) {
  if (ordinal != 0)
    return Status::error("the cpu driver has one device, cpu:0");
  return createCpuDevice();
}

// GPU drivers register here behind their build switches.
const Driver kDrivers[] = {
    {"cpu", createCpu},
#ifdef QF_HAVE_CUDA_DRIVER
    {"cuda", createCudaDevice},
#else
    {"cuda", nullptr},
#endif
    {"hip", nullptr},
    {"vulkan", nullptr},
};

std::string join(const std::vector<std::string> &names) {
  std::string text;
  for (const std::string &name : names)
    text += (text.empty() ? "" : ", ") + name;
  return text;
}

} // namespace

std::vector<std::string> availableDrivers() {
  std::vector<std::string> names;
  for (const Driver &driver : kDrivers)
    if (driver.create)
      names.push_back(driver.name);
  return names;
}

Result<std::unique_ptr<Device>> createDevice(const std::string &spec,
                                             const std::string &context) {
  auto fail = [&](const std::string &problem) {
    return Status::error(
        (context.empty() ? "device '" + spec + "'" : context) + ": " + problem);
  };
  size_t colon = spec.find(':');
  std::string name = spec.substr(0, colon);
  int64_t ordinal = 0;
  if (colon != std::string::npos) {
    std::string digits = spec.substr(colon + 1);
    if (digits.empty() || digits.size() > 6)
      return fail("expected NAME or NAME:ORDINAL");
    for (char c : digits)
      if (!std::isdigit(static_cast<unsigned char>(c)))
        return fail("expected NAME or NAME:ORDINAL");
    ordinal = std::stoll(digits);
  }
  std::vector<std::string> known;
  for (const Driver &driver : kDrivers) {
    known.push_back(driver.name);
    if (name != driver.name)
      continue;
    if (!driver.create)
      return fail("the " + name +
                  " driver is not built into this runtime (available: " +
                  join(availableDrivers()) + ")");
    Result<std::unique_ptr<Device>> device = driver.create(ordinal);
    if (!device)
      return fail(device.message());
    return device;
  }
  return fail("unknown driver (known: " + join(known) +
              "; available: " + join(availableDrivers()) + ")");
}

} // namespace qf
