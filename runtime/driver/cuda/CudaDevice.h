//===- CudaDevice.h - the NVIDIA GPU driver ---------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Runs executables of the "cuda" target (docs/cuda.md): host code in an ELF
// shared object whose kernels are launched through the `mgpu*` functions
// that this driver exports to it, on the CUDA driver API. libcuda.so.1 is
// opened with dlopen when a device is created, so the runtime builds and
// runs without CUDA; creating a device where there is none is an error that
// says so.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_DRIVER_CUDA_CUDADEVICE_H
#define QUANTFORGE_RUNTIME_DRIVER_CUDA_CUDADEVICE_H

#include "runtime/driver/Device.h"

namespace qf {

/// The device `ordinal` of the CUDA driver. $QF_LIBCUDA names the driver
/// library to open instead of libcuda.so.1.
Result<std::unique_ptr<Device>> createCudaDevice(int64_t ordinal);

} // namespace qf

#endif // QUANTFORGE_RUNTIME_DRIVER_CUDA_CUDADEVICE_H
