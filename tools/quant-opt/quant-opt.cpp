//===- quant-opt.cpp - the QuantForge optimizer driver --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// mlir-opt for QuantForge: runs pass pipelines over llm modules.
//
//===----------------------------------------------------------------------===//

#include "tools/InitAll.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  quantforge::registerAllDialects(registry);
  quantforge::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "QuantForge optimizer driver\n", registry));
}
