//===- CPUTarget.h - the host CPU code generator -----------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CPU_CPUTARGET_H
#define QUANTFORGE_CODEGEN_CPU_CPUTARGET_H

namespace quantforge::codegen {

/// Registers the "cpu" target: linalg -> loops -> LLVM, compiled for the
/// host CPU by LLVM and linked into an ELF shared object by lld.
void registerCPUTarget();

} // namespace quantforge::codegen

#endif // QUANTFORGE_CODEGEN_CPU_CPUTARGET_H
