//===- quant-compile.cpp - checkpoint to compiled artifact ----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
//   quant-compile MODEL --target=cpu -o model.qfa
//
// Drives the whole compiler: import, the graph pipeline (llm-optimize by
// default, --pipeline to replace it), binding weights to entry points, the
// target's lowering and serialization. --emit stops at any phase and writes
// what exists there, like toyc's -emit.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/CPUTarget.h"
#include "codegen/CUDA/CUDATarget.h"
#include "codegen/Calibration/Calibration.h"
#include "codegen/Calibration/Sequential.h"
#include "codegen/Target/ArtifactBuilder.h"
#include "codegen/Target/TargetBackend.h"
#include "dialects/llm/IR/LLMOps.h"
#include "dialects/llm/Import/Importers.h"
#include "passes/Pipelines/Pipelines.h"
#include "passes/Quant/Report.h"
#include "tools/InitAll.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

#include <chrono>

using namespace mlir;
using namespace quantforge;
namespace cl = llvm::cl;

namespace {

// --help lists these, not the options of every linked LLVM library.
cl::OptionCategory compileCategory("quant-compile options");

enum class Phase {
  Import,
  Optimized,
  Statistics,
  Bound,
  Lowered,
  TargetIR,
  Executable,
  Artifact
};

cl::opt<std::string>
    modelPath(cl::Positional, cl::Required,
              cl::desc("<Hugging Face directory or .gguf file>"),
              cl::cat(compileCategory));
cl::opt<std::string> outputPath("o", cl::desc("Output file"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(compileCategory));
cl::opt<std::string> targetName("target",
                                cl::desc("Code generator (cpu, cuda)"),
                                cl::init("cpu"), cl::cat(compileCategory));
cl::opt<std::string> gpuArch("gpu-arch",
                             cl::desc("GPU architecture (cuda: sm_80, sm_90)"),
                             cl::cat(compileCategory));
cl::opt<std::string> gpuFormat("gpu-format",
                               cl::desc("GPU code (cuda: cubin, ptx)"),
                               cl::cat(compileCategory));
cl::opt<std::string>
    graphPipeline("pipeline",
                  cl::desc("Graph pipeline run after import, in "
                           "--pass-pipeline syntax"),
                  cl::init("builtin.module(llm-optimize)"),
                  cl::cat(compileCategory));
cl::opt<Phase>
    emit("emit", cl::desc("Where to stop"), cl::init(Phase::Artifact),
         cl::values(clEnumValN(Phase::Import, "llm", "the imported module"),
                    clEnumValN(Phase::Optimized, "optimized",
                               "after the graph pipeline"),
                    clEnumValN(Phase::Statistics, "statistics",
                               "the calibration statistics (needs --calib)"),
                    clEnumValN(Phase::Bound, "bound",
                               "after binding weights to entry points"),
                    clEnumValN(Phase::Lowered, "lowered",
                               "the target's dialects (LLVM for cpu)"),
                    clEnumValN(Phase::TargetIR, "target-ir",
                               "the target's textual code (LLVM IR for cpu)"),
                    clEnumValN(Phase::Executable, "executable",
                               "the target's executable alone (.so for cpu)"),
                    clEnumValN(Phase::Artifact, "artifact",
                               "the .qfa artifact the runtime runs (default)")),
         cl::cat(compileCategory));
enum class QuantMethod { None, RTN, GPTQ, AWQ };
cl::opt<QuantMethod> quantMethod(
    "quant", cl::desc("Weight quantization"), cl::init(QuantMethod::None),
    cl::values(clEnumValN(QuantMethod::None, "none", "keep the stored weights"),
               clEnumValN(QuantMethod::RTN, "rtn", "round to nearest"),
               clEnumValN(QuantMethod::GPTQ, "gptq",
                          "GPTQ with Hessians from --calib text"),
               clEnumValN(QuantMethod::AWQ, "awq",
                          "AWQ with statistics from --calib text")),
    cl::cat(compileCategory));
cl::opt<std::string> calibText("calib",
                               cl::desc("Calibration text (.txt or .jsonl)"),
                               cl::cat(compileCategory));
cl::opt<int64_t> calibSamples("calib-samples", cl::desc("Calibration windows"),
                              cl::init(128), cl::cat(compileCategory));
cl::opt<int64_t> calibSeqLen("calib-seqlen",
                             cl::desc("Tokens per calibration window"),
                             cl::init(512), cl::cat(compileCategory));
cl::opt<uint64_t> calibSeed("seed", cl::desc("Calibration sampling seed"),
                            cl::init(0), cl::cat(compileCategory));
cl::opt<std::string> calibDevice(
    "calib-device",
    cl::desc("Where calibration runs, as quant-run's --device: cpu, cuda:N "
             "(compiled as --target=cuda, with --gpu-arch/--gpu-format)"),
    cl::init("cpu"), cl::cat(compileCategory));
cl::opt<std::string> calibStatistics(
    "calib-statistics",
    cl::desc("Also write the calibration statistics to PATH (safetensors, "
             "as --emit=statistics; sequential: those each weight was "
             "quantized with)"),
    cl::value_desc("PATH"), cl::cat(compileCategory));
enum class CalibMode { Sequential, Parallel };
cl::opt<CalibMode> calibMode(
    "calib-mode", cl::desc("How GPTQ and AWQ calibrate"),
    cl::init(CalibMode::Sequential),
    cl::values(clEnumValN(CalibMode::Sequential, "sequential",
                          "one decoder layer at a time, each seeing the "
                          "quantized layers before it (default)"),
               clEnumValN(CalibMode::Parallel, "parallel",
                          "all statistics from the float model in one run")),
    cl::cat(compileCategory));
cl::opt<std::string>
    reportPath("report",
               cl::desc("Write the per-weight report to PATH.json and "
                        "PATH.html (rtn, gptq, awq)"),
               cl::value_desc("PATH"), cl::cat(compileCategory));
cl::alias awqReport("awq-report", cl::desc("Alias for --report"),
                    cl::aliasopt(reportPath), cl::cat(compileCategory));
cl::opt<double> gptqDamp("damp",
                         cl::desc("GPTQ damping (fraction of mean diag H)"),
                         cl::init(0.01), cl::cat(compileCategory));
cl::opt<bool> gptqStaticGroups("static-groups",
                               cl::desc("GPTQ: fit all group scales up front"),
                               cl::init(false), cl::cat(compileCategory));
cl::opt<bool> gptqMse("mse",
                      cl::desc("GPTQ: fit each group's range by the "
                               "reference's error search, not min/max"),
                      cl::init(false), cl::cat(compileCategory));
cl::opt<bool> gptqActOrder("act-order",
                           cl::desc("GPTQ: quantize columns in decreasing "
                                    "diag(H) order (desc_act)"),
                           cl::init(false), cl::cat(compileCategory));
cl::opt<bool> foldActOrder(
    "fold-act-order",
    cl::desc("Fold act-order permutations at compile time so that no g_idx "
             "lookup is left in the matmuls (llm-fold-act-order)"),
    cl::init(true), cl::cat(compileCategory));
cl::opt<int64_t> awqGrid("awq-grid",
                         cl::desc("AWQ: scale search points (alpha = i/grid)"),
                         cl::init(20), cl::cat(compileCategory));
cl::opt<bool> awqClip("awq-clip", cl::desc("AWQ: search each group's clipping"),
                      cl::init(true), cl::cat(compileCategory));
cl::opt<unsigned> quantBits("bits", cl::desc("Bits per quantized weight"),
                            cl::init(4), cl::cat(compileCategory));
cl::opt<int64_t>
    quantGroupSize("group-size",
                   cl::desc("Columns per scale (0: per output channel)"),
                   cl::init(128), cl::cat(compileCategory));
cl::opt<bool> quantSymmetric("sym", cl::desc("Symmetric quantization"),
                             cl::init(false), cl::cat(compileCategory));
cl::opt<std::string> quantScaleType(
    "scale-type",
    cl::desc("Scale type: f32 or f16 (default: the target's; f16 for cuda, "
             "whose int4 kernels read f16 scales, f32 for cpu)"),
    cl::init("f32"), cl::cat(compileCategory));
cl::opt<int64_t> maxSeq("max-seq", cl::desc("KV cache capacity in tokens"),
                        cl::init(0), cl::cat(compileCategory));
cl::opt<KVCacheStorage>
    kvCache("kv-cache", cl::desc("KV cache storage (llm-lower-kv-cache)"),
            cl::init(KVCacheStorage::f32),
            cl::values(clEnumValN(KVCacheStorage::f32, "f32", "float32"),
                       clEnumValN(KVCacheStorage::f16, "f16", "float16"),
                       clEnumValN(KVCacheStorage::bf16, "bf16", "bfloat16"),
                       clEnumValN(KVCacheStorage::int8, "int8",
                                  "int8, a scale per token and KV head"),
                       clEnumValN(KVCacheStorage::fp8, "fp8", "float8 e4m3fn")),
            cl::cat(compileCategory));
cl::alias kvCacheType("kv-cache-type", cl::desc("Alias for --kv-cache"),
                      cl::aliasopt(kvCache), cl::cat(compileCategory));
cl::list<std::string> kvCacheLayers(
    "kv-cache-layers", cl::CommaSeparated,
    cl::desc("Per-layer KV cache storage, LAYER:TYPE or FIRST-LAST:TYPE "
             "(e.g. 0:f16,6-7:fp8); --kv-cache for the other layers"),
    cl::cat(compileCategory));
cl::opt<int64_t> kvBlockSize(
    "kv-block-size",
    cl::desc("Tokens per block of a paged KV cache (0: contiguous)"),
    cl::init(0), cl::cat(compileCategory));

cl::opt<bool> printIRAfterAll(
    "print-ir-after-all",
    cl::desc("Print the IR after every pass of every phase (to stderr)"),
    cl::cat(compileCategory));

LogicalResult runPipeline(ModuleOp module,
                          llvm::function_ref<LogicalResult(OpPassManager &)> build) {
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)) || failed(build(pm)))
    return failure();
  if (printIRAfterAll) {
    // Printing nested IR needs the pass manager single-threaded.
    module.getContext()->disableMultithreading();
    pm.enableIRPrinting(/*shouldPrintBeforePass=*/nullptr,
                        /*shouldPrintAfterPass=*/
                        [](Pass *, Operation *) { return true; },
                        /*printModuleScope=*/true,
                        /*printAfterOnlyOnChange=*/false);
  }
  return pm.run(module);
}

