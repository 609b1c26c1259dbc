//===- CpuDevice.h - the host CPU driver ------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Runs ELF shared objects compiled for the host: the bytes go to an
// anonymous memory file (memfd_create; a private temporary file where that
// is missing) which is dlopen()ed, and each dispatch calls
// `void SYMBOL(void **args)` with MLIR memref descriptors built per
// docs/artifact-and-abi.md.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_DRIVER_CPU_CPUDEVICE_H
#define QUANTFORGE_RUNTIME_DRIVER_CPU_CPUDEVICE_H

#include "runtime/driver/Device.h"
#include "runtime/driver/HostCode.h"

namespace qf {

/// The artifact target the CPU driver runs: "cpu-" + the host architecture
/// ("cpu-x86_64").
const char *hostCpuTarget();

std::unique_ptr<Device> createCpuDevice();

} // namespace qf

#endif // QUANTFORGE_RUNTIME_DRIVER_CPU_CPUDEVICE_H
