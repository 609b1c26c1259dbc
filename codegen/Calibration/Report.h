//===- Report.h - the per-layer quantization report --------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_CODEGEN_CALIBRATION_REPORT_H
#define QUANTFORGE_CODEGEN_CALIBRATION_REPORT_H

#include "codegen/Calibration/Sequential.h"

#include <string>
#include <vector>

namespace quantforge::codegen {

/// Where the report's numbers came from.
struct ReportContext {
  std::string model;
  CalibrationOptions calibration;
};

/// Writes `path`.json (one object per weight: key, method, bits,
/// group_size, error before/after, seconds, alpha/clip when set) and
/// `path`.html (a self-contained page: the same table and an inline SVG plot
/// of the errors per weight). Returns "" or the error.
std::string writeQuantizationReport(const std::string &path,
                                    const ReportContext &context,
                                    const std::vector<LinearReport> &linears);

} // namespace quantforge::codegen

#endif // QUANTFORGE_CODEGEN_CALIBRATION_REPORT_H
