//===- CopiesToLinalg.cpp - memref.copy to linalg.copy --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace quantforge {
#define GEN_PASS_DEF_LLMCOPIESTOLINALG
#include "passes/Conversion/Passes.h.inc"
} // namespace quantforge

using namespace mlir;

namespace {
struct LLMCopiesToLinalgPass
    : quantforge::impl::LLMCopiesToLinalgBase<LLMCopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};
} // namespace
