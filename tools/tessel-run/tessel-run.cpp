//===- tessel-run.cpp - run tessel programs -------------------------------===//
//
//   tessel-run interpret FILE.mlir [--entry NAME] [--input X.npy]...
//                                  [--output OUT.npy]... [--print]
//
// evaluates a function with the reference interpreter: the oracle every
// compiled path is compared against.
//
//===----------------------------------------------------------------------===//

#include "dialect/TesselDialect.h"
#include "runtime/Artifact.h"
#include "runtime/Npy.h"
#include "runtime/Sampling.h"
#include "tools/common/Diagnostics.h"
#include "tools/tessel-run/Interpreter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

constexpr const char *kTool = "tessel-run";

cl::SubCommand
    interpretCommand("interpret",
                     "Evaluate a function with the reference interpreter");
cl::opt<std::string> inputFile(cl::Positional, cl::sub(interpretCommand),
                               cl::desc("<file.mlir>"), cl::Required);
cl::opt<std::string>
    entryName("entry", cl::sub(interpretCommand),
              cl::desc("Function to run (default: the only function)"),
              cl::value_desc("name"));
cl::list<std::string> inputNpys("input", cl::sub(interpretCommand),
                                cl::desc("Argument as .npy, in order"),
                                cl::value_desc("file.npy"));
cl::list<std::string> outputNpys("output", cl::sub(interpretCommand),
                                 cl::desc("Where to write each result"),
                                 cl::value_desc("file.npy"));
cl::opt<std::string>
    paramsDir("params", cl::sub(interpretCommand),
              cl::desc("Directory with one <name>.npy per tessel.parameter"),
              cl::value_desc("dir"));
cl::opt<uint64_t>
    initSeed("seed", cl::sub(interpretCommand),
             cl::desc("Initialize parameters not in --params from this seed"),
             cl::value_desc("n"));
cl::opt<bool> printResults("print", cl::sub(interpretCommand),
                           cl::desc("Print the results to stdout"));

cl::SubCommand
    generateCommand("generate",
                    "Generate tokens with a compiled model and its KV cache");
cl::SubCommand runCommand("run", "Run an entry point of a compiled artifact");
cl::SubCommand
    forwardCommand("forward",
                   "Run forward(tokens) -> logits of a compiled model");
cl::opt<std::string> artifactDir(cl::Positional, cl::sub(runCommand),
                                 cl::sub(forwardCommand),
                                 cl::desc("<model.tsl>"), cl::Required);
cl::opt<std::string> runEntry("entry", cl::sub(runCommand),
                              cl::desc("Entry point (default: forward)"),
                              cl::init("forward"));
cl::list<std::string> runInputs("input", cl::sub(runCommand),
                                cl::desc("Input as .npy, in order"),
                                cl::value_desc("file.npy"));
cl::list<std::string> runOutputs("output", cl::sub(runCommand),
                                 cl::desc("Where to write each result"),
                                 cl::value_desc("file.npy"));
cl::opt<std::string> weights("weights", cl::sub(runCommand),
                             cl::sub(forwardCommand), cl::sub(generateCommand),
                             cl::desc("Parameters from a safetensors file"),
                             cl::value_desc("file.safetensors"));
cl::opt<uint64_t> weightSeed(
    "seed", cl::sub(runCommand), cl::sub(forwardCommand),
    cl::sub(generateCommand),
    cl::desc("Initialize parameters missing from --weights from this seed"),
    cl::value_desc("n"));
cl::opt<std::string> tokensFile("tokens", cl::sub(forwardCommand),
                                cl::desc("Token ids [B, S], int32 or int64"),
                                cl::value_desc("ids.npy"), cl::Required);
cl::opt<unsigned>
    repeat("repeat", cl::sub(runCommand), cl::sub(forwardCommand),
           cl::desc("Also time the entry point N more times; print the median"),
           cl::init(0));
cl::opt<bool> printMemory(
    "memory", cl::sub(runCommand), cl::sub(forwardCommand),
    cl::desc("Print the workspace the memory plan gave the entry point"));
cl::opt<std::string> logitsFile("out", cl::sub(forwardCommand),
                                cl::desc("Where to write the logits [B, S, V]"),
                                cl::value_desc("logits.npy"), cl::Required);

cl::opt<std::string> generateArtifact(cl::Positional, cl::sub(generateCommand),
                                      cl::desc("<model.tsl>"), cl::Required);
