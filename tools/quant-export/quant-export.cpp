//===- quant-export.cpp - models to llama.cpp GGUF ------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   quant-export MODEL --type=f16|q8_0|q4_0 -o model.gguf
//
// MODEL is a Hugging Face directory or a .gguf file.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/Export/GGUFExport.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace quantforge::llm;
namespace cl = llvm::cl;

// --help lists these, not the options of every linked LLVM library.
static cl::OptionCategory exportCategory("quant-export options");
static cl::opt<std::string>
    modelPath(cl::Positional, cl::Required,
              cl::desc("<Hugging Face directory or .gguf>"),
              cl::cat(exportCategory));
static cl::opt<std::string> outputPath("o", cl::Required,
                                       cl::desc("Output .gguf file"),
                                       cl::value_desc("file"),
                                       cl::cat(exportCategory));
static cl::opt<GGUFExportType> exportType(
    "type", cl::desc("Type of the matrices"), cl::init(GGUFExportType::F16),
    cl::values(clEnumValN(GGUFExportType::F16, "f16", "IEEE half"),
               clEnumValN(GGUFExportType::Q8_0, "q8_0", "llama.cpp Q8_0"),
               clEnumValN(GGUFExportType::Q4_0, "q4_0", "llama.cpp Q4_0")),
    cl::cat(exportCategory));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(exportCategory);
  cl::ParseCommandLineOptions(argc, argv, "QuantForge GGUF exporter\n");
  auto report = exportGGUF(modelPath, outputPath, exportType);
  if (!report.ok()) {
    llvm::errs() << "quant-export: error: " << report.message() << "\n";
    return 1;
  }
  llvm::outs() << "wrote " << outputPath << ": " << report->tensors
               << " tensors";
  if (report->fallbacks)
    llvm::outs() << " (" << report->fallbacks
                 << " matrices as F16: width not a multiple of the block)";
  llvm::outs() << "\n";
  return 0;
}
