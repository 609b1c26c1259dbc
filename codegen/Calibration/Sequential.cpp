//===- Sequential.cpp - block-sequential calibration and quantization -----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "codegen/Calibration/Sequential.h"

#include "codegen/Calibration/HostEntryPoint.h"
#include "passes/Pipelines/Pipelines.h"
#include "passes/Quant/Passes.h"
#include "passes/Quant/WeightArchives.h"
#include "runtime/io/Safetensors.h"
#include "runtime/quant/RTN.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstring>
#include <set>

using namespace mlir;
using namespace quantforge;
using namespace quantforge::codegen;

std::vector<double> InputStatistics::hessian() const {
  const std::vector<float> &sum = sums.at("hessian");
  const float factor = statisticFactor("hessian", samples, tokens);
  std::vector<double> h(sum.size());
  for (size_t i = 0; i < sum.size(); ++i)
    h[i] = double(sum[i] * factor);
  return scales.empty() ? h : qf::quant::scaleHessian(h.data(), scales);
}

std::vector<float> InputStatistics::absMean() const {
  std::vector<float> mean = sums.at("abs-mean");
  const float factor = statisticFactor("abs-mean", samples, tokens);
  for (size_t c = 0; c < mean.size(); ++c)
    mean[c] = mean[c] * factor / (scales.empty() ? 1.0f : scales[c]);
  return mean;
}

SequentialQuantizer codegen::gptqQuantizer(const qf::quant::GPTQOptions &gptq) {
  SequentialQuantizer quantizer;
  quantizer.method = "gptq";
  quantizer.quantize = [gptq](const std::string &, const std::vector<float> &w,
                              int64_t rows, int64_t cols, int64_t group,
                              const InputStatistics &statistics,
                              LinearReport &) {
    qf::quant::GPTQOptions options = gptq;
    options.groupSize = group == cols ? 0 : group;
    std::vector<double> h = statistics.hessian();
    return qf::quant::quantizeGPTQ(w.data(), rows, cols, h.data(), options);
  };
  return quantizer;
}

namespace {

/// One stage of the model, bound and instrumented.
struct Stage {
  OwningOpRef<ModuleOp> bound;
  std::vector<EntryArgument> arguments;
  /// The stage's weights as llm.weight ops (of `unbound`), by key.
  OwningOpRef<ModuleOp> unbound;
  std::map<std::string, llm::WeightOp> weights;
  int64_t hidden = 0;
};

class SequentialDriver : public LayerWeights {
public:
  SequentialDriver(ModuleOp module, const CalibrationOptions &calibration,
                   const LinearQuantization &packing,
                   const SequentialQuantizer &quantizer,
                   std::vector<LinearReport> *report)
      : module(module), loc(module.getLoc()), calibration(calibration),
        packing(packing), quantizer(quantizer), report(report),
        archives(module) {}

  LogicalResult run();

  MutableArrayRef<float> values(StringRef key) override;
  LogicalResult divideRows(StringRef key,
                           const std::vector<float> &scales) override;

private:
  FailureOr<Stage> buildStage(int64_t layer);
  FailureOr<HostEntryPoint *> executableFor(Stage &stage, Attribute observe);
  qf::Buffer *allocate(uint64_t bytes);
  /// Runs `entry` on every window; the stage's outputs go to `outputs`
  /// when given.
  LogicalResult runWindows(HostEntryPoint &entry,
                           std::vector<qf::DispatchArg> &args,
                           std::vector<float> *outputs, StringRef what);
  /// Adds what `observed` holds of `argument` for the weight `key` to
  /// observedStatistics, normalized as calibrateHessians writes it.
  LogicalResult saveStatistics(const std::string &key,
                               const EntryArgument &argument,
                               const InputStatistics &observed);
  /// Quantizes the weight `key` as the stage now holds it; `stored` is the
  /// weight and `observed` the statistics before `prepare` (for the RTN
  /// error), `statistics` after.
  LogicalResult quantizeWeight(const std::string &key, int64_t layer,
                               const std::vector<float> &stored,
                               const InputStatistics &observed,
                               const InputStatistics &statistics);

  ModuleOp module;
  Location loc;
  const CalibrationOptions &calibration;
  const LinearQuantization &packing;
  const SequentialQuantizer &quantizer;
  std::vector<LinearReport> *report;
  std::unique_ptr<CalibrationDevice> device;
  WeightArchives archives;