cl::opt<std::string> promptFile("prompt-tokens", cl::sub(generateCommand),
                                cl::desc("Prompt ids [B, P], int32 or int64"),
                                cl::value_desc("ids.npy"), cl::Required);
cl::opt<unsigned> maxNewTokens("max-new-tokens", cl::sub(generateCommand),
                               cl::desc("How many tokens to generate"),
                               cl::init(16));
cl::opt<double> temperature("temperature", cl::sub(generateCommand),
                            cl::desc("Sampling temperature (0: greedy)"),
                            cl::init(0.0));
cl::opt<int64_t> topK("top-k", cl::sub(generateCommand),
                      cl::desc("Keep the k most likely tokens (0: all)"),
                      cl::init(0));
cl::opt<double> topP("top-p", cl::sub(generateCommand),
                     cl::desc("Keep the most likely tokens up to this "
                              "probability mass (1: all)"),
                     cl::init(1.0));
cl::opt<double>
    repetitionPenalty("repetition-penalty", cl::sub(generateCommand),
                      cl::desc("Penalize tokens already present (1: none)"),
                      cl::init(1.0));
cl::opt<uint64_t> sampleSeed("sample-seed", cl::sub(generateCommand),
                             cl::desc("Seed of the sampler"), cl::init(0));
cl::opt<std::string> generatedFile(
    "out", cl::sub(generateCommand),
    cl::desc("Write prompt + generated ids [B, P + N] (int64) here"),
    cl::value_desc("ids.npy"));

/// Loads the artifact and its parameters; prints the error on failure.
bool loadArtifact(tessel::Artifact &artifact, const std::string &directory) {
  tessel::Status status = artifact.load(directory);
  if (status.isOk()) {
    uint64_t seed = weightSeed;
    status = artifact.loadParameters(
        weights, weightSeed.getNumOccurrences() ? &seed : nullptr);
  }
  if (!status.isOk())
    tessel::printError(kTool, status.message());
  return status.isOk();
}

