//===- Statistics.cpp - read calibration statistics -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Quant/Statistics.h"

#include <cstring>

using namespace quantforge;

qf::Result<std::vector<double>>
quantforge::readStatistic(const qf::io::SafetensorsFile &file,
                          const std::string &name,
                          const std::vector<int64_t> &shape) {
  const qf::io::TensorInfo *info = file.find(name);
  if (!info)
    return qf::Status::error(file.name() + ": no tensor '" + name + "'");
  if (info->shape != shape ||
      (info->dtype != qf::io::DType::F32 && info->dtype != qf::io::DType::F64)) {
    std::string dims;
    for (int64_t d : shape)
      dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    return qf::Status::error(file.name() + ": tensor '" + name +
                             "' must be F32 or F64 of shape [" + dims + "]");
  }
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  qf::io::ByteSpan bytes = file.bytes(*info);
  std::vector<double> values(count);
  if (info->dtype == qf::io::DType::F64) {
    std::memcpy(values.data(), bytes.data, bytes.size);
  } else {
    for (int64_t i = 0; i < count; ++i) {
      float value;
      std::memcpy(&value, bytes.data + 4 * i, 4);
      values[i] = value;
    }
  }
  return values;
}
