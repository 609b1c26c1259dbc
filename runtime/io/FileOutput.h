//===- FileOutput.h - write a serializer's bytes to memory or a file -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_IO_FILEOUTPUT_H
#define QUANTFORGE_RUNTIME_IO_FILEOUTPUT_H

#include "runtime/support/Status.h"

#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

namespace qf::io {

/// The bytes `write` produces on a stream.
inline std::vector<uint8_t>
serializeToMemory(const std::function<void(std::ostream &)> &write) {
  std::ostringstream out;
  write(out);
  std::string bytes = out.str();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

/// Writes what `write` produces to `path`; errors name the file.
inline Status
serializeToFile(const std::string &path,
                const std::function<void(std::ostream &)> &write) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return Status::error(path + ": cannot create the file");
  write(out);
  out.close();
  if (!out)
    return Status::error(path + ": write failed");
  return Status();
}

} // namespace qf::io

#endif // QUANTFORGE_RUNTIME_IO_FILEOUTPUT_H
