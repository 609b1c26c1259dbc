//===- quant-import.cpp - checkpoints to llm modules ----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   quant-import MODEL_DIR -o model.mlir [--max-seq N] [--kv-cache-type f16]
//
// Writes the llm module of a checkpoint; weights stay in the checkpoint's
// files and are referenced by path and key.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/Import/Importers.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

// --help lists these, not the options of every linked LLVM library.
static cl::OptionCategory importCategory("quant-import options");
static cl::opt<std::string>
    inputPath(cl::Positional, cl::Required,
              cl::desc("<Hugging Face directory or .gguf file>"),
              cl::cat(importCategory));
static cl::opt<std::string> outputPath("o", cl::desc("Output file"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(importCategory));
static cl::opt<int64_t> maxSeq("max-seq",
                               cl::desc("KV cache capacity in tokens (default: "
                                        "min(max_position_embeddings, 4096))"),
                               cl::init(0), cl::cat(importCategory));
static cl::opt<std::string>
    kvCacheType("kv-cache-type",
                cl::desc("Element type of the KV cache: f32, f16 or bf16"),
                cl::init("f32"), cl::cat(importCategory));
static cl::opt<bool> printChecksums(
    "print-checksums",
    cl::desc("Print name, dtype, shape and xxh64 of every tensor instead"),
    cl::cat(importCategory));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(importCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "QuantForge checkpoint importer\n");
  // The importer loads the few dialects it emits.
  MLIRContext context;
  // Importer errors name the file and tensor themselves; no location needed.
  ScopedDiagnosticHandler diagnostics(&context, [](Diagnostic &diag) {
    bool isError = diag.getSeverity() == DiagnosticSeverity::Error;
    llvm::errs() << "quant-import: " << (isError ? "error: " : "") << diag
                 << "\n";
    return success();
  });

  std::string error;
  auto output = openOutputFile(outputPath, &error);
  if (!output) {
    llvm::errs() << "quant-import: " << error << "\n";
    return 1;
  }
  if (printChecksums) {
    if (failed(quantforge::llm::printHuggingFaceChecksums(&context, inputPath,
                                                          output->os())))
      return 1;
    output->keep();
    return 0;
  }
  if (maxSeq < 0) {
    llvm::errs() << "quant-import: --max-seq must be positive\n";
    return 1;
  }
  quantforge::llm::ModelBuildOptions options;
  options.maxSeq = maxSeq;
  options.kvCacheType = kvCacheType;
  OwningOpRef<ModuleOp> module =
      quantforge::llm::importCheckpoint(&context, inputPath, options);
  if (!module)
    return 1;
  // The importer's output must always be a valid module; a failure here is
  // an importer bug, reported rather than written.
  if (failed(verify(*module)))
    return 1;
  module->print(output->os());
  output->keep();
  return 0;
}