LogicalResult writeModule(ModuleOp module, llvm::ToolOutputFile &output) {
  module.print(output.os());
  output.keep();
  return success();
}

/// Announces the phases after quantization on stderr, each with the time
/// the one before took: on a 7B model they take minutes of their own, and
/// the quantizers' per-weight lines stop long before.
class PhaseLog {
public:
  void start(llvm::StringRef phase) {
    llvm::errs() << "[compile] " << phase;
    if (!current_.empty())
      llvm::errs() << llvm::format(" (%s took %.1f s)", current_.c_str(),
                                   lap());
    llvm::errs() << "\n";
    current_ = phase.str();
    begin_ = Clock::now();
  }
  void finish() {
    if (!current_.empty())
      llvm::errs() << llvm::format("[compile] done (%s took %.1f s)\n",
                                   current_.c_str(), lap());
  }

private:
  using Clock = std::chrono::steady_clock;
  double lap() const {
    return std::chrono::duration<double>(Clock::now() - begin_).count();
  }
  std::string current_;
  Clock::time_point begin_;
};

/// The weight format options every quantization pass shares.
template <typename PassOptions>
void setWeightFormat(PassOptions &options) {
  options.bits = quantBits;
  options.groupSize = quantGroupSize;
  options.symmetric = quantSymmetric;
  options.scaleType = quantScaleType;
}