  std::map<std::string, std::unique_ptr<HostEntryPoint>> executables;
  std::vector<std::unique_ptr<qf::Buffer>> buffers;
  std::vector<int32_t> windows;
  llm::KVCacheType cache;
  /// Hidden states entering the current stage, one window after another.
  std::vector<float> inputs, outputs;
  qf::Buffer *tokens = nullptr, *cacheBuffer = nullptr, *hiddenIn = nullptr,
             *hiddenOut = nullptr;
  std::map<std::string, qf::quant::CanonicalTensors> quantized;
  std::map<std::string, llm::WeightOp> stageWeights;
  /// The current stage's parameter buffers.
  std::map<std::string, std::pair<qf::Buffer *, const EntryArgument *>>
      parameters;
  int quantizedCount = 0, weightCount = 0;
  /// Seconds spent compiling the stage executables.
  double compileSeconds = 0;
  /// What calibration.statisticsOutput receives.
  qf::io::SafetensorsWriter observedStatistics;
  /// The current stage's float weights as the host holds them (the device
  /// buffers may be GPU memory), and those whose buffer is behind.
  std::map<std::string, std::vector<float>> weightValues;
  std::set<std::string> staleWeights;
  /// Copies the weights changed on the host to their buffers.
  LogicalResult uploadWeights(
      const std::map<std::string, std::pair<qf::Buffer *, const EntryArgument *>>
          &parameters);
};

qf::Buffer *SequentialDriver::allocate(uint64_t bytes) {
  auto buffer = device->allocate(bytes);
  if (failed(buffer))
    return nullptr;
  buffers.push_back(std::move(*buffer));
  return buffers.back().get();
}

FailureOr<Stage> SequentialDriver::buildStage(int64_t layer) {
  Stage stage;
  stage.unbound = module.clone();
  PassManager extract(module.getContext());
  LLMExtractDecoderStageOptions options;
  options.layer = layer;
  extract.addPass(createLLMExtractDecoderStage(options));
  if (failed(extract.run(*stage.unbound)))
    return failure();
  // Weights are bound as float32 whatever their storage: the driver writes
  // the quantized layers' dequantized values into them.
  stage.unbound->walk([&](llm::WeightOp weight) {
    auto type = dyn_cast<RankedTensorType>(weight.getType());
    if (type && isa<FloatType>(type.getElementType()))
      weight.getResult().setType(
          type.clone(Float32Type::get(module.getContext())));
    stage.weights[weight.getKey().str()] = weight;
  });
  stage.bound = stage.unbound->clone();
  PassManager pm(module.getContext());
  buildLLMBindPipeline(pm);
  pm.addPass(createLLMInstrumentHessians());
  if (quantizer.instrument)
    quantizer.instrument(pm);
  if (failed(pm.run(*stage.bound)))
    return failure();
  func::FuncOp entry = findEntryPoint(*stage.bound, llm::EntryPointKind::stage);
  auto arguments = describeArguments(entry);
  if (failed(arguments))
    return failure();
  stage.arguments = std::move(*arguments);
  stage.hidden = cast<RankedTensorType>(entry.getResultTypes()[0]).getDimSize(1);
  return stage;
}

/// One executable per pass over the windows: a pass that observes the input
/// of the weights `observe` accumulates only its statistics (and computes
/// only what they need); a pass without computes the stage's outputs.
/// Layers of the same shapes share them: the stage's IR without the names
/// of the weights and statistics it is bound to is its signature.
FailureOr<HostEntryPoint *> SequentialDriver::executableFor(Stage &stage,
                                                            Attribute observe) {
  OwningOpRef<ModuleOp> variant = stage.bound->clone();
  func::FuncOp entry = findEntryPoint(*variant, llm::EntryPointKind::stage);
  auto ret = cast<func::ReturnOp>(entry.getBody().back().getTerminator());
  // Results: hidden, cache, then one accumulated statistic per statistic
  // argument, in argument order; returning an argument unchanged leaves
  // what computed the result dead.
  int statistic = 0;
  for (unsigned i = 0; i < entry.getNumArguments(); ++i) {
    auto tag = entry.getArgAttrOfType<DictionaryAttr>(i, "llm.statistic");
    entry.removeArgAttr(i, llm::LLMDialect::getParameterAttrName());
    entry.removeArgAttr(i, "llm.statistic");
    if (!tag)
      continue;
    if (!observe || tag.get("keys") != observe)
      ret.setOperand(2 + statistic, entry.getArgument(i));
    ++statistic;
  }
  if (observe) {
    ret.setOperand(0, entry.getArgument(3));
    ret.setOperand(1, entry.getArgument(2));
  }
  std::string signature;
  llvm::raw_string_ostream os(signature);
  variant->print(os);
  auto &slot = executables[signature];
  if (!slot) {
    auto start = std::chrono::steady_clock::now();
    auto compiled = device->compile(*variant, llm::EntryPointKind::stage);
    if (failed(compiled))
      return failure();
    slot = std::move(*compiled);
    compileSeconds += std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  }
  return slot.get();
}

LogicalResult SequentialDriver::runWindows(HostEntryPoint &entry,
                                           std::vector<qf::DispatchArg> &args,
                                           std::vector<float> *outputs,
                                           StringRef what) {
  int64_t seqLen = calibration.seqLen;
  uint64_t window = uint64_t(seqLen) * (hiddenIn->size() / 4 / seqLen);
  for (int64_t sample = 0; sample < calibration.samples; ++sample) {
    // Each window starts from an empty cache.
    if (failed(device->write(*tokens, windows.data() + sample * seqLen,
                             seqLen * 4)) ||
        failed(device->write(*hiddenIn, inputs.data() + sample * window,
                             window * 4)) ||
        failed(device->zero(*cacheBuffer)))
      return failure();
    if (qf::Status status = entry.run(args); !status.ok())
      return emitError(loc) << status.message();
    if (outputs &&
        failed(device->read(*hiddenOut, outputs->data() + sample * window,
                            window * 4)))
      return failure();
    if (calibration.progress)
      llvm::errs() << "\r[calibrate] " << what << " sample " << sample + 1
                   << "/" << calibration.samples;
  }
  if (calibration.progress)
    llvm::errs() << "\n";
  return success();
}

LogicalResult SequentialDriver::uploadWeights(
    const std::map<std::string, std::pair<qf::Buffer *, const EntryArgument *>>
        &parameters) {
  for (const std::string &key : staleWeights) {
    const std::vector<float> &values = weightValues.at(key);
    if (failed(device->write(*parameters.at(key).first, values.data(),
                             values.size() * 4)))
      return failure();
  }
  staleWeights.clear();
  return success();
}

LogicalResult SequentialDriver::saveStatistics(
    const std::string &key, const EntryArgument &argument,
    const InputStatistics &observed) {
  bool hessian = argument.statistic == "hessian";
  float factor =
      statisticFactor(argument.statistic, observed.samples, observed.tokens);
  const std::vector<float> &sums = observed.sums.at(argument.statistic);
  std::vector<uint8_t> bytes(sums.size() * 4);
  for (size_t i = 0; i < sums.size(); ++i) {
    float value = sums[i] * factor;
    std::memcpy(&bytes[i * 4], &value, 4);
  }
  if (qf::Status status = observedStatistics.addTensor(
          key + (hessian ? ".hessian" : ".absmean"), qf::io::DType::F32,
          argument.shape, bytes);
      !status.ok())
    return emitError(loc) << status.message();
  return success();
}

MutableArrayRef<float> SequentialDriver::values(StringRef key) {
  // The host copy: the caller may write through the view, so the device
  // buffer is marked behind.
  auto it = weightValues.find(key.str());
  if (it == weightValues.end())
    return {};
  staleWeights.insert(key.str());
  return {it->second.data(), it->second.size()};
}

LogicalResult SequentialDriver::divideRows(StringRef key,
                                           const std::vector<float> &scales) {
  MutableArrayRef<float> data = values(key);
  int64_t rows = int64_t(scales.size());
  if (data.empty() || rows == 0 || int64_t(data.size()) % rows != 0)
    return emitError(loc) << "cannot rescale the rows of '" << key
                          << "': not a weight of " << rows
                          << " rows in this stage";
  int64_t cols = int64_t(data.size()) / rows;
  auto it = quantized.find(key.str());
  if (it == quantized.end()) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        data[r * cols + c] /= scales[r];
    return success();
  }
  // w = scale * (q - zero): dividing a row's scales divides the row.
  int64_t group = packing.groupSize > 0 ? packing.groupSize : cols;
  bool f16Scales = packing.scaleType == "f16";
  auto weight = qf::quant::unpackCanonical(it->second, rows, cols,
                                           int(packing.bits), group,
                                           packing.symmetric, f16Scales);
  if (!weight.ok())
    return emitError(loc) << key << ": " << weight.message();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < weight->numGroups(); ++g)
      weight->scales[r * weight->numGroups() + g] /= scales[r];
  auto packed = qf::quant::packCanonical(*weight, packing.symmetric, f16Scales);
  if (!packed.ok())
    return emitError(loc) << key << ": " << packed.message();
  auto decoded = qf::quant::unpackCanonical(*packed, rows, cols,
                                            int(packing.bits), group,
                                            packing.symmetric, f16Scales);
  if (!decoded.ok())
    return emitError(loc) << key << ": " << decoded.message();
  std::vector<float> dequantized = decoded->dequantize();
  std::copy(dequantized.begin(), dequantized.end(), data.begin());
  it->second = packed.take();
  return success();
}

