//===- PackedWeights.cpp - GPTQ and AWQ checkpoint layouts ----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/PackedWeights.h"

#include "runtime/support/Float16.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

namespace qf::quant {

namespace {

/// AutoGPTQ packs every width (3 bits included) as one little-endian bit
/// stream through consecutive int32 words: value i occupies bits
/// [i*bits, (i+1)*bits) of the stream.
uint32_t readBits(const int32_t *words, int64_t index, int bits) {
  int64_t bit = index * bits;
  uint64_t pair = uint32_t(words[bit / 32]);
  if (bit % 32 + bits > 32)
    pair |= uint64_t(uint32_t(words[bit / 32 + 1])) << 32;
  return uint32_t(pair >> (bit % 32)) & ((1u << bits) - 1);
}

void writeBits(int32_t *words, int64_t index, int bits, uint32_t value) {
  int64_t bit = index * bits;
  uint64_t shifted = uint64_t(value) << (bit % 32);
  words[bit / 32] = int32_t(uint32_t(words[bit / 32]) | uint32_t(shifted));
  if (bit % 32 + bits > 32)
    words[bit / 32 + 1] =
        int32_t(uint32_t(words[bit / 32 + 1]) | uint32_t(shifted >> 32));
}

/// AutoAWQ's GEMM layout puts output channel kAWQOrder[i] of each group of
/// eight in nibble i of the word.
constexpr int kAWQOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

Status checkShape(const UnpackedWeight &w) {
  if (w.bits < 2 || w.bits > 8 || w.rows <= 0 || w.cols <= 0 ||
      w.groupSize <= 0 || w.cols % w.groupSize != 0)
    return Status::error("bad quantized weight shape");
  if (int64_t(w.q.size()) != w.rows * w.cols ||
      int64_t(w.scales.size()) != w.rows * w.numGroups() ||
      int64_t(w.zeros.size()) != w.rows * w.numGroups() ||
      (!w.gIdx.empty() && int64_t(w.gIdx.size()) != w.cols))
    return Status::error("quantized weight buffers do not match its shape");
  return Status();
}

Status checkGroupIndex(const std::vector<int32_t> &gIdx, int64_t groups) {
  for (size_t c = 0; c < gIdx.size(); ++c)
    if (gIdx[c] < 0 || gIdx[c] >= groups)
      return Status::error("g_idx[" + std::to_string(c) + "] = " +
                           std::to_string(gIdx[c]) + " is not a group (" +
                           std::to_string(groups) + " groups)");
  return Status();
}

} // namespace

std::vector<float> UnpackedWeight::dequantize() const {
  std::vector<float> result(size_t(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      result[r * cols + c] = at(r, c);
  return result;
}

namespace {
/// Writes `count` values of `bits` bits as a little-endian bit stream.
void packRow(const uint8_t *values, int64_t count, int bits, uint8_t *out) {
  for (int64_t i = 0; i < count; ++i)
    for (int b = 0; b < bits; ++b)
      if ((values[i] >> b) & 1) {
        int64_t bit = i * bits + b;
        out[bit / 8] |= uint8_t(1u << (bit % 8));
      }
}

uint8_t unpackValue(const uint8_t *row, int64_t index, int bits) {
  uint32_t value = 0;
  for (int b = 0; b < bits; ++b) {
    int64_t bit = index * bits + b;
    value |= uint32_t((row[bit / 8] >> (bit % 8)) & 1) << b;
  }
  return uint8_t(value);
}
} // namespace

Result<CanonicalTensors> packCanonical(const UnpackedWeight &w, bool symmetric,
                                       bool f16Scales) {
  QF_RETURN_IF_ERROR(checkShape(w));
  int64_t groups = w.numGroups();
  int64_t rowBytes = packedRowBytes(w.cols, w.bits);
  int64_t zeroBytes = packedRowBytes(groups, w.bits);
  CanonicalTensors t;
  t.gIdx = w.gIdx;
  t.qweight.assign(w.rows * rowBytes, 0);
  for (int64_t r = 0; r < w.rows; ++r)
    packRow(&w.q[r * w.cols], w.cols, w.bits, &t.qweight[r * rowBytes]);
  if (!symmetric) {
    t.zeros.assign(w.rows * zeroBytes, 0);
    for (int64_t r = 0; r < w.rows; ++r)
      packRow(&w.zeros[r * groups], groups, w.bits, &t.zeros[r * zeroBytes]);
  }
  size_t scaleSize = f16Scales ? 2 : 4;
  t.scales.resize(w.scales.size() * scaleSize);
  for (size_t i = 0; i < w.scales.size(); ++i) {
    if (f16Scales) {
      uint16_t half = floatToHalf(w.scales[i]);
      std::memcpy(&t.scales[i * 2], &half, 2);
    } else {
      std::memcpy(&t.scales[i * 4], &w.scales[i], 4);
    }
  }
  return t;
}

Result<UnpackedWeight> unpackCanonical(const CanonicalTensors &t, int64_t rows,
                                       int64_t cols, int bits,
                                       int64_t groupSize, bool symmetric,
                                       bool f16Scales) {
  if (bits < 2 || bits > 8 || rows <= 0 || cols <= 0 || groupSize <= 0 ||
      cols % groupSize)
    return Status::error("bad canonical weight shape");
  int64_t groups = cols / groupSize;
  int64_t rowBytes = packedRowBytes(cols, bits);
  int64_t zeroBytes = packedRowBytes(groups, bits);
  size_t scaleSize = f16Scales ? 2 : 4;
  if (int64_t(t.qweight.size()) != rows * rowBytes ||
      int64_t(t.scales.size()) != int64_t(rows * groups * scaleSize) ||
      (!symmetric && int64_t(t.zeros.size()) != rows * zeroBytes) ||
      (!t.gIdx.empty() && int64_t(t.gIdx.size()) != cols))
    return Status::error("canonical tensors do not match the weight shape");
  QF_RETURN_IF_ERROR(checkGroupIndex(t.gIdx, groups));
  UnpackedWeight w;
  w.rows = rows, w.cols = cols, w.bits = bits, w.groupSize = groupSize;
  w.gIdx = t.gIdx;
  w.q.resize(rows * cols);
  w.scales.resize(rows * groups);
  w.zeros.assign(rows * groups, uint8_t(1 << (bits - 1)));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c)
      w.q[r * cols + c] = unpackValue(&t.qweight[r * rowBytes], c, bits);
    for (int64_t g = 0; g < groups; ++g) {
      if (!symmetric)
        w.zeros[r * groups + g] = unpackValue(&t.zeros[r * zeroBytes], g, bits);
      int64_t i = r * groups + g;
      if (f16Scales) {
        uint16_t half;
        std::memcpy(&half, &t.scales[i * 2], 2);
        w.scales[i] = halfToFloat(half);
      } else {
        std::memcpy(&w.scales[i], &t.scales[i * 4], 4);
      }
    }
  }
  return w;
}

Result<GPTQTensors> packGPTQ(const UnpackedWeight &w, bool v2) {
  QF_RETURN_IF_ERROR(checkShape(w));
  if ((w.cols * w.bits) % 32 || (w.rows * w.bits) % 32)
    return Status::error("GPTQ needs rows and cols whose bit length is a "
                         "multiple of 32");
  int64_t groups = w.numGroups(), mask = (1 << w.bits) - 1;
  GPTQTensors t;
  t.qweight.assign(w.cols * w.bits / 32 * w.rows, 0);
  t.qzeros.assign(groups * w.rows * w.bits / 32, 0);
  t.scales.resize(groups * w.rows);
  // qweight is [cols*bits/32, rows]: column r holds row r's stream of values.
  std::vector<int32_t> stream(w.cols * w.bits / 32);
  for (int64_t r = 0; r < w.rows; ++r) {
    std::fill(stream.begin(), stream.end(), 0);
    for (int64_t c = 0; c < w.cols; ++c)
      writeBits(stream.data(), c, w.bits, w.q[r * w.cols + c]);
    for (size_t i = 0; i < stream.size(); ++i)
      t.qweight[i * w.rows + r] = stream[i];
  }
  for (int64_t g = 0; g < groups; ++g) {
    int32_t *zeroRow = &t.qzeros[g * w.rows * w.bits / 32];
    for (int64_t r = 0; r < w.rows; ++r) {
      uint32_t zero = w.zeros[r * groups + g];
      writeBits(zeroRow, r, w.bits, v2 ? zero : (zero - 1) & mask);
      t.scales[g * w.rows + r] = floatToHalf(w.scales[r * groups + g]);
    }
  }
  t.gIdx.resize(w.cols);
  for (int64_t c = 0; c < w.cols; ++c)
    t.gIdx[c] = int32_t(w.groupOf(c));
  return t;
}

Result<UnpackedWeight> unpackGPTQ(const GPTQTensors &t, int64_t rows,
                                  int64_t cols, int bits, int64_t groupSize,
                                  bool v2) {
  UnpackedWeight w;
  w.rows = rows, w.cols = cols, w.bits = bits, w.groupSize = groupSize;
  if (bits < 2 || bits > 8 || rows <= 0 || cols <= 0 || groupSize <= 0 ||
      cols % groupSize || (cols * bits) % 32 || (rows * bits) % 32)
    return Status::error("bad GPTQ layer shape");
  int64_t groups = cols / groupSize, mask = (1 << bits) - 1;
  if (int64_t(t.qweight.size()) != cols * bits / 32 * rows ||
      int64_t(t.qzeros.size()) != groups * rows * bits / 32 ||
      int64_t(t.scales.size()) != groups * rows ||
      (!t.gIdx.empty() && int64_t(t.gIdx.size()) != cols))
    return Status::error("GPTQ tensors do not match the layer shape");
  QF_RETURN_IF_ERROR(checkGroupIndex(t.gIdx, groups));
  w.q.resize(rows * cols);
  w.scales.resize(rows * groups);
  w.zeros.resize(rows * groups);
  w.gIdx = t.gIdx;
  std::vector<int32_t> stream(cols * bits / 32);
  for (int64_t r = 0; r < rows; ++r) {
    for (size_t i = 0; i < stream.size(); ++i)
      stream[i] = t.qweight[i * rows + r];
    for (int64_t c = 0; c < cols; ++c)
      w.q[r * cols + c] = uint8_t(readBits(stream.data(), c, bits));
  }
  for (int64_t g = 0; g < groups; ++g) {
    const int32_t *zeroRow = &t.qzeros[g * rows * bits / 32];
    for (int64_t r = 0; r < rows; ++r) {
      uint32_t stored = readBits(zeroRow, r, bits);
      w.zeros[r * groups + g] = uint8_t(v2 ? stored : (stored + 1) & mask);
      w.scales[r * groups + g] = halfToFloat(t.scales[g * rows + r]);
    }
  }
  return w;
}

Result<AWQTensors> packAWQ(const UnpackedWeight &w) {
  QF_RETURN_IF_ERROR(checkShape(w));
  if (w.bits != 4 || w.rows % 8 || !w.gIdx.empty())
    return Status::error("AWQ GEMM needs 4 bits, rows divisible by 8 and no "
                         "act-order");
  int64_t groups = w.numGroups(), words = w.rows / 8;
  AWQTensors t;
  t.qweight.assign(w.cols * words, 0);
  t.qzeros.assign(groups * words, 0);
  t.scales.resize(groups * w.rows);
  auto pack = [&](int32_t *row, auto valueOfChannel) {
    for (int64_t word = 0; word < words; ++word) {
      uint32_t packed = 0;
      for (int i = 0; i < 8; ++i)
        packed |= uint32_t(valueOfChannel(word * 8 + kAWQOrder[i])) << (4 * i);
      row[word] = int32_t(packed);
    }
  };
  for (int64_t c = 0; c < w.cols; ++c)
    pack(&t.qweight[c * words], [&](int64_t r) { return w.q[r * w.cols + c]; });
  for (int64_t g = 0; g < groups; ++g) {
    pack(&t.qzeros[g * words], [&](int64_t r) { return w.zeros[r * groups + g]; });
    for (int64_t r = 0; r < w.rows; ++r)
      t.scales[g * w.rows + r] = floatToHalf(w.scales[r * groups + g]);
  }
  return t;
}

Result<UnpackedWeight> unpackAWQ(const AWQTensors &t, int64_t rows,
                                 int64_t cols, int64_t groupSize) {
  if (rows <= 0 || cols <= 0 || rows % 8 || groupSize <= 0 || cols % groupSize)
    return Status::error("bad AWQ layer shape");
  int64_t groups = cols / groupSize, words = rows / 8;
  if (int64_t(t.qweight.size()) != cols * words ||
      int64_t(t.qzeros.size()) != groups * words ||
      int64_t(t.scales.size()) != groups * rows)
    return Status::error("AWQ tensors do not match the layer shape");
  UnpackedWeight w;
  w.rows = rows, w.cols = cols, w.bits = 4, w.groupSize = groupSize;
  w.q.resize(rows * cols);
  w.scales.resize(rows * groups);
  w.zeros.resize(rows * groups);
  auto unpack = [&](const int32_t *row, auto store) {
    for (int64_t word = 0; word < words; ++word)
      for (int i = 0; i < 8; ++i)
        store(word * 8 + kAWQOrder[i], (uint32_t(row[word]) >> (4 * i)) & 0xF);
  };
  for (int64_t c = 0; c < cols; ++c)
    unpack(&t.qweight[c * words],
           [&](int64_t r, uint32_t v) { w.q[r * cols + c] = uint8_t(v); });
  for (int64_t g = 0; g < groups; ++g) {
    unpack(&t.qzeros[g * words], [&](int64_t r, uint32_t v) {
      w.zeros[r * groups + g] = uint8_t(v);
    });
    for (int64_t r = 0; r < rows; ++r)
      w.scales[r * groups + g] = halfToFloat(t.scales[g * rows + r]);
  }
  return w;
}

Result<GroupSortedWeight> sortColumnsByGroup(const UnpackedWeight &weight) {
  QF_RETURN_IF_ERROR(checkShape(weight));
  QF_RETURN_IF_ERROR(checkGroupIndex(weight.gIdx, weight.numGroups()));
  GroupSortedWeight sorted{weight, std::vector<int32_t>(size_t(weight.cols))};
  std::iota(sorted.perm.begin(), sorted.perm.end(), 0);
  if (weight.gIdx.empty())
    return sorted;
  std::vector<int64_t> count(size_t(weight.numGroups()), 0);
  for (int32_t g : weight.gIdx)
    ++count[size_t(g)];
  for (size_t g = 0; g < count.size(); ++g)
    if (count[g] != weight.groupSize)
      return Status::error("act-order group " + std::to_string(g) + " has " +
                           std::to_string(count[g]) + " columns, expected " +
                           std::to_string(weight.groupSize));
  std::stable_sort(sorted.perm.begin(), sorted.perm.end(),
                   [&](int32_t a, int32_t b) {
                     return weight.gIdx[size_t(a)] < weight.gIdx[size_t(b)];
                   });
  for (int64_t r = 0; r < weight.rows; ++r)
    for (int64_t j = 0; j < weight.cols; ++j)
      sorted.weight.q[size_t(r * weight.cols + j)] =
          weight.q[size_t(r * weight.cols + sorted.perm[size_t(j)])];
  sorted.weight.gIdx.clear();
  return sorted;
}

} // namespace qf::quant
