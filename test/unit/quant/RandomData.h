//===- RandomData.h - reproducible random data for quantization tests ------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTFORGE_TEST_UNIT_QUANT_RANDOMDATA_H
#define QUANTFORGE_TEST_UNIT_QUANT_RANDOMDATA_H

#include <cstdint>
#include <random>
#include <vector>

namespace qf::quant::testing {

/// `count` draws of N(0, sigma^2) from a generator seeded with `seed`.
inline std::vector<float> randomNormal(int64_t count, unsigned seed,
                                       float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, sigma);
  std::vector<float> v(count);
  for (float &x : v)
    x = normal(rng);
  return v;
}

} // namespace qf::quant::testing

#endif // QUANTFORGE_TEST_UNIT_QUANT_RANDOMDATA_H
