//===- GGMLQuants.h - ggml block formats to and from float ------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Decoding of the ggml types a GGUF checkpoint typically holds, bit-exact with
// llama.cpp's reference `dequantize_row_*` (block layouts of ggml-common.h),
// and encoding to Q8_0 and Q4_0 exactly as `quantize_row_q8_0_ref` and
// `quantize_row_q4_0_ref` do, so that a file we write decodes in llama.cpp to
// the numbers we computed. F16 and BF16 convert with round to nearest even,
// as ggml's GGML_FP32_TO_FP16 and GGML_FP32_TO_BF16 do.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_RUNTIME_IO_GGMLQUANTS_H
#define QUANTFORGE_RUNTIME_IO_GGMLQUANTS_H

#include "runtime/io/DType.h"
#include "runtime/io/MappedFile.h"
#include "runtime/support/Status.h"

#include <cstdint>

namespace qf::io {

/// Whether dequantize() decodes `type`: F32, F16, BF16, Q8_0, Q4_0, Q4_1,
/// Q4_K, Q5_K, Q6_K.
bool canDequantize(DType type);
/// Whether quantize() encodes `type`: F32, F16, BF16, Q8_0, Q4_0.
bool canQuantize(DType type);

/// Decodes `count` elements (a multiple of the block size) of `type` from
/// `src`, which must hold exactly their bytes, into `dst`.
Status dequantize(DType type, ByteSpan src, float *dst, uint64_t count);

/// Encodes `count` elements (a multiple of the block size) of `src` as `type`
/// into `dst`, which must have room for exactly their bytes. The block types
/// reject non-finite inputs, whose encoding llama.cpp leaves undefined.
Status quantize(DType type, const float *src, uint64_t count, uint8_t *dst,
                uint64_t dstSize);

} // namespace qf::io

#endif // QUANTFORGE_RUNTIME_IO_GGMLQUANTS_H
