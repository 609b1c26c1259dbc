#!/usr/bin/env bash
# Installs every Debian 12 package QuantForge builds, tests and benchmarks with.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
  cmake ninja-build python3 python3-numpy git ca-certificates \
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22 \
  libvulkan-dev mesa-vulkan-drivers glslc spirv-tools vulkan-tools \
  flatbuffers-compiler libflatbuffers-dev rocm-device-libs \
  libsentencepiece-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev \
  libcli11-dev libfmt-dev libzstd-dev libxxhash-dev python3-xxhash