LogicalResult SequentialDriver::quantizeWeight(
    const std::string &key, int64_t layer, const std::vector<float> &stored,
    const InputStatistics &observed, const InputStatistics &statistics) {
  auto start = std::chrono::steady_clock::now();
  llm::WeightOp weight = stageWeights.at(key);
  auto [buffer, arg] = parameters.at(key);
  int64_t rows = arg->shape[0], cols = arg->shape[1];
  int64_t group = packing.groupSize > 0 ? packing.groupSize : cols;
  if (cols % group != 0)
    return weight.emitOpError("cannot be quantized: ")
           << cols << " columns are not a multiple of the group size " << group;
  // The host copy of the float weight as the layer now reads it (rescaled
  // by `prepare`): replaced by its quantized values below.
  std::vector<float> values = weightValues.at(key);
  LinearReport entry;
  entry.key = key;
  entry.method = quantizer.method;
  entry.layer = layer;
  entry.bits = packing.bits;
  entry.groupSize = group;
  entry.rows = rows;
  entry.cols = cols;
  auto result = quantizer.quantize(key, values, rows, cols, group, statistics,
                                   entry);
  if (!result.ok())
    return weight.emitOpError() << result.message();
  // What the compiled model will compute: the packed values (f16 scales
  // rounded) decoded again.
  bool f16Scales = packing.scaleType == "f16";
  auto packed = qf::quant::packCanonical(*result, packing.symmetric, f16Scales);
  if (!packed.ok())
    return weight.emitOpError() << packed.message();
  auto decoded = qf::quant::unpackCanonical(*packed, rows, cols,
                                            int(packing.bits), group,
                                            packing.symmetric, f16Scales);
  if (!decoded.ok())
    return weight.emitOpError() << decoded.message();
  std::vector<float> dequantized = decoded->dequantize();
  weightValues[key] = dequantized;
  staleWeights.insert(key);
  quantized[key] = packed.take();
  entry.seconds += std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();

  // Before: round to nearest of the weight as the input's statistics found
  // it; after: the method's, on the input the layer now feeds it, which
  // is the same error in the stored weight's terms.
  auto rtn = qf::quant::quantizeRTN(stored.data(), rows, cols,
                                    int(packing.bits), group,
                                    packing.symmetric);
  if (!rtn.ok())
    return weight.emitOpError() << rtn.message();
  entry.errorBefore =
      outputError(rtn->dequantize(), stored, rows, cols, observed.hessian());
  entry.errorAfter =
      outputError(dequantized, values, rows, cols, statistics.hessian());
  if (!statistics.scales.empty())
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        dequantized[r * cols + c] /= statistics.scales[c];
  entry.relativeError = relativeError(dequantized, stored);
  if (calibration.progress)
    llvm::errs() << progressLine(entry, ++quantizedCount, weightCount) << "\n";
  if (report)
    report->push_back(std::move(entry));
  return success();
}