/// Runs `entry` --repeat more times, in-process with the parameters loaded
/// once (what a benchmark compares), and prints the median and the
/// fastest time (the one a busy machine disturbs least); with
/// --memory, prints the workspace of the last run.
tessel::Status repeatAndReport(tessel::Artifact &artifact,
                               const std::string &entry,
                               const std::vector<tessel::Tensor> &inputs,
                               std::vector<tessel::Tensor> &results) {
  tessel::Status status = tessel::Status::ok();
  std::vector<double> times;
  for (unsigned i = 0; status.isOk() && i < repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    status = artifact.run(entry, inputs, results);
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  if (status.isOk() && !times.empty()) {
    std::sort(times.begin(), times.end());
    llvm::outs() << entry << ": median "
                 << llvm::format("%.3f", times[times.size() / 2]) << " ms over "
                 << times.size() << " runs (min "
                 << llvm::format("%.3f", times.front()) << " ms)\n";
  }
  const tessel::EntryPoint *point = artifact.entry(entry);
  if (status.isOk() && printMemory && point) {
    if (point->workspaceSymbol.empty()) {
      llvm::outs() << entry << ": no memory plan\n";
    } else {
      tessel::WorkspaceUse use = artifact.workspaceUse(entry);
      llvm::outs() << entry << ": workspace " << use.bytes << " bytes for "
                   << point->plannedBuffers << " temporaries in "
                   << point->workspaceSlots
                   << " slots (without reuse: " << use.unplanned << " bytes)\n";
    }
  }
  return status;
}

int runArtifact(const std::string &entry, std::vector<tessel::Tensor> inputs) {
  tessel::Artifact artifact;
  if (!loadArtifact(artifact, artifactDir))
    return 1;
  const tessel::EntryPoint *point = artifact.entry(entry);
  if (point && !runOutputs.empty() &&
      runOutputs.size() != point->results.size()) {
    tessel::printError(
        kTool, entry + " returns " + std::to_string(point->results.size()) +
                   " results, got " + std::to_string(runOutputs.size()) +
                   " --output files");
    return 1;
  }
  std::vector<tessel::Tensor> results;
  tessel::Status status = artifact.run(entry, inputs, results);
  if (status.isOk())
    status = repeatAndReport(artifact, entry, inputs, results);
  for (size_t i = 0; status.isOk() && i < runOutputs.size(); ++i)
    status = tessel::writeNpy(runOutputs[i], results[i]);
  if (!status.isOk()) {
    tessel::printError(kTool, status.message());
    return 1;
  }
  return 0;
}

int runForward() {
  tessel::Tensor tokens;
  tessel::Status status = tessel::readNpy(tokensFile, tokens);
  if (status.isOk() && (tokens.dtype != tessel::DType::I32 &&
                        tokens.dtype != tessel::DType::I64))
    status = tessel::errorf(tokensFile,
                            ": token ids must be int32 or int64, "
                            "got ",
                            tessel::numpyName(tokens.dtype));
  if (status.isOk() && tokens.rank() != 2)
    status = tessel::errorf(tokensFile,
                            ": token ids must be [batch, "
                            "sequence], got shape ",
                            tessel::formatShape(tokens.shape));
  if (!status.isOk()) {
    tessel::printError(kTool, status.message());
    return 1;
  }
  tessel::Artifact artifact;
  if (!loadArtifact(artifact, artifactDir))
    return 1;
  if (artifact.maxPositions() && tokens.shape[1] > artifact.maxPositions()) {
    tessel::printError(kTool, tokensFile + ": " +
                                  std::to_string(tokens.shape[1]) +
                                  " tokens exceed the model's maximum of " +
                                  std::to_string(artifact.maxPositions()));
    return 1;
  }
  for (auto [i, id] : llvm::enumerate(tokens.ints))
    if (id < 0 || (artifact.vocabSize() && id >= artifact.vocabSize())) {
      tessel::printError(kTool, tokensFile + ": token id " +
                                    std::to_string(id) + " at flat index " +
                                    std::to_string(i) + " is outside [0, " +
                                    std::to_string(artifact.vocabSize()) + ")");
      return 1;
    }
  tokens.dtype = tessel::DType::I64;
  std::vector<tessel::Tensor> results;
  status = artifact.run("forward", {tokens}, results);
  if (status.isOk())
    status = repeatAndReport(artifact, "forward", {tokens}, results);
  if (status.isOk())
    status = tessel::writeNpy(logitsFile, results[0]);
  if (!status.isOk()) {
    tessel::printError(kTool, status.message());
    return 1;
  }
  return 0;
}

/// Reads [B, S] token ids and checks them against the model.
bool readTokens(const std::string &path, const tessel::Artifact *artifact,
                tessel::Tensor &tokens) {
  tessel::Status status = tessel::readNpy(path, tokens);
  if (status.isOk() && tokens.dtype != tessel::DType::I32 &&
      tokens.dtype != tessel::DType::I64)
    status = tessel::errorf(path, ": token ids must be int32 or int64, got ",
                            tessel::numpyName(tokens.dtype));
  if (status.isOk() && tokens.rank() != 2)
    status = tessel::errorf(path,
                            ": token ids must be [batch, sequence], "
                            "got shape ",
                            tessel::formatShape(tokens.shape));
  if (status.isOk() && artifact && artifact->vocabSize())
    for (size_t i = 0; status.isOk() && i < tokens.ints.size(); ++i)
      if (tokens.ints[i] < 0 || tokens.ints[i] >= artifact->vocabSize())
        status = tessel::errorf(path, ": token id ", tokens.ints[i],
                                " at flat index ", i, " is outside [0, ",
                                artifact->vocabSize(), ")");
  if (!status.isOk())
    tessel::printError(kTool, status.message());
  tokens.dtype = tessel::DType::I64;
  return status.isOk();
}

/// Prompt, then one token at a time through `decode` and its KV cache.
int runGenerate() {
  tessel::Artifact artifact;
  if (!loadArtifact(artifact, generateArtifact))
    return 1;
  const tessel::EntryPoint *decode = artifact.entry("decode");
  if (!decode) {
    tessel::printError(kTool, generateArtifact +
                                  ": no decode entry point (compile the "
                                  "model from its definition with tesselc)");
    return 1;
  }
  tessel::Tensor prompt;
  if (!readTokens(promptFile, &artifact, prompt))
    return 1;
  int64_t batch = prompt.shape[0], length = prompt.shape[1];
  if (length == 0 ||
      (artifact.maxPositions() &&
       length + int64_t(maxNewTokens) > artifact.maxPositions())) {
    tessel::printError(
        kTool, promptFile + ": a prompt of " + std::to_string(length) +
                   " tokens plus " + std::to_string(maxNewTokens) +
                   " new ones must be non-empty and fit the "
                   "model's " +
                   std::to_string(artifact.maxPositions()) + " positions");
    return 1;
  }
  tessel::SamplingOptions options;
  options.temperature = temperature;
  options.topK = topK;
  options.topP = topP;
  options.repetitionPenalty = repetitionPenalty;
  if (options.temperature < 0 || options.topK < 0 || !(options.topP > 0) ||
      options.topP > 1 || !(options.repetitionPenalty > 0)) {
    tessel::printError(kTool, "--temperature >= 0, --top-k >= 0, --top-p "
                              "in (0, 1], --repetition-penalty > 0");
    return 1;
  }
  std::mt19937_64 rng(sampleSeed);

  // Empty caches: [B, heads, 0, head dim] per layer, as decode declares.
  std::vector<tessel::Tensor> state;
  for (size_t i = 2; i < decode->inputs.size(); ++i) {
    std::vector<int64_t> shape = decode->inputs[i].shape;
    shape[0] = batch, shape[2] = 0;
    state.push_back(tessel::Tensor::zeros(decode->inputs[i].dtype, shape));
  }
  std::vector<std::vector<int64_t>> sequences(batch);
  for (int64_t b = 0; b < batch; ++b)
    sequences[b].assign(prompt.ints.begin() + b * length,
                        prompt.ints.begin() + (b + 1) * length);
  tessel::Tensor step = prompt;
  int64_t position = 0;
  for (unsigned n = 0; n < maxNewTokens; ++n) {
    int64_t count = step.shape[1];
    tessel::Tensor positions =
        tessel::Tensor::zeros(tessel::DType::I64, {count});
    for (int64_t i = 0; i < count; ++i)
      positions.ints[i] = position + i;
    std::vector<tessel::Tensor> inputs = {step, positions};
    inputs.insert(inputs.end(), state.begin(), state.end());
    std::vector<tessel::Tensor> results;
    tessel::Status status = artifact.run("decode", inputs, results);
    if (!status.isOk()) {
      tessel::printError(kTool, status.message());
      return 1;
    }
    position += count;
    state.assign(results.begin() + 1, results.end());
    const tessel::Tensor &logits = results[0];
    int64_t vocab = logits.shape[2];
    step = tessel::Tensor::zeros(tessel::DType::I64, {batch, 1});
    for (int64_t b = 0; b < batch; ++b) {
      const float *row = logits.floats.data() + ((b + 1) * count - 1) * vocab;
      int64_t next = tessel::sampleToken(std::vector<float>(row, row + vocab),
                                         sequences[b], options, rng);
      sequences[b].push_back(next);
      step.ints[b] = next;
    }
  }
  tessel::Tensor all = tessel::Tensor::zeros(
      tessel::DType::I64, {batch, length + int64_t(maxNewTokens)});
  for (int64_t b = 0; b < batch; ++b) {
    std::copy(sequences[b].begin(), sequences[b].end(),
              all.ints.begin() + b * all.shape[1]);
    for (size_t i = length; i < sequences[b].size(); ++i)
      llvm::outs() << (i > size_t(length) ? " " : "") << sequences[b][i];
    llvm::outs() << "\n";
  }
  if (!generatedFile.empty()) {
    tessel::Status status = tessel::writeNpy(generatedFile, all);
    if (!status.isOk()) {
      tessel::printError(kTool, status.message());
      return 1;
    }
  }
  return 0;
}

/// Prints a tensor as nested lists, six significant digits.
void printTensor(llvm::raw_ostream &os, const tessel::Tensor &t) {
  std::vector<int64_t> strides(t.shape.size(), 1);
  for (size_t d = t.shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * t.shape[d];
  std::function<void(size_t, int64_t)> print = [&](size_t axis,
                                                   int64_t offset) {
    if (axis == t.shape.size()) {
      if (tessel::isFloat(t.dtype)) {
        char buffer[32];
        std::snprintf(buffer, sizeof(buffer), "%.6g", t.floats[offset]);
        os << buffer;
      } else {
        os << t.ints[offset];
      }
      return;
    }
    os << '[';
    for (int64_t i = 0; i < t.shape[axis]; ++i) {
      if (i)
        os << ", ";
      print(axis + 1, offset + i * strides[axis]);
    }
    os << ']';
  };
  print(0, 0);
}

int runInterpret() {
  DialectRegistry registry;
  registry
      .insert<tessel::TesselDialect, func::FuncDialect, arith::ArithDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  tessel::OneLineDiagnostics diagnostics(context, kTool);

  std::string message;
  auto file = openInputFile(inputFile, &message);
  if (!file) {
    tessel::printError(kTool, inputFile + ": " + message);
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  // Find the entry point.
  func::FuncOp entry;
  SmallVector<std::string> names;
  module->walk([&](func::FuncOp f) {
    names.push_back(f.getSymName().str());
    if (f.getSymName() == entryName)
      entry = f;
  });
  if (entryName.empty() && names.size() == 1)
    entry = *module->getOps<func::FuncOp>().begin();
  if (!entry) {
    std::string known = llvm::join(names, ", ");
    tessel::printError(
        kTool,
        inputFile + ": " +
            (entryName.empty()
                 ? "several functions (" + known + "); choose one with --entry"
                 : "no function @" + entryName + " (functions: " +
                       (known.empty() ? "none" : known) + ")"));
    return 1;
  }
  std::string fn = "@" + entry.getSymName().str();
  FunctionType type = entry.getFunctionType();
  if (inputNpys.size() != type.getNumInputs()) {
    tessel::printError(kTool,
                       fn + " takes " + std::to_string(type.getNumInputs()) +
                           " arguments, got " +
                           std::to_string(inputNpys.size()) + " --input files");
    return 1;
  }
  if (!outputNpys.empty() && outputNpys.size() != type.getNumResults()) {
    tessel::printError(
        kTool, fn + " returns " + std::to_string(type.getNumResults()) +
                   " results, got " + std::to_string(outputNpys.size()) +
                   " --output files");
    return 1;
  }

  std::vector<tessel::Tensor> inputs(inputNpys.size());
  for (auto [i, path] : llvm::enumerate(inputNpys)) {
    tessel::Status status = tessel::readNpy(path, inputs[i]);
    if (status.isOk())
      status = tessel::checkArgument(inputs[i], type.getInput(i));
    if (!status.isOk()) {
      std::string what = status.message();
      // readNpy already names the file.
      if (what.rfind(path, 0) != 0)
        what = path + ": argument " + std::to_string(i) + " of " + fn + ": " +
               what;
      tessel::printError(kTool, what);
      return 1;
    }
  }

  std::vector<tessel::Tensor> outputs;
  tessel::ParameterOptions parameters;
  parameters.directory = paramsDir;
  if (!paramsDir.empty() && !llvm::sys::fs::is_directory(paramsDir)) {
    tessel::printError(kTool, paramsDir + ": --params is not a directory");
    return 1;
  }
  if (initSeed.getNumOccurrences())
    parameters.seed = initSeed;
  if (failed(tessel::interpret(entry, std::move(inputs), parameters, outputs)))
    return 1;

  for (auto [path, tensor] : llvm::zip(outputNpys, outputs)) {
    tessel::Status status = tessel::writeNpy(path, tensor);
    if (!status.isOk()) {
      tessel::printError(kTool, status.message());
      return 1;
    }
  }
  if (printResults)
    for (auto [i, tensor] : llvm::enumerate(outputs)) {
      llvm::outs() << "result " << i << ": " << type.getResult(i) << " = ";
      printTensor(llvm::outs(), tensor);
      llvm::outs() << "\n";
    }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "Tessel runner\n\n"
                                   "  tessel-run interpret FILE.mlir --entry "
                                   "NAME --input X.npy ... --output OUT.npy\n"
                                   "  tessel-run forward MODEL.tsl --tokens "
                                   "ids.npy --out logits.npy [--weights "
                                   "W.safetensors] [--seed N]\n"
                                   "  tessel-run run MODEL.tsl --entry NAME "
                                   "--input X.npy ... --output OUT.npy\n",
                                   &llvm::errs()))
    return 1;
  if (interpretCommand)
    return runInterpret();
  if (forwardCommand)
    return runForward();
  if (generateCommand)
    return runGenerate();
  if (runCommand) {
    std::vector<tessel::Tensor> inputs(runInputs.size());
    for (auto [i, path] : llvm::enumerate(runInputs)) {
      tessel::Status status = tessel::readNpy(path, inputs[i]);
      if (!status.isOk()) {
        tessel::printError(kTool, status.message());
        return 1;
      }
    }
    return runArtifact(runEntry, std::move(inputs));
  }
  tessel::printError(kTool, "expected a command: interpret, run, forward or "
                            "generate (see --help)");
  return 1;
}
