//===- GGMLQuants.cpp - ggml block formats to and from float --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Each block function follows the arithmetic of its llama.cpp counterpart
// operation for operation (same products, same order, int-to-float where C
// converts), and the file is compiled with -ffp-contract=off so that no
// product-sum becomes an FMA: that is what makes the results bit-exact.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/GGMLQuants.h"

#include "runtime/io/ByteOrder.h"
#include "runtime/support/Float16.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace qf::io {

namespace {

float loadHalf(const uint8_t *bytes) {
  return halfToFloat(loadLE<uint16_t>(bytes));
}

void storeHalf(uint8_t *bytes, float value) {
  uint16_t half = floatToHalf(value);
  std::memcpy(bytes, &half, sizeof(half));
}

//===----------------------------------------------------------------------===//
// Plain types (a "block" of one element)
//===----------------------------------------------------------------------===//

void decodeF32(const uint8_t *block, float *out) {
  *out = loadLE<float>(block);
}
void decodeF16(const uint8_t *block, float *out) { *out = loadHalf(block); }
void decodeBF16(const uint8_t *block, float *out) {
  *out = bfloat16ToFloat(loadLE<uint16_t>(block));
}

void encodeF32(const float *in, uint8_t *block) {
  std::memcpy(block, in, sizeof(float));
}
void encodeF16(const float *in, uint8_t *block) { storeHalf(block, *in); }
void encodeBF16(const float *in, uint8_t *block) {
  uint16_t value = floatToBfloat16(*in);
  std::memcpy(block, &value, sizeof(value));
}

//===----------------------------------------------------------------------===//
// 32-element blocks
//===----------------------------------------------------------------------===//

/// block_q8_0: f16 d; int8 qs[32]. x = qs * d.
void decodeQ8_0(const uint8_t *block, float *out) {
  float d = loadHalf(block);
  const int8_t *qs = reinterpret_cast<const int8_t *>(block + 2);
  for (int j = 0; j < 32; ++j)
    out[j] = float(qs[j]) * d;
}

/// block_q4_0: f16 d; u8 qs[16]; low nibbles are elements 0..15, high
/// nibbles 16..31. x = (q - 8) * d.
void decodeQ4_0(const uint8_t *block, float *out) {
  float d = loadHalf(block);
  const uint8_t *qs = block + 2;
  for (int j = 0; j < 16; ++j) {
    out[j] = float((qs[j] & 0x0F) - 8) * d;
    out[j + 16] = float((qs[j] >> 4) - 8) * d;
  }
}

/// block_q4_1: f16 d, m; u8 qs[16] as in Q4_0. x = q * d + m.
void decodeQ4_1(const uint8_t *block, float *out) {
  float d = loadHalf(block);
  float m = loadHalf(block + 2);
  const uint8_t *qs = block + 4;
  for (int j = 0; j < 16; ++j) {
    out[j] = float(qs[j] & 0x0F) * d + m;
    out[j + 16] = float(qs[j] >> 4) * d + m;
  }
}

/// roundf into int8 as quantize_row_q8_0_ref does. Where its C conversion is
/// undefined (1/d overflowed in a block of denormals, so x * id is not
/// finite) this gives 0, which is what x86 computes; d is then 0 anyway.
int8_t roundToInt8(float value) {
  if (!std::isfinite(value))
    return 0;
  return int8_t(std::clamp(std::round(value), -128.0f, 127.0f));
}

/// MIN(15, (int8_t)value) as quantize_row_q4_0_ref writes it; finite blocks
/// give values in [0.5, 16.5], the rest is handled as in roundToInt8.
uint8_t toNibble(float value) {
  if (!std::isfinite(value))
    return 0;
  return value >= 15.0f ? 15 : uint8_t(value);
}

void encodeQ8_0(const float *in, uint8_t *block) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j)
    amax = std::max(amax, std::fabs(in[j]));
  float d = amax / 127.0f;
  float id = d != 0.0f ? 1.0f / d : 0.0f;
  storeHalf(block, d);
  for (int j = 0; j < 32; ++j)
    block[2 + j] = uint8_t(roundToInt8(in[j] * id));
}

void encodeQ4_0(const float *in, uint8_t *block) {
  // The signed value of largest magnitude (the first, on ties) maps to -8,
  // using the one extra level on the negative side.
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; ++j)
    if (amax < std::fabs(in[j])) {
      amax = std::fabs(in[j]);
      max = in[j];
    }
  float d = max / -8.0f;
  float id = d != 0.0f ? 1.0f / d : 0.0f;
  storeHalf(block, d);
  for (int j = 0; j < 16; ++j) {
    float x0 = in[j] * id;
    float x1 = in[j + 16] * id;
    block[2 + j] = uint8_t(toNibble(x0 + 8.5f) | (toNibble(x1 + 8.5f) << 4));
  }
}

