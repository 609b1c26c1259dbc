//===- FuzzGGUF.cpp - fuzz the GGUF reader and writer ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/GGMLQuants.h"
#include "runtime/io/GGUF.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace qf;
using namespace qf::io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Result<GGUFFile> file = GGUFFile::openFromMemory({data, size}, "fuzz.gguf");
  if (!file.ok()) {
    if (file.message().rfind("fuzz.gguf: ", 0) != 0)
      std::abort(); // every error names the file
    return 0;
  }

  // Accepted tensors lie inside the input, and decoding them needs no more
  // checks than the reader made.
  for (const GGUFTensorInfo &info : file->tensors()) {
    ByteSpan bytes = file->bytes(info);
    if (bytes.data < data || bytes.size > size_t(data + size - bytes.data))
      std::abort();
    if (!canDequantize(info.dtype))
      continue;
    std::vector<float> values(info.byteSize / bytesPerBlock(info.dtype) *
                              blockSize(info.dtype));
    if (!dequantize(info.dtype, bytes, values.data(), values.size()).ok())
      std::abort();
  }

  // Whatever the reader accepts, the writer takes, and its output reads back
  // to the same file: copying is idempotent.
  Result<GGUFWriter> copy = GGUFWriter::fromFile(*file);
  if (!copy.ok())
    std::abort();
  std::vector<uint8_t> image = copy->serialize();
  Result<GGUFFile> reread =
      GGUFFile::openFromMemory({image.data(), image.size()}, "copy.gguf");
  if (!reread.ok())
    std::abort();
  Result<GGUFWriter> again = GGUFWriter::fromFile(*reread);
  if (!again.ok() || again->serialize() != image)
    std::abort();
  return 0;
}