LogicalResult SequentialDriver::run() {
  auto started = std::chrono::steady_clock::now();
  auto opened = CalibrationDevice::create(loc, calibration);
  if (failed(opened))
    return failure();
  device = std::move(*opened);
  int64_t layers = 0;
  std::set<std::string> decoderWeights;
  module.walk([&](Operation *op) {
    if (auto attention = dyn_cast<llm::AttentionOp>(op))
      layers = std::max<int64_t>(layers, attention.getLayer() + 1);
    if (auto linear = dyn_cast<llm::LinearOp>(op))
      if (auto weight = linear.getWeight().getDefiningOp<llm::WeightOp>();
          weight && (weight.getKey().starts_with("model.layers.") ||
                     weight.getKey().starts_with("blk.")))
        decoderWeights.insert(weight.getKey().str());
  });
  weightCount = int(decoderWeights.size());

  FailureOr<Stage> embedding = buildStage(-1);
  if (failed(embedding))
    return failure();
  func::FuncOp entry =
      findEntryPoint(*embedding->bound, llm::EntryPointKind::stage);
  cache = cast<llm::KVCacheType>(entry.getArgumentTypes()[2]);
  auto found = calibrationWindows(loc, calibration, cache.getMaxSeq());
  if (failed(found))
    return failure();
  windows = std::move(*found);

  int64_t seqLen = calibration.seqLen, hidden = embedding->hidden;
  uint64_t cacheElement = cache.getElementType().getIntOrFloatBitWidth() / 8;
  std::vector<int64_t> cacheShape = {1, 2, cache.getKvHeads(),
                                     cache.getMaxSeq(), cache.getHeadDim()};
  tokens = allocate(seqLen * 4);
  cacheBuffer = allocate(cacheElement * 2 * cache.getKvHeads() *
                         cache.getMaxSeq() * cache.getHeadDim());
  hiddenIn = allocate(seqLen * hidden * 4);
  hiddenOut = allocate(seqLen * hidden * 4);
  if (!tokens || !cacheBuffer || !hiddenIn || !hiddenOut)
    return emitError(loc) << "cannot allocate calibration buffers";
  inputs.assign(calibration.samples * seqLen * hidden, 0.0f);
  outputs.assign(inputs.size(), 0.0f);

  // Runs one stage: its weights read as float32, its statistics buffers
  // zeroed before each pass over the windows.
  for (int64_t layer = -1; layer < layers; ++layer) {
    FailureOr<Stage> stage = layer < 0 ? std::move(embedding) : buildStage(layer);
    if (failed(stage))
      return failure();
    size_t mark = buffers.size();
    std::vector<qf::DispatchArg> args = {
        qf::DispatchArg::array(tokens, {seqLen}, 4), qf::DispatchArg::scalar(0),
        qf::DispatchArg::array(cacheBuffer, cacheShape, cacheElement)};
    parameters.clear();
    std::vector<std::pair<qf::Buffer *, const EntryArgument *>> statistics;
    stageWeights = stage->weights;
    for (const EntryArgument &argument : stage->arguments) {
      qf::Buffer *buffer =
          argument.kind == EntryArgument::Kind::Hidden
              ? hiddenIn
              : allocate(argument.elements() * argument.elementBytes());
      if (!buffer)
        return emitError(loc) << "cannot allocate calibration buffers";
      std::vector<int64_t> shape = argument.shape;
      if (argument.kind == EntryArgument::Kind::Hidden)
        shape = {seqLen, hidden};
      args.push_back(
          qf::DispatchArg::array(buffer, shape, argument.elementBytes()));
      if (argument.kind == EntryArgument::Kind::Statistic)
        statistics.push_back({buffer, &argument});
      if (argument.kind != EntryArgument::Kind::Parameter)
        continue;
      auto values = archives.readFloats(stage->weights.at(argument.key));
      if (!values.ok())
        return emitError(loc) << values.message();
      weightValues[argument.key] = values.take();
      staleWeights.insert(argument.key);
      parameters[argument.key] = {buffer, &argument};
    }
    args.push_back(qf::DispatchArg::array(hiddenOut, {seqLen, hidden}, 4));

    // True sequential: the linears reading one input are quantized
    // together, inputs in program order, each group calibrated with the
    // groups before it already quantized.
    std::vector<const EntryArgument *> groups;
    for (auto [buffer, argument] : statistics)
      if (argument->statistic == "hessian")
        groups.push_back(argument);
    std::string name = layer < 0 ? std::string("embedding")
                                 : "layer " + std::to_string(layer + 1) + "/" +
                                       std::to_string(layers);
    for (auto [index, group] : llvm::enumerate(groups)) {
      for (auto [buffer, argument] : statistics)
        if (failed(device->zero(*buffer)))
          return failure();
      std::string what = name + " input " + std::to_string(index + 1) + "/" +
                         std::to_string(groups.size());
      // What the quantizer needs of this input: every statistic of it.
      SmallVector<Attribute> keys;
      for (const std::string &key : group->keys)
        keys.push_back(StringAttr::get(module.getContext(), key));
      FailureOr<HostEntryPoint *> observer =
          executableFor(*stage, ArrayAttr::get(module.getContext(), keys));
      if (failed(observer))
        return failure();
      if (failed(uploadWeights(parameters)) ||
          failed(runWindows(**observer, args, nullptr, what)))
        return failure();
      // Every statistic of this input (the linears reading it share them).
      InputStatistics observed;
      observed.samples = calibration.samples;
      observed.tokens = calibration.samples * seqLen;
      for (auto [buffer, argument] : statistics)
        if (argument->keys == group->keys) {
          // Only the sums cross from the device, not the activations.
          FailureOr<std::vector<float>> sums = device->readFloats(*buffer);
          if (failed(sums))
            return failure();
          observed.sums[argument->statistic] = std::move(*sums);
          if (!calibration.statisticsOutput.empty())
            for (const std::string &key : group->keys)
              if (failed(saveStatistics(key, *argument, observed)))
                return failure();
        }
      std::map<std::string, std::vector<float>> stored;
      for (const std::string &key : group->keys) {
        const std::vector<float> &current = weightValues.at(key);
        stored[key] = current;
      }
      InputStatistics prepared = observed;
      if (quantizer.prepare &&
          failed(quantizer.prepare(group->keys, prepared, *this)))
        return failure();
      for (const std::string &key : group->keys)
        if (failed(quantizeWeight(key, layer, stored[key], observed, prepared)))
          return failure();
    }
    // The quantized stage's outputs are the next stage's inputs.
    FailureOr<HostEntryPoint *> forward = executableFor(*stage, Attribute());
    if (failed(forward) ||
        failed(uploadWeights(parameters)) ||
        failed(runWindows(**forward, args, &outputs, name + " outputs")))
      return failure();
    std::swap(inputs, outputs);
    buffers.resize(mark);
    weightValues.clear();
  }

  if (calibration.progress)
    llvm::errs() << "[calibrate] " << executables.size()
                 << " executables compiled for " << layers + 1
                 << " stages; on " << device->name() << " in "
                 << llvm::format("%.2f", std::chrono::duration<double>(
                                             std::chrono::steady_clock::now() -
                                             started)
                                             .count())
                 << " s (compiling " << llvm::format("%.2f", compileSeconds)
                 << " s)\n";

  if (!calibration.statisticsOutput.empty())
    if (qf::Status status =
            observedStatistics.write(calibration.statisticsOutput);
        !status.ok())
      return emitError(loc) << status.message();

  // The module itself is rewritten as the quantization passes do, from the
  // weights quantized above.
  LinearQuantization rewrite = packing;
  rewrite.method = quantizer.method;
  rewrite.progress = false;
  rewrite.quantize = [&](const std::string &key, const std::vector<float> &,
                         int64_t rows, int64_t cols, int64_t group,
                         LinearReport &) -> qf::Result<qf::quant::UnpackedWeight> {
    auto it = quantized.find(key);
    if (it == quantized.end())
      return qf::Status::error("no decoder stage computes an input of '" + key +
                               "'");
    auto weight = qf::quant::unpackCanonical(
        it->second, rows, cols, int(packing.bits), group, packing.symmetric,
        packing.scaleType == "f16");
    quantized.erase(it);
    return weight;
  };
  if (quantizer.finish)
    quantizer.finish(rewrite);
  return quantizeLinears(module, rewrite);
}

} // namespace

LogicalResult codegen::quantizeSequentially(ModuleOp module,
                                            const CalibrationOptions &calibration,
                                            const LinearQuantization &packing,
                                            const SequentialQuantizer &quantizer,
                                            std::vector<LinearReport> *report) {
  if (packing.output.empty())
    return module.emitError("sequential quantization needs an output file");
  if (packing.scaleType != "f32" && packing.scaleType != "f16")
    return module.emitError("scale type must be f32 or f16, got '")
           << packing.scaleType << "'";
  SequentialDriver driver(module, calibration, packing, quantizer, report);
  return driver.run();
}