//===----------------------------------------------------------------------===//
// 256-element K-quant super-blocks
//===----------------------------------------------------------------------===//

/// The 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes of
/// Q4_K and Q5_K: sub-blocks 0..3 sit in the low 6 bits of bytes j and j+4;
/// 4..7 keep their low 4 bits in byte j+4 and their top 2 bits in the spare
/// top bits of bytes j-4 (scale) and j (min). llama.cpp: get_scale_min_k4.
void scaleMinK4(int j, const uint8_t *scales, uint8_t &scale, uint8_t &min) {
  if (j < 4) {
    scale = scales[j] & 63;
    min = scales[j + 4] & 63;
  } else {
    scale = (scales[j + 4] & 0x0F) | ((scales[j - 4] >> 6) << 4);
    min = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
  }
}

/// block_q4_K: f16 d, dmin; u8 scales[12]; u8 qs[128]. Each 32 bytes of qs
/// hold two sub-blocks of 32: low nibbles first, then high nibbles.
/// x = d * scale * q - dmin * min.
void decodeQ4_K(const uint8_t *block, float *out) {
  float d = loadHalf(block);
  float dmin = loadHalf(block + 2);
  const uint8_t *scales = block + 4;
  const uint8_t *qs = block + 16;
  for (int sub = 0; sub < 8; sub += 2, qs += 32) {
    uint8_t scale, min;
    scaleMinK4(sub, scales, scale, min);
    float d1 = d * float(scale), m1 = dmin * float(min);
    scaleMinK4(sub + 1, scales, scale, min);
    float d2 = d * float(scale), m2 = dmin * float(min);
    for (int l = 0; l < 32; ++l)
      *out++ = d1 * float(qs[l] & 0x0F) - m1;
    for (int l = 0; l < 32; ++l)
      *out++ = d2 * float(qs[l] >> 4) - m2;
  }
}

/// block_q5_K: Q4_K plus u8 qh[32] (before qs) with the fifth bits: sub-block
/// s takes bit s of qh[l].
void decodeQ5_K(const uint8_t *block, float *out) {
  float d = loadHalf(block);
  float dmin = loadHalf(block + 2);
  const uint8_t *scales = block + 4;
  const uint8_t *qh = block + 16;
  const uint8_t *qs = block + 48;
  for (int sub = 0; sub < 8; sub += 2, qs += 32) {
    uint8_t scale, min;
    scaleMinK4(sub, scales, scale, min);
    float d1 = d * float(scale), m1 = dmin * float(min);
    scaleMinK4(sub + 1, scales, scale, min);
    float d2 = d * float(scale), m2 = dmin * float(min);
    uint8_t lowBit = uint8_t(1u << sub), highBit = uint8_t(2u << sub);
    for (int l = 0; l < 32; ++l)
      *out++ = d1 * float((qs[l] & 0x0F) + (qh[l] & lowBit ? 16 : 0)) - m1;
    for (int l = 0; l < 32; ++l)
      *out++ = d2 * float((qs[l] >> 4) + (qh[l] & highBit ? 16 : 0)) - m2;
  }
}