/// Runs the compiler up to --emit; `output` is the output file for every
/// phase but the artifact, which the runtime's writer creates itself.
LogicalResult compile(MLIRContext &context, llvm::ToolOutputFile *outputFile) {
  llvm::ToolOutputFile &output = *outputFile;
  const codegen::TargetBackend *target = codegen::lookupTargetBackend(targetName);
  if (!target) {
    llvm::errs() << "quant-compile: unknown target '" << targetName
                 << "' (available:";
    for (const std::string &name : codegen::registeredTargetNames())
      llvm::errs() << " " << name;
    llvm::errs() << ")\n";
    return failure();
  }
  std::unique_ptr<codegen::TargetBackend> configured;
  // GPU options may be meant for calibration alone (--calib-device=cuda:0
  // with the default cpu target).
  bool gpuCalibration = calibDevice.getValue() != "cpu";
  if ((!gpuArch.empty() || !gpuFormat.empty()) &&
      !(gpuCalibration && targetName == "cpu")) {
    std::string error;
    configured = target->configure({gpuArch, gpuFormat}, error);
    if (!configured) {
      llvm::errs() << "quant-compile: " << error << "\n";
      return failure();
    }
    target = configured.get();
  }
  if (!quantScaleType.getNumOccurrences())
    quantScaleType.setValue(target->defaultScaleType().str());
  llm::ModelBuildOptions options;
  options.maxSeq = maxSeq;
  OwningOpRef<ModuleOp> module = llm::importCheckpoint(&context, modelPath, options);
  if (!module || failed(verify(*module)))
    return failure();
  if (emit == Phase::Import)
    return writeModule(*module, output);

  // Quantized weights go to a parameter file that lives until the
  // artifact has copied them.
  llvm::SmallString<128> quantizedParams;
  auto removeParams = llvm::scope_exit([&] {
    if (!quantizedParams.empty())
      llvm::sys::fs::remove(quantizedParams);
  });
  llvm::SmallString<128> statistics;
  auto removeStatistics = llvm::scope_exit([&] {
    if (!statistics.empty())
      llvm::sys::fs::remove(statistics);
  });
  if ((quantMethod != QuantMethod::None || emit == Phase::Statistics) &&
      (llvm::sys::fs::createTemporaryFile("qf-params", "safetensors",
                                          quantizedParams) ||
       llvm::sys::fs::createTemporaryFile("qf-stats", "safetensors",
                                          statistics))) {
    llvm::errs() << "quant-compile: cannot create a temporary file\n";
    return failure();
  }
  // Act-order weights, imported or from GPTQ, are repacked by the fold.
  llvm::SmallString<128> importedFold, gptqFold;
  auto removeFolds = llvm::scope_exit([&] {
    for (auto *path : {&importedFold, &gptqFold})
      if (!path->empty())
        llvm::sys::fs::remove(*path);
  });
  if (foldActOrder &&
      (llvm::sys::fs::createTemporaryFile("qf-actorder", "safetensors",
                                          importedFold) ||
       llvm::sys::fs::createTemporaryFile("qf-actorder", "safetensors",
                                          gptqFold))) {
    llvm::errs() << "quant-compile: cannot create a temporary file\n";
    return failure();
  }
  if (gptqActOrder && quantMethod != QuantMethod::GPTQ) {
    llvm::errs() << "quant-compile: --act-order needs --quant=gptq\n";
    return failure();
  }
  bool calibrate = quantMethod == QuantMethod::GPTQ ||
                   quantMethod == QuantMethod::AWQ || emit == Phase::Statistics;
  if (calibrate && calibText.empty()) {
    llvm::errs() << "quant-compile: calibration needs --calib <text file>\n";
    return failure();
  }
  if (failed(runPipeline(*module, [&](OpPassManager &pm) {
        if (graphPipeline.getNumOccurrences() == 0) {
          LLMOptimizePipelineOptions optimize;
          optimize.foldActOrder = foldActOrder;
          optimize.actOrderOutput = importedFold.str().str();
          buildLLMOptimizePipeline(pm, optimize);
          return success();
        }
        // The text names its anchor (builtin.module); parse it as a whole
        // pipeline rather than nesting it under this one's.
        FailureOr<OpPassManager> parsed =
            parsePassPipeline(graphPipeline, llvm::errs());
        if (failed(parsed))
          return failure();
        pm = std::move(*parsed);
        return success();
      })))
    return failure();
  codegen::CalibrationOptions calibration;
  calibration.textPath = calibText;
  calibration.checkpoint = modelPath;
  calibration.samples = calibSamples;
  calibration.seqLen = calibSeqLen;
  calibration.seed = calibSeed;
  calibration.absMean = quantMethod == QuantMethod::AWQ;
  calibration.device = calibDevice;
  calibration.target = {gpuArch, gpuFormat};
  if (!calibStatistics.empty()) {
    if (!calibrate) {
      llvm::errs() << "quant-compile: --calib-statistics needs calibration "
                      "(--quant=gptq|awq)\n";
      return failure();
    }
    calibration.statisticsOutput = calibStatistics;
  }
  bool sequential = (quantMethod == QuantMethod::GPTQ ||
                     quantMethod == QuantMethod::AWQ) &&
                    calibMode == CalibMode::Sequential &&
                    emit != Phase::Statistics;
  if (!reportPath.empty() && quantMethod == QuantMethod::None) {
    llvm::errs() << "quant-compile: --report needs --quant=rtn|gptq|awq\n";
    return failure();
  }
  if (sequential) {
    LinearQuantization packing;
    setWeightFormat(packing);
    packing.output = quantizedParams.str().str();
    packing.actOrder = gptqActOrder;
    codegen::SequentialQuantizer quantizer;
    QuantizationReport report;
    if (quantMethod == QuantMethod::GPTQ) {
      qf::quant::GPTQOptions gptq;
      gptq.bits = int(quantBits);
      gptq.symmetric = quantSymmetric;
      gptq.dampPercent = gptqDamp;
      gptq.staticGroups = gptqStaticGroups;
      gptq.mse = gptqMse;
      gptq.actOrder = gptqActOrder;
      quantizer = codegen::gptqQuantizer(gptq);
      report.settings = {{"damp_percent", gptqDamp},
                         {"static_groups", double(gptqStaticGroups)},
                         {"mse", double(gptqMse)},
                         {"act_order", double(gptqActOrder)}};
    } else {
      qf::quant::AWQOptions awq;
      awq.bits = int(quantBits);
      awq.symmetric = quantSymmetric;
      awq.grid = int(awqGrid);
      quantizer = codegen::awqQuantizer(*module, awq, awqClip,
                                        calibration.progress);
      report.settings = {{"grid", double(awq.grid)},
                         {"clip", double(awqClip)},
                         {"clip_grid", double(awq.clipGrid)},
                         {"max_shrink", awq.maxShrink}};
    }
    if (failed(codegen::quantizeSequentially(*module, calibration, packing,
                                             quantizer, &report.linears)))
      return failure();
    if (gptqActOrder && foldActOrder &&
        failed(runPipeline(*module, [&](OpPassManager &pm) {
          LLMFoldActOrderOptions fold;
          fold.output = gptqFold.str().str();
          pm.addPass(createLLMFoldActOrder(fold));
          return success();
        })))
      return failure();
    if (!reportPath.empty()) {
      report.model = modelPath;
      report.method = quantizer.method;
      report.bits = quantBits;
      report.groupSize = quantGroupSize;
      report.symmetric = quantSymmetric;
      report.scaleType = quantScaleType;
      report.order = "block-sequential";
      report.text = calibText;
      report.samples = calibSamples;
      report.seqLen = calibSeqLen;
      report.seed = calibSeed;
      std::map<std::string, std::string> folds;
      module->walk([&](llm::LinearOp linear) {
        if (auto fold = linear->getAttrOfType<StringAttr>("qf.g_idx_fold"))
          folds[linear.getWeight()
                    .getDefiningOp<llm::WeightOp>()
                    .getKey()
                    .str()] = fold.str();
      });
      for (LinearReport &linear : report.linears)
        if (auto it = folds.find(linear.key); it != folds.end())
          linear.actOrderFold = it->second;
      std::string error = writeQuantizationReport(reportPath, report);
      if (!error.empty()) {
        llvm::errs() << "quant-compile: " << error << "\n";
        return failure();
      }
    }
  } else if (calibrate) {
    if (emit == Phase::Statistics) {
      output.keep();
      return codegen::calibrateHessians(*module, calibration, outputPath);
    }
    if (failed(codegen::calibrateHessians(*module, calibration,
                                          statistics.str().str())))
      return failure();
    if (!calibStatistics.empty())
      if (std::error_code error =
              llvm::sys::fs::copy_file(statistics, calibStatistics)) {
        llvm::errs() << "quant-compile: " << calibStatistics << ": "
                     << error.message() << "\n";
        return failure();
      }
  }
  if (quantMethod != QuantMethod::None && !sequential &&
      failed(runPipeline(*module, [&](OpPassManager &pm) {
        if (quantMethod == QuantMethod::GPTQ) {
          LLMQuantizeGPTQOptions gptq;
          setWeightFormat(gptq);
          gptq.statistics = statistics.str().str();
          gptq.dampPercent = gptqDamp;
          gptq.staticGroups = gptqStaticGroups;
          gptq.mse = gptqMse;
          gptq.actOrder = gptqActOrder;
          gptq.output = quantizedParams.str().str();
          gptq.report = reportPath;
          pm.addPass(createLLMQuantizeGPTQ(gptq));
          if (gptqActOrder && foldActOrder) {
            LLMFoldActOrderOptions fold;
            fold.output = gptqFold.str().str();
            pm.addPass(createLLMFoldActOrder(fold));
          }
        }
        if (quantMethod == QuantMethod::AWQ) {
          LLMQuantizeAWQOptions awq;
          setWeightFormat(awq);
          awq.statistics = statistics.str().str();
          awq.grid = awqGrid;
          awq.clip = awqClip;
          awq.output = quantizedParams.str().str();
          awq.report = reportPath;
          pm.addPass(createLLMQuantizeAWQ(awq));
        }
        if (quantMethod == QuantMethod::RTN) {
          LLMQuantizeRTNOptions rtn;
          setWeightFormat(rtn);
          rtn.output = quantizedParams.str().str();
          rtn.report = reportPath;
          pm.addPass(createLLMQuantizeRTN(rtn));
        }
        return success();
      })))
    return failure();
  if (failed(runPipeline(*module, [&](OpPassManager &pm) {
        LLMLowerKVCacheOptions kv;
        kv.storage = kvCache;
        kv.layerTypes.assign(kvCacheLayers.begin(), kvCacheLayers.end());
        kv.blockSize = kvBlockSize;
        pm.addPass(createLLMLowerKVCache(kv));
        return success();
      })))
    return failure();
  if (emit == Phase::Optimized)
    return writeModule(*module, output);

  if (failed(runPipeline(*module, [](OpPassManager &pm) {
        buildLLMBindPipeline(pm);
        return success();
      })))
    return failure();
  if (emit == Phase::Bound)
    return writeModule(*module, output);
  // The artifact's argument list is read from the bound entry points, which
  // lowering rewrites.
  OwningOpRef<ModuleOp> bound = module->clone();

  bool toBinary = emit == Phase::Executable || emit == Phase::Artifact;
  PhaseLog phases;
  if (toBinary)
    phases.start(("lowering for " + target->name()).str());
  if (failed(runPipeline(*module, [&](OpPassManager &pm) {
        target->buildLoweringPipeline(pm);
        return success();
      })))
    return failure();
  if (emit == Phase::Lowered)
    return writeModule(*module, output);

  if (emit == Phase::TargetIR) {
    if (failed(target->printTargetIR(*module, output.os())))
      return failure();
    output.keep();
    return success();
  }

  phases.start("generating code");
  FailureOr<codegen::Executable> executable = target->serialize(*module);
  if (failed(executable))
    return failure();
  if (emit == Phase::Executable) {
    output.os().write(reinterpret_cast<const char *>(executable->bytes.data()),
                      executable->bytes.size());
    output.keep();
    phases.finish();
    return success();
  }

  qf::Result<qf::ModelConfig> config = llm::loadCheckpointConfig(modelPath);
  if (!config.ok()) {
    llvm::errs() << "quant-compile: " << config.message() << "\n";
    return failure();
  }
  codegen::ArtifactInputs inputs{*bound, *config, modelPath,
                                 std::move(*executable)};
  phases.start("writing " + outputPath.getValue());
  if (failed(codegen::writeArtifact(inputs, outputPath)))
    return failure();
  phases.finish();
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  quantforge::registerAllPasses();
  codegen::registerCPUTarget();
  codegen::registerCUDATarget();
  registerPassManagerCLOptions();
  registerMLIRContextCLOptions();
  cl::HideUnrelatedOptions(compileCategory);
  cl::ParseCommandLineOptions(argc, argv, "QuantForge compiler\n");

  DialectRegistry registry;
  quantforge::registerAllDialects(registry);
  MLIRContext context(registry);
  std::unique_ptr<llvm::ToolOutputFile> output;
  if (emit == Phase::Artifact) {
    if (outputPath == "-") {
      llvm::errs() << "quant-compile: an artifact needs an output file (-o)\n";
      return 1;
    }
  } else {
    std::string error;
    output = openOutputFile(outputPath, &error);
    if (!output) {
      llvm::errs() << "quant-compile: " << error << "\n";
      return 1;
    }
  }
  return failed(compile(context, output.get())) ? 1 : 0;
}
