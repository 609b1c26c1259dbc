//===- FuzzSafetensors.cpp - fuzz the safetensors reader and writer -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/GGMLQuants.h"
#include "runtime/io/Safetensors.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace qf;
using namespace qf::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Result<SafetensorsFile> file =
      SafetensorsFile::openFromMemory({data, size}, "fuzz.safetensors");
  if (!file.ok()) {
    if (file.message().rfind("fuzz.safetensors: ", 0) != 0)
      std::abort(); // every error names the file
    return 0;
  }

  for (const TensorInfo &info : file->tensors()) {
    ByteSpan bytes = file->bytes(info);
    if (bytes.data < data || bytes.size > size_t(data + size - bytes.data))
      std::abort();
    if (file->find(info.name) != &info)
      std::abort();
    if (!canDequantize(info.dtype))
      continue;
    std::vector<float> values(info.byteSize / bytesPerBlock(info.dtype));
    if (!dequantize(info.dtype, bytes, values.data(), values.size()).ok())
      std::abort();
  }

  // Whatever the reader accepts, the writer takes, and its output reads back
  // to the same file: copying is idempotent.
  Result<SafetensorsWriter> copy = SafetensorsWriter::fromFile(*file);
  if (!copy.ok())
    std::abort();
  std::vector<uint8_t> image = copy->serialize();
  Result<SafetensorsFile> reread = SafetensorsFile::openFromMemory(
      {image.data(), image.size()}, "copy.safetensors");
  if (!reread.ok())
    std::abort();
  Result<SafetensorsWriter> again = SafetensorsWriter::fromFile(*reread);
  if (!again.ok() || again->serialize() != image)
    std::abort();
  return 0;
}
