//===- bench_gptq.cpp - GPTQ on Llama-7B-sized layers ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Times quantizeGPTQ (4 bits, groups of 128, blocks of 128, asymmetric) on a
// 4096x4096 and an 11008x4096 layer: random weights, H accumulated from 2048
// random correlated input tokens (4 sequences of 512). Prints a table and
// writes bench/results/gptq.json. The output error tr(E H E^T) of GPTQ is
// compared to RTN's to show that the time bought something.
//
//   bench-gptq [--out FILE] [--threads N]
//
//===----------------------------------------------------------------------===//

#include "runtime/quant/GPTQ.h"
#include "runtime/quant/LinearAlgebra.h"
#include "runtime/quant/RTN.h"

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

using namespace qf;
using namespace qf::quant;

namespace {

constexpr int64_t Cols = 4096, Tokens = 2048, Sequences = 4, Latent = 512;

std::vector<float> randomNormal(int64_t count, unsigned seed, float sigma) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, sigma);
  std::vector<float> v(count);
  for (float &x : v)
    x = normal(rng);
  return v;
}

/// Tokens whose channels mix Latent factors, plus a little noise.
std::vector<float> correlatedInputs(int threads) {
  std::vector<float> z = randomNormal(Tokens * Latent, 1, 1.0f);
  std::vector<float> mix =
      randomNormal(Latent * Cols, 2, 1.0f / std::sqrt(float(Latent)));
  std::vector<float> x = randomNormal(Tokens * Cols, 3, 0.1f);
  gemm<float>(false, false, Tokens, Cols, Latent, 1.0f, z.data(), Latent,
              mix.data(), Cols, x.data(), Cols, threads);
  return x;
}

/// tr((W - Q) H (W - Q)^T), a slice of rows at a time.
double outputError(const std::vector<float> &w, const std::vector<float> &q,
                   const std::vector<double> &h, int64_t rows, int threads) {
  constexpr int64_t Slice = 512;
  double total = 0.0;
  for (int64_t r0 = 0; r0 < rows; r0 += Slice) {
    int64_t count = std::min(Slice, rows - r0);
    std::vector<double> e(count * Cols), eh(count * Cols, 0.0);
    for (int64_t i = 0; i < count * Cols; ++i)
      e[i] = double(w[r0 * Cols + i]) - double(q[r0 * Cols + i]);
    gemm<double>(false, false, count, Cols, Cols, 1.0, e.data(), Cols, h.data(),
                 Cols, eh.data(), Cols, threads);
    for (int64_t i = 0; i < count * Cols; ++i)
      total += e[i] * eh[i];
  }
  return total;
}

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  return "unknown";
}

/// User and system time of every thread so far: unlike wall time, it does
/// not grow when other processes share the cores.
double cpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

/// Other processes' share of the cores shows here.
double loadAverage() {
  double load[1] = {0.0};
  return getloadavg(load, 1) == 1 ? load[0] : -1.0;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

int main(int argc, char **argv) {
  std::string out = QF_SOURCE_DIR "/bench/results/gptq.json";
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--out") && i + 1 < argc)
      out = argv[++i];
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--out FILE] [--threads N]\n", argv[0]);
      return 2;
    }
  }
  threads = resolveThreads(threads);

  std::vector<float> x = correlatedInputs(threads);
  auto start = std::chrono::steady_clock::now();
  HessianAccumulator hessian(Cols, threads);
  const int64_t perSequence = Tokens / Sequences;
  for (int64_t s = 0; s < Sequences; ++s) {
    Status status =
        hessian.add(x.data() + s * perSequence * Cols, perSequence, 1);
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.message().c_str());
      return 1;
    }
  }
  const double hessianSeconds = secondsSince(start);
  std::printf("H of %lld columns from %lld tokens: %.2f s on %d threads\n",
              (long long)Cols, (long long)Tokens, hessianSeconds, threads);

  GPTQOptions options;
  options.threads = threads;
  nlohmann::json cases = nlohmann::json::array();
  std::printf("%-12s %10s %10s %14s %14s\n", "layer", "GPTQ (s)", "CPU (s)",
              "GPTQ loss", "error vs RTN");
  for (int64_t rows : {int64_t(4096), int64_t(11008)}) {
    std::vector<float> w = randomNormal(rows * Cols, unsigned(rows), 0.02f);
    GPTQReport report;
    const double cpuStart = cpuSeconds();
    Result<UnpackedWeight> q = quantizeGPTQ(
        w.data(), rows, Cols, hessian.hessian().data(), options, &report);
    const double cpu = cpuSeconds() - cpuStart;
    Result<UnpackedWeight> rtn =
        quantizeRTN(w.data(), rows, Cols, options.bits, options.groupSize,
                    options.symmetric);
    if (!q.ok() || !rtn.ok()) {
      std::fprintf(stderr, "%s%s\n", q.message().c_str(),
                   rtn.message().c_str());
      return 1;
    }
    const double ratio =
        outputError(w, q->dequantize(), hessian.hessian(), rows, threads) /
        outputError(w, rtn->dequantize(), hessian.hessian(), rows, threads);
    const std::string layer = std::to_string(rows) + "x" + std::to_string(Cols);
    std::printf("%-12s %10.2f %10.2f %14.6g %14.4f\n", layer.c_str(),
                report.seconds, cpu, report.loss, ratio);
    cases.push_back({{"rows", rows},
                     {"cols", Cols},
                     {"gptq_seconds", report.seconds},
                     {"gptq_cpu_seconds", cpu},
                     {"loss", report.loss},
                     {"output_error_gptq_over_rtn", ratio}});
  }

  nlohmann::json result = {
      {"benchmark",
       "GPTQ w4 g128 asym, blocks of 128, damp 0.01, no act-order"},
      {"cpu", cpuModel()},
      {"threads", threads},
      {"load_average_1min", loadAverage()},
      {"calibration_tokens", Tokens},
      {"hessian_seconds", hessianSeconds},
      {"cases", cases}};
  std::ofstream file(out);
  file << result.dump(1) << "\n";
  if (!file) {
    std::fprintf(stderr, "cannot write %s\n", out.c_str());
    return 1;
  }
  std::printf("wrote %s\n", out.c_str());
  return 0;
}