/// block_q6_K: u8 ql[128] (low 4 bits); u8 qh[64] (high 2 bits); int8
/// scales[16]; f16 d. Each half of 128 elements uses 64 bytes of ql, 32 of
/// qh and 8 scales; element l + 32k takes the nibble and bit pair k of its
/// bytes. x = d * scale * (q - 32).
void decodeQ6_K(const uint8_t *block, float *out) {
  const uint8_t *ql = block;
  const uint8_t *qh = block + 128;
  const int8_t *scales = reinterpret_cast<const int8_t *>(block + 192);
  float d = loadHalf(block + 208);
  for (int half = 0; half < 2;
       ++half, out += 128, ql += 64, qh += 32, scales += 8) {
    for (int l = 0; l < 32; ++l) {
      int is = l / 16;
      int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
      int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
      int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      out[l] = d * float(scales[is]) * float(q1);
      out[l + 32] = d * float(scales[is + 2]) * float(q2);
      out[l + 64] = d * float(scales[is + 4]) * float(q3);
      out[l + 96] = d * float(scales[is + 6]) * float(q4);
    }
  }
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

using DecodeFn = void (*)(const uint8_t *, float *, uint64_t blocks,
                          DType type);
using EncodeFn = void (*)(const float *, uint8_t *, uint64_t blocks,
                          DType type);

/// Loops over blocks with the block function inlined (plain types have one
/// element per block).
template <void (*Decode)(const uint8_t *, float *)>
void decodeBlocks(const uint8_t *src, float *dst, uint64_t blocks, DType type) {
  uint32_t bytes = bytesPerBlock(type), elements = blockSize(type);
  for (uint64_t b = 0; b < blocks; ++b)
    Decode(src + b * bytes, dst + b * elements);
}

template <void (*Encode)(const float *, uint8_t *)>
void encodeBlocks(const float *src, uint8_t *dst, uint64_t blocks, DType type) {
  uint32_t bytes = bytesPerBlock(type), elements = blockSize(type);
  for (uint64_t b = 0; b < blocks; ++b)
    Encode(src + b * elements, dst + b * bytes);
}

struct Codec {
  DType type;
  DecodeFn decode;
  EncodeFn encode; ///< null for decode-only types
};

const Codec kCodecs[] = {
    {DType::F32, decodeBlocks<decodeF32>, encodeBlocks<encodeF32>},
    {DType::F16, decodeBlocks<decodeF16>, encodeBlocks<encodeF16>},
    {DType::BF16, decodeBlocks<decodeBF16>, encodeBlocks<encodeBF16>},
    {DType::Q8_0, decodeBlocks<decodeQ8_0>, encodeBlocks<encodeQ8_0>},
    {DType::Q4_0, decodeBlocks<decodeQ4_0>, encodeBlocks<encodeQ4_0>},
    {DType::Q4_1, decodeBlocks<decodeQ4_1>, nullptr},
    {DType::Q4_K, decodeBlocks<decodeQ4_K>, nullptr},
    {DType::Q5_K, decodeBlocks<decodeQ5_K>, nullptr},
    {DType::Q6_K, decodeBlocks<decodeQ6_K>, nullptr},
};

const Codec *codecFor(DType type) {
  for (const Codec &codec : kCodecs)
    if (codec.type == type)
      return &codec;
  return nullptr;
}

/// The number of blocks of `count` elements of `type`, or an error unless
/// `bytes` is exactly their size.
Result<uint64_t> countBlocks(DType type, uint64_t count, uint64_t bytes,
                             const char *what) {
  uint64_t blocks = count / blockSize(type);
  if (count % blockSize(type) != 0)
    return Status::error(std::to_string(count) + " elements of " +
                         dtypeName(type) + " are not whole blocks of " +
                         std::to_string(blockSize(type)));
  uint64_t needed;
  if (__builtin_mul_overflow(blocks, uint64_t(bytesPerBlock(type)), &needed) ||
      needed != bytes)
    return Status::error(std::string(what) + " holds " + std::to_string(bytes) +
                         " bytes but " + std::to_string(count) +
                         " elements of " + dtypeName(type) + " take " +
                         std::to_string(blocks * bytesPerBlock(type)));
  return blocks;
}

} // namespace

bool canDequantize(DType type) { return codecFor(type) != nullptr; }

bool canQuantize(DType type) {
  const Codec *codec = codecFor(type);
  return codec && codec->encode;
}

Status dequantize(DType type, ByteSpan src, float *dst, uint64_t count) {
  if (!canDequantize(type))
    return Status::error(std::string("dequantizing ") + dtypeName(type) +
                         " is not supported");
  Result<uint64_t> blocks = countBlocks(type, count, src.size, "the source");
  if (!blocks.ok())
    return blocks.status();
  codecFor(type)->decode(src.data, dst, *blocks, type);
  return Status();
}

Status quantize(DType type, const float *src, uint64_t count, uint8_t *dst,
                uint64_t dstSize) {
  if (!canQuantize(type))
    return Status::error(std::string("quantizing to ") + dtypeName(type) +
                         " is not supported");
  Result<uint64_t> blocks =
      countBlocks(type, count, dstSize, "the destination");
  if (!blocks.ok())
    return blocks.status();
  if (isBlockQuantized(type))
    for (uint64_t i = 0; i < count; ++i)
      if (!std::isfinite(src[i]))
        return Status::error("element " + std::to_string(i) + " is " +
                             std::to_string(src[i]) + "; " + dtypeName(type) +
                             " needs finite values");
  codecFor(type)->encode(src, dst, *blocks, type);
  return Status();
}

} // namespace qf::io
