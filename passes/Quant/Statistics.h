//===- Statistics.h - read calibration statistics ----------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Calibration writes one safetensors file of statistics per model
// (`<key>.hessian`, `<key>.absmean`); the passes that read it check each
// tensor's type and shape the same way.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_PASSES_QUANT_STATISTICS_H
#define QUANTFORGE_PASSES_QUANT_STATISTICS_H

#include "runtime/io/Safetensors.h"

#include <string>
#include <vector>

namespace quantforge {

/// The tensor `name` of a statistics file, F32 or F64 of exactly `shape`,
/// widened to double; errors name the file and the tensor.
qf::Result<std::vector<double>>
readStatistic(const qf::io::SafetensorsFile &file, const std::string &name,
              const std::vector<int64_t> &shape);

} // namespace quantforge

#endif // QUANTFORGE_PASSES_QUANT_STATISTICS_H
