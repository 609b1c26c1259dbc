//===- CUDATarget.h - the NVIDIA GPU code generator -------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CUDA_CUDATARGET_H
#define QUANTFORGE_CODEGEN_CUDA_CUDATARGET_H

namespace quantforge::codegen {

/// Registers the "cuda" target: kernels through upstream MLIR's GPU, NVVM
/// and NVPTX path (cubin by ptxas, or PTX for the driver to compile), host
/// code as for the CPU target, linked into one ELF shared object
/// (docs/cuda.md).
void registerCUDATarget();

} // namespace quantforge::codegen

#endif // QUANTFORGE_CODEGEN_CUDA_CUDATARGET_H
