//===- tesselc.cpp - the Tessel compiler driver ---------------------------===//
//
//   tesselc MODEL.json                 the tessel IR of forward and decode
//   tesselc MODEL.json --emit=STAGE    stop after a stage (config, tessel,
//                                      graph, linalg, llvm)
//   tesselc MODEL.json -o MODEL.tsl    compile an artifact for this CPU
//   tesselc MODEL.json --stats[=json]  parameters, FLOPs, KV cache, memory
//
// MODEL.json is Tessel's model format or a HuggingFace config.json; a .mlir
// file of tessel IR is read as it is. The driver only drives: the pipelines
// are in passes/pipelines/, the backend in passes/backend/. MLIR's
// pass-manager options (--mlir-print-ir-after-all, --mlir-timing, ...) work.
//
//===----------------------------------------------------------------------===//

#include "dialect/TesselDialect.h"
#include "dialect/TesselOps.h"
#include "frontend/ConfigReader.h"
#include "frontend/ModelBuilder.h"
#include "frontend/ModelStats.h"
#include "passes/Passes.h"
#include "passes/backend/ArtifactWriter.h"
#include "passes/backend/CpuTarget.h"
#include "passes/backend/CudaTarget.h"
#include "passes/pipelines/Pipelines.h"
#include "runtime/Files.h"
#include "tools/common/Diagnostics.h"
#include "tools/common/IRFile.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cctype>

using namespace mlir;
namespace cl = llvm::cl;
namespace fe = tessel::frontend;

namespace {

constexpr const char *kTool = "tesselc";

enum class Stage { Config, Tessel, Graph, Linalg, LLVM, PTX };

enum class Target { Cpu, Cuda };

/// What --help shows: tesselc's own options, then MLIR's IR-inspection
/// options (--mlir-print-ir-after-all, --mlir-timing, ...); LLVM's backend
/// flags stay usable but are not listed.
cl::OptionCategory tesselcCategory("tesselc options");
cl::OptionCategory inspectionCategory("IR inspection (MLIR)");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.json>"),
                               cl::Required, cl::cat(tesselcCategory));
cl::opt<std::string> outputFile(
    "o",
    cl::desc("Output file (default: stdout); a name ending in .tsl gets the "
             "compiled artifact (a directory: manifest.json, model.so)"),
    cl::value_desc("file"), cl::init("-"), cl::cat(tesselcCategory));
cl::opt<Stage> emit(
    "emit", cl::desc("Stop after this stage and print its result"),
    cl::init(Stage::Graph), cl::cat(tesselcCategory),
    cl::values(clEnumValN(Stage::Config, "config",
                          "the model as Tessel reads it (normalized JSON)"),
               clEnumValN(Stage::Tessel, "tessel",
                          "tessel IR as the frontend builds it"),
               clEnumValN(Stage::Graph, "graph",
                          "tessel IR after the graph pipeline (default)"),
               clEnumValN(Stage::Linalg, "linalg",
                          "after the target-neutral phase: linalg on "
                          "tensors, attention in its online form"),
               clEnumValN(Stage::LLVM, "llvm",
                          "the LLVM dialect after the target's pipeline "
                          "(with --target=cuda: the host code and the "
                          "kernels' gpu.binary)"),
               clEnumValN(Stage::PTX, "ptx",
                          "the kernels' PTX (--target=cuda)")));
/// `--stats[=text|json]`. LLVM's own `-stats` option (pass statistics) owns
/// that name in the option registry, so tesselc takes it out of argv before
/// the command line is parsed.
std::optional<std::string> stats;

/// Removes `--stats`, `-stats` and `--stats=FORMAT` from argv into `stats`.
void extractStatsFlag(int &argc, char **argv) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "--stats" || arg == "-stats")
      stats = "text";
    else if (arg.consume_front("--stats=") || arg.consume_front("-stats="))
      stats = arg.str();
    else
      argv[kept++] = argv[i];
  }
  argc = kept;
  argv[argc] = nullptr;
}
cl::opt<int64_t> statsBatch("stats-batch",
                            cl::desc("Batch size for --stats (default 1)"),
                            cl::init(1), cl::cat(tesselcCategory));
cl::opt<int64_t>
    statsSeq("stats-seq",
             cl::desc("Sequence length for --stats (default: the model's "
                      "maximum)"),
             cl::init(0), cl::cat(tesselcCategory));
cl::opt<std::string> loraTargets(
    "lora-targets",
    cl::desc("LoRA on the linear layers whose module name ends in one of "
             "these (comma-separated, e.g. q_proj,v_proj; GPT-2: c_attn): "
             "W x + (alpha / r) B A x, every other parameter frozen"),
    cl::value_desc("NAMES"), cl::init(""), cl::cat(tesselcCategory));
cl::opt<int64_t> loraRank("lora-rank", cl::desc("LoRA's rank r (default 8)"),
                          cl::init(8), cl::cat(tesselcCategory));
cl::opt<double> loraAlpha("lora-alpha",
                          cl::desc("LoRA's alpha: the adapter is scaled by "
                                   "alpha / r (default: r)"),
                          cl::init(0.0), cl::cat(tesselcCategory));
cl::opt<double> loraDropout(
    "lora-dropout",
    cl::desc("Dropout on each adapter's input in training (default 0)"),
    cl::init(0.0), cl::cat(tesselcCategory));
cl::opt<int> zeroStage(
    "zero",
    cl::desc("With --stats: mark ZeRO stage S (0-3) in the training state "
             "per rank (--ranks)"),
    cl::value_desc("S"), cl::init(-1), cl::cat(tesselcCategory));
cl::opt<int> zeroRanks(
    "ranks",
    cl::desc("With --stats: the training state per rank under ZeRO over N "
             "data-parallel ranks (each stage, the paper's mixed-precision "
             "Adam and Tessel's f32)"),
    cl::value_desc("N"), cl::init(0), cl::cat(tesselcCategory));
cl::opt<bool> untiledAttention(
    "untiled-attention",
    cl::desc("Compile attention untiled, materializing the [S, T] logits "
             "(for comparison with FlashAttention)"),
    cl::init(false), cl::cat(tesselcCategory));

cl::opt<int64_t> splitKeys(
    "split-keys",
    cl::desc("Decode attention splits the keys into chunks of N walked in "
             "parallel and merged by log-sum-exp (FlashDecoding; default "
             "256, 0: no split)"),
    cl::value_desc("N"), cl::init(256), cl::cat(tesselcCategory));

cl::opt<std::string> cpuName(
    "cpu",
    cl::desc("The CPU an artifact's code is for: native (default: this "
             "machine's, every feature it has) or an LLVM CPU name such as "
             "x86-64-v3 or x86-64-v4, to run the artifact on other "
             "machines; the manifest records its features and the loader "
             "refuses a CPU without them"),
    cl::value_desc("NAME"), cl::init("native"), cl::cat(tesselcCategory));

cl::opt<unsigned> codegenThreads(
    "codegen-threads",
    cl::desc("Threads for LLVM's code generation of an artifact (the "
             "module split into that many parts; default 0: one per "
             "hardware thread)"),
    cl::value_desc("N"), cl::init(0), cl::cat(tesselcCategory));

cl::opt<Target> target(
    "target", cl::desc("What the compiled code runs on"), cl::init(Target::Cpu),
    cl::cat(tesselcCategory),
    cl::values(clEnumValN(Target::Cpu, "cpu", "this machine's CPU (default)"),
               clEnumValN(Target::Cuda, "cuda",
                          "an NVIDIA GPU (--sm): kernels as PTX and cubin, "
                          "host code for any x86-64 CPU")));

cl::opt<int> smVersion(
    "sm",
    cl::desc("With --target=cuda: the GPU's compute capability, 80 (A100) "
             "or 90 (H100, H200; default)"),
    cl::value_desc("N"), cl::init(90), cl::cat(tesselcCategory));

cl::opt<std::string> cudaPath(
    "cuda-path",
    cl::desc("With --target=cuda: the CUDA toolkit whose libdevice and "
             "ptxas are used (default: $CUDA_HOME, else /usr/local/cuda)"),
    cl::value_desc("DIR"), cl::init(""), cl::cat(tesselcCategory));

cl::opt<std::string> cudaAttention(
    "cuda-attention",
    cl::desc("With --target=cuda: the tensor cores' input type for "
             "attention, bf16 (default) or f16 (the FlashAttention kernel, "
             "f32 softmax and accumulators), or f32 (untiled, no tensor "
             "cores: exact, slow)"),
    cl::value_desc("TYPE"), cl::init("bf16"), cl::cat(tesselcCategory));

cl::opt<std::string> cudaLinear(
    "cuda-linear",
    cl::desc("With --target=cuda: the tensor cores' input type for linear "
             "layers, bf16 (default) or f16 (f32 accumulators), or f32 (one "
             "thread per output, no tensor cores: exact, slow)"),
    cl::value_desc("TYPE"), cl::init("bf16"), cl::cat(tesselcCategory));

cl::opt<bool> cudaEmulate(
    "cuda-emulate",
    cl::desc("Tests only, with --target=cuda: the kernels compiled for this "
             "CPU in place of the cubin, for the test suite's stand-in CUDA "
             "driver"),
    cl::Hidden, cl::init(false), cl::cat(tesselcCategory));

/// The options of tesselc's CUDA flow.
tessel::CudaPipelineOptions cudaOptions() {
  tessel::CudaPipelineOptions options;
  options.toLinalg.splitKeys = splitKeys;
  options.codegen.sm = smVersion;
  options.codegen.toolkit = cudaPath;
  options.codegen.emulate = cudaEmulate;
  options.codegen.attention =
      cudaAttention == "f32" ? std::string() : std::string(cudaAttention);
  options.codegen.linear =
      cudaLinear == "f32" ? std::string() : std::string(cudaLinear);
  options.codegen.workspaceArgument = true;
  return options;
}

/// The options of tesselc's CPU flow, as tessel-cpu-pipeline takes them.
tessel::CpuPipelineOptions cpuOptions() {
  tessel::CpuPipelineOptions options;
  options.cpu = cpuName;
  options.codegenThreads = codegenThreads;
  options.toLinalg.flashAttention = !untiledAttention;
  options.toLinalg.splitKeys = splitKeys;
  options.codegen.workspaceArgument = true;
  return options;
}
cl::opt<std::string> printStages(
    "print-stages",
    cl::desc("Write the IR at each stage of the CPU compilation into DIR, "
             "one file per stage (tessel, graph, online attention, linalg, "
             "CPU mapping, vectorized, bufferized, steps, threads, LLVM), "
             "and list them with their op counts"),
    cl::value_desc("dir"), cl::cat(tesselcCategory));
cl::opt<std::string> kvDtype("kv-dtype",
                             cl::desc("KV-cache element type for --stats: "
                                      "f32, f16, bf16 (default: the model's)"),
                             cl::init(""), cl::cat(tesselcCategory));

cl::opt<std::string> recompute(
    "recompute",
    cl::desc("With --train: which forward activations the backward "
             "recomputes instead of keeping: none (default), attention "
             "(each attention sublayer), blocks (each block from its "
             "input), blocks:K (the first K blocks), or budget:BYTES (the "
             "fewest blocks whose saved activations fit BYTES at "
             "--stats-batch x --stats-seq)"),
    cl::value_desc("SCHEDULE"), cl::init("none"), cl::cat(tesselcCategory));

/// --recompute as tessel-recompute takes it (budget resolved to blocks:K).
std::string recomputeSchedule = "none";

cl::opt<bool> noPrefill(
    "no-prefill",
    cl::desc("Leave out the prefill entry point (a prompt's logits at its "
             "last position only; generation then runs prompts through "
             "decode), which saves about a third of the compile time"),
    cl::init(false), cl::cat(tesselcCategory));

cl::opt<bool> train(
    "train",
    cl::desc(
        "Also build the training entry points: loss(tokens, targets) "
        "and its gradients, grads(tokens, targets) -> (loss, dL/dparameter "
        "for every parameter)"),
    cl::init(false), cl::cat(tesselcCategory));

cl::opt<int64_t> prefixTokens(
    "prefix-tokens",
    cl::desc("Prefix tuning: every layer's attention also attends P learned "
             "keys and values (prefix.embedding [P, 2 L Hkv D], PEFT's "
             "layout); the sequence starts at position P; every other "
             "parameter is frozen"),
    cl::value_desc("P"), cl::init(0), cl::cat(tesselcCategory));

cl::opt<int64_t> prefixProjection(
    "prefix-projection",
    cl::desc("With --prefix-tokens: PEFT's reparametrization, the prefix as "
             "an MLP (hidden size H, tanh) of an embedding [P, D]; "
             "tessel-run merge-prefix drops the MLP after training"),
    cl::value_desc("H"), cl::init(0), cl::cat(tesselcCategory));

cl::opt<std::string> reftLayers(
    "reft-layers",
    cl::desc("LoReFT: intervene on the hidden states after these layers "
             "(comma-separated, from 0): h + R^T (W h + b - R h) with R's "
             "rows orthonormal; every other parameter is frozen"),
    cl::value_desc("L,..."), cl::cat(tesselcCategory));

cl::opt<int64_t> reftRank("reft-rank", cl::desc("LoReFT's rank r (default 4)"),
                          cl::value_desc("R"), cl::init(4),
                          cl::cat(tesselcCategory));

cl::opt<std::string> reftPositions(
    "reft-positions",
    cl::desc("LoReFT's positions, as pyreft writes them: fN+lM, the first N "
             "and last M of the sequence (default f1+l1; decode and "
             "generation need M = 0)"),
    cl::value_desc("fN+lM"), cl::init("f1+l1"), cl::cat(tesselcCategory));

cl::opt<bool> valueHead(
    "value-head",
    cl::desc("With --train: also build policy(tokens) -> (logits, values), "
             "the forward pass with a value head on the last hidden states, "
             "and its vector-Jacobian product policy_grads(tokens, dlogits, "
             "dvalues) -> dL/dparameter (for tessel-run train --objective "
             "ppo)"),
    cl::init(false), cl::cat(tesselcCategory));

cl::opt<int64_t> kvBlockSize(
    "kv-block-size",
    cl::desc("Decode with a paged KV cache: pools of blocks of N positions "
             "read through per-sequence block tables (0, the default: one "
             "contiguous cache per sequence)"),
    cl::value_desc("N"), cl::init(0), cl::cat(tesselcCategory));

int fail(const std::string &message) {
  tessel::printError(kTool, message);
  return 1;
}

/// The normalized configuration, for --emit=config.
std::string configJson(const fe::ModelConfig &c) {
  const fe::AttentionConfig &a = c.attention;
  nlohmann::ordered_json j;
  // What Tessel understood, for reading; not a model definition to feed back.
  j["read_from"] = c.format;
  j["name"] = c.modelName;
  j["vocab_size"] = c.vocabSize;
  j["hidden_size"] = c.hiddenSize;
  j["num_layers"] = c.numLayers;
  j["max_positions"] = c.maxPositions;
  j["dtype"] = tessel::name(c.dtype);
  j["tie_embeddings"] = c.tiedEmbeddings;
  std::string kind = a.kindName();
  for (char &ch : kind)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  nlohmann::ordered_json attn = {{"kind", kind},
                                 {"heads", a.heads},
                                 {"kv_heads", a.kvHeads},
                                 {"qkv_bias", a.qkvBias},
                                 {"out_bias", a.outBias}};
  if (a.mla) {
    attn["kv_lora_rank"] = a.kvLoraRank;
    attn["q_lora_rank"] = a.qLoraRank;
    attn["qk_nope_head_dim"] = a.qkNopeHeadDim;
    attn["qk_rope_head_dim"] = a.qkRopeHeadDim;
    attn["v_head_dim"] = a.vHeadDim;
  } else {
    attn["head_dim"] = a.headDim;
  }
  j["attention"] = attn;
  nlohmann::ordered_json pos = {{"kind", fe::name(c.position)}};
  if (c.position == fe::PositionKind::Rope) {
    pos["theta"] = c.ropeTheta;
    pos["rotary_dims"] = c.rotaryDims ? c.rotaryDims : a.qkHeadDim();
    pos["interleaved"] = c.ropeInterleaved;
  } else if (c.position == fe::PositionKind::Relative) {
    pos["num_buckets"] = c.relativeBuckets;
    pos["max_distance"] = c.relativeMaxDistance;
  }
  j["position"] = pos;
  j["norm"] = {{"kind", fe::name(c.norm)},
               {"placement", c.preNorm ? "pre" : "post"},
               {"eps", c.normEps}};
  j["mlp"] = {{"kind", c.mlp == fe::MlpKind::Swiglu ? "swiglu"
                       : c.geluTanh                 ? "gelu_tanh"
                                                    : "gelu"},
              {"hidden", c.intermediateSize},
              {"bias", c.mlpBias}};
  auto init = [](const fe::Init &i) {
    nlohmann::ordered_json o = {{"kind", tessel::name(i.kind)}};
    if (tessel::takesStd(i.kind))
      o["std"] = i.std;
    if (i.kind == tessel::InitKind::Constant)
      o["value"] = i.value;
    return o;
  };
  j["init"] = {{"embedding", init(c.embeddingInit)},
               {"attention", init(c.attentionInit)},
               {"mlp", init(c.mlpInit)},
               {"output", init(c.outputInit)}};
  return j.dump(2) + "\n";
}

/// f32, f16 or bf16.
std::optional<tessel::DType> parseFloatDtype(const std::string &s) {
  std::optional<tessel::DType> dtype = tessel::parseDType(s);
  if (dtype && !tessel::isFloat(*dtype))
    return std::nullopt;
  return dtype;
}

/// Opens -o, writes what `write` prints, and keeps the file only if every
/// byte was written (otherwise it is removed). Returns the exit status.
int writeOutput(llvm::function_ref<void(llvm::raw_ostream &)> write) {
  std::string message;
  auto output = openOutputFile(outputFile, &message);
  if (!output)
    return fail(outputFile + ": " + message);
  write(output->os());
  output->os().flush();
  if (output->os().has_error()) {
    output->os().clear_error();
    return fail(outputFile + ": write failed");
  }
  output->keep();
  return 0;
}

/// Prints `module` (OpPrintingFlags reads --mlir-print-debuginfo and the
/// other printer options) to -o.
int writeModule(ModuleOp module) {
  return writeOutput([&](llvm::raw_ostream &os) {
    module.print(os, OpPrintingFlags());
    os << "\n";
  });
}

/// Every dialect and extension the pipelines touch.
const DialectRegistry &registry() {
  static DialectRegistry *r = [] {
    auto *reg = new DialectRegistry();
    reg->insert<tessel::TesselDialect>();
    registerAllDialects(*reg);
    registerAllExtensions(*reg);
    tessel::registerGpuBufferizationModels(*reg);
    // The kernels' path to PTX (--target=cuda) translates the GPU and NVVM
    // dialects.
    registerAllGPUToLLVMIRTranslations(*reg);
    return reg;
  }();
  return *r;
}

/// The whole compilation's timer (--mlir-timing): each pipeline, LLVM's
/// optimization and code generation, and the link nest under it. Set by
/// main; inactive without --mlir-timing.
TimingScope *compileTiming = nullptr;

/// The graph pipeline, with the pass-manager command-line options.
LogicalResult runGraphPipeline(ModuleOp module) {
  PassManager pm(module.getContext());
  TimingScope timing = compileTiming->nest("graph pipeline");
  if (failed(tessel::configurePassManager(pm, timing)))
    return failure();
  tessel::buildGraphPipeline(pm, recomputeSchedule);
  return pm.run(module);
}

/// Runs the pipelines up to `stage` (tessel: none).
LogicalResult lowerTo(ModuleOp module, Stage stage) {
  if (stage == Stage::Tessel)
    return success();
  if (failed(runGraphPipeline(module)))
    return failure();
  if (stage == Stage::Graph)
    return success();
  PassManager pm(module.getContext());
  bool cuda = target == Target::Cuda;
  TimingScope timing =
      compileTiming->nest(cuda ? "CUDA pipeline" : "CPU pipeline");
  if (failed(tessel::configurePassManager(pm, timing)))
    return failure();
  if (cuda) {
    tessel::CudaPipelineOptions options = cudaOptions();
    if (stage == Stage::Linalg)
      tessel::buildToLinalgPipeline(pm, options.toLinalg);
    else
      tessel::buildCudaPipeline(pm, options);
  } else {
    tessel::CpuPipelineOptions options = cpuOptions();
    if (stage == Stage::Linalg)
      tessel::buildToLinalgPipeline(pm, options.toLinalg);
    else
      tessel::buildCpuPipeline(pm, options);
  }
  return pm.run(module);
}

/// Prints the PTX of `module` after the CUDA pipeline.
int writePtx(ModuleOp module) {
  std::string ptx;
  if (failed(tessel::takePtx(module, ptx)))
    return 1;
  return writeOutput([&](llvm::raw_ostream &os) { os << ptx; });
}

/// Writes the artifact of `module` (after the graph pipeline) for the
/// target.
LogicalResult writeTargetArtifact(ModuleOp module,
                                  const fe::ModelConfig *config) {
  if (target == Target::Cuda)
    return tessel::writeCudaArtifact(module, config, outputFile, cudaOptions(),
                                     compileTiming);
  return tessel::writeArtifact(module, config, outputFile, cpuOptions(),
                               compileTiming);
}

/// One stage's file, for the summary --print-stages prints.
struct StageFile {
  std::string path;
  int64_t ops = 0, lines = 0;
};

/// Writes the module to `path` and records its size: the pass that
/// --print-stages adds at each stage boundary.
class WriteStagePass
    : public PassWrapper<WriteStagePass, OperationPass<ModuleOp>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(WriteStagePass)
  WriteStagePass(std::string path, std::vector<StageFile> *files)
      : path(std::move(path)), files(files) {}
  StringRef getName() const override { return "WriteStage"; }

  void runOnOperation() override {
    std::string text;
    llvm::raw_string_ostream os(text);
    getOperation()->print(os);
    StageFile file{path, 0, 0};
    getOperation()->walk([&](Operation *) { ++file.ops; });
    file.lines = std::count(text.begin(), text.end(), '\n');
    if (tessel::Status written = tessel::writeFile(path, text);
        !written.isOk()) {
      getOperation()->emitError(written.message());
      return signalPassFailure();
    }
    files->push_back(file);
  }

private:
  std::string path;
  std::vector<StageFile> *files;
};

/// --print-stages=DIR: the whole CPU compilation of `module`, with the IR
/// written at each stage and a table of the files.
int printStagesOf(ModuleOp module) {
  if (std::error_code ec = llvm::sys::fs::create_directories(printStages))
    return fail(printStages + ": cannot create: " + ec.message());
  std::vector<StageFile> files;
  int number = 0;
  auto add = [&](OpPassManager &pm, llvm::StringRef stage) {
    ++number;
    std::string name =
        (number < 10 ? "0" : "") + std::to_string(number) + "-" + stage.str() +
        ".mlir";
    pm.addPass(std::make_unique<WriteStagePass>(
        (llvm::Twine(printStages) + "/" + name).str(), &files));
  };
  PassManager pm(module.getContext());
  if (failed(tessel::configurePassManager(pm, *compileTiming)))
    return 1;
  add(pm, "tessel");
  tessel::buildGraphPipeline(pm, recomputeSchedule);
  add(pm, "graph");
  tessel::CpuPipelineOptions options = cpuOptions();
  options.toLinalg.stageHook = options.codegen.stageHook = add;
  tessel::buildCpuPipeline(pm, options);
  if (failed(pm.run(module)))
    return 1;
  llvm::outs() << llvm::formatv("{0,-44} {1,8} {2,8}\n", "stage", "ops",
                                "lines");
  for (const StageFile &file : files)
    llvm::outs() << llvm::formatv("{0,-44} {1,8} {2,8}\n", file.path, file.ops,
                                  file.lines);
  return 0;
}

/// tesselc FILE.mlir: tessel IR in (e.g. a test's function), printed or
/// compiled.
int compileIR(bool artifact) {
  MLIRContext context(registry());
  tessel::OneLineDiagnostics diagnostics(context, kTool);
  OwningOpRef<ModuleOp> module = tessel::parseIRFile(inputFile, context, kTool);
  if (!module)
    return 1;
  if (!printStages.empty())
    return printStagesOf(*module);
  if (artifact)
    return failed(runGraphPipeline(*module)) ||
                   failed(writeTargetArtifact(*module, nullptr))
               ? 1
               : 0;
  if (emit == Stage::Config)
    return fail("--emit=config needs a model definition, not IR");
  if (failed(lowerTo(*module, emit)))
    return 1;
  return emit == Stage::PTX ? writePtx(*module) : writeModule(*module);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // Passes first: --mlir-print-ir-after=<pass> lists the passes registered
  // when the option is.
  registerAllPasses();
  tessel::registerTesselPasses();
  tessel::registerPipelines();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  extractStatsFlag(argc, argv);
  for (auto &entry : cl::getRegisteredOptions())
    if (entry.first.starts_with("mlir-"))
      entry.second->addCategory(inspectionCategory);
  cl::HideUnrelatedOptions({&tesselcCategory, &inspectionCategory});
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "Tessel compiler\n\n"
          "  tesselc MODEL.json [--emit=config|tessel|graph|linalg|llvm] [-o "
          "FILE]\n"
          "  tesselc MODEL.json -o MODEL.tsl [--untiled-attention]\n"
          "  tesselc MODEL.json --stats[=text|json] [--stats-batch=N] "
          "[--stats-seq=N] [--kv-dtype=T]\n\n"
          "  LLVM's code generation flags are accepted but not listed.\n",
          &llvm::errs()))
    return 1;
  // Reported when main returns: the root scope stops, then the manager
  // prints.
  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  TimingScope rootTiming = timingManager.getRootScope();
  compileTiming = &rootTiming;

  bool artifact = llvm::StringRef(outputFile).ends_with(".tsl");
  bool irInput = llvm::StringRef(inputFile).ends_with(".mlir");
  if (cpuName.getNumOccurrences()) {
    if (!artifact)
      return fail("--cpu applies to a compiled artifact (-o X.tsl)");
    std::string cpuError;
    if (failed(tessel::checkCpuName(cpuName, cpuError)))
      return fail(cpuError);
  }
  bool cuda = target == Target::Cuda;
  if (!cuda && (smVersion.getNumOccurrences() || cudaPath.getNumOccurrences() ||
                cudaAttention.getNumOccurrences() ||
                cudaLinear.getNumOccurrences() || cudaEmulate))
    return fail("--sm, --cuda-path, --cuda-attention and --cuda-linear apply "
                "to --target=cuda");
  for (auto *flag : {&cudaAttention, &cudaLinear})
    if (cuda && *flag != "bf16" && *flag != "f16" && *flag != "f32")
      return fail("--" + flag->ArgStr.str() + "=" + std::string(*flag) +
                  " is not supported: bf16, f16 or f32");
  if (cuda && smVersion != 80 && smVersion != 90)
    return fail("--sm=" + std::to_string(smVersion) +
                " is not supported: 80 (A100) or 90 (H100, H200)");
  if (!cuda && emit == Stage::PTX)
    return fail("--emit=ptx needs --target=cuda");
  if (cuda && (cpuName.getNumOccurrences() || untiledAttention ||
               codegenThreads.getNumOccurrences()))
    return fail("--cpu, --codegen-threads and --untiled-attention apply to "
                "the CPU target (a CUDA artifact's host code is for any "
                "x86-64; its attention is untiled)");
  if (std::string error;
      cuda && (artifact || emit >= Stage::LLVM) &&
      failed(tessel::checkCudaToolkit(
          tessel::cudaToolkit(cudaOptions().codegen), error)))
    return fail(error);
  if (cuda && !printStages.empty())
    return fail("--print-stages shows the CPU compilation; with "
                "--target=cuda use --mlir-print-ir-after-all");
  if (artifact && emit != Stage::Graph)
    return fail("-o " + outputFile +
                " writes a compiled artifact; --emit "
                "applies to printed output");
  if (irInput) {
    recomputeSchedule = recompute;
    return compileIR(artifact);
  }

  fe::JsonSource source;
  fe::ModelConfig config;
  std::string error;
  if (!fe::loadModelConfig(inputFile, config, source, error))
    return fail(error);
  for (const std::string &warning : config.warnings)
    llvm::errs() << kTool << ": warning: " << warning << "\n";

  // Check every flag before the output file is opened (and so truncated).
  if (kvBlockSize < 0 || kvBlockSize > 4096)
    return fail("--kv-block-size must be in [1, 4096], or 0 for a contiguous "
                "cache, got " +
                std::to_string(kvBlockSize));
  config.kvBlockSize = kvBlockSize;
  config.train = train;
  if (train && target == Target::Cuda)
    return fail("--train compiles training entry points for the CPU only; "
                "--target=cuda compiles inference (forward, prefill, "
                "decode)");
  if (valueHead && !train)
    return fail("--value-head needs --train (policy_grads is a training "
                "entry point)");
  config.valueHead = valueHead;
  if (prefixTokens < 0 || prefixTokens > 4096)
    return fail("--prefix-tokens must be in [1, 4096], got " +
                std::to_string(prefixTokens));
  config.prefix.tokens = prefixTokens;
  if (prefixProjection.getNumOccurrences() &&
      (prefixProjection < 1 || prefixProjection > 65536 || !prefixTokens))
    return fail("--prefix-projection takes a hidden size in [1, 65536] and "
                "needs --prefix-tokens, got " +
                std::to_string(prefixProjection));
  config.prefix.projection = prefixProjection;
  if (!reftLayers.empty()) {
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(reftLayers).split(parts, ',');
    for (llvm::StringRef part : parts) {
      int64_t layer;
      if (part.trim().getAsInteger(10, layer))
        return fail("--reft-layers takes comma-separated layer numbers, got '" +
                    reftLayers + "'");
      config.reft.layers.push_back(layer);
    }
    if (reftRank < 1 || reftRank > 4096)
      return fail("--reft-rank must be in [1, 4096], got " +
                  std::to_string(reftRank));
    config.reft.rank = reftRank;
    // fN, lM or fN+lM.
    llvm::SmallVector<llvm::StringRef> where;
    llvm::StringRef(reftPositions).split(where, '+');
    bool ok = !where.empty() && where.size() <= 2;
    for (llvm::StringRef w : where) {
      int64_t n;
      ok = ok && w.size() > 1 && (w[0] == 'f' || w[0] == 'l') &&
           !w.drop_front().getAsInteger(10, n) && n >= 0 && n <= 65536;
      if (ok)
        (w[0] == 'f' ? config.reft.first : config.reft.last) = n;
    }
    if (!ok || config.reft.first + config.reft.last == 0)
      return fail("--reft-positions takes fN+lM (the first N and last M "
                  "positions, not both 0), got '" +
                  reftPositions + "'");
  } else if (reftRank.getNumOccurrences() ||
             reftPositions.getNumOccurrences()) {
    return fail("--reft-rank and --reft-positions need --reft-layers");
  }
  if (!loraTargets.empty()) {
    llvm::SmallVector<llvm::StringRef> names;
    llvm::StringRef(loraTargets).split(names, ',');
    for (llvm::StringRef n : names) {
      if (n.trim().empty())
        return fail("--lora-targets takes comma-separated module names, got '" +
                    loraTargets + "'");
      config.lora.targets.push_back(n.trim().str());
    }
    if (loraRank < 1 || loraRank > (int64_t(1) << 16))
      return fail("--lora-rank must be in [1, 65536], got " +
                  std::to_string(loraRank));
    if (loraAlpha.getNumOccurrences() &&
        (!(loraAlpha > 0) || !std::isfinite(loraAlpha)))
      return fail("--lora-alpha must be positive, got " +
                  std::to_string(loraAlpha));
    if (!(loraDropout >= 0 && loraDropout < 1))
      return fail("--lora-dropout must be in [0, 1), got " +
                  std::to_string(loraDropout));
    config.lora.rank = loraRank;
    config.lora.alpha =
        loraAlpha.getNumOccurrences() ? double(loraAlpha) : double(loraRank);
    config.lora.dropout = loraDropout;
  } else if (loraRank.getNumOccurrences() || loraAlpha.getNumOccurrences() ||
             loraDropout.getNumOccurrences()) {
    return fail("--lora-rank, --lora-alpha and --lora-dropout need "
                "--lora-targets");
  }
  config.prefill = !noPrefill;
  if (splitKeys < 0 || splitKeys > (int64_t(1) << 30))
    return fail("--split-keys must be non-negative (0: no split), got " +
                std::to_string(splitKeys));
  fe::StatsOptions options;
  if (stats) {
    if (*stats != "text" && *stats != "json")
      return fail("--stats takes 'text' or 'json', got '" + *stats + "'");
    options.batch = statsBatch;
    options.sequence = statsSeq;
    options.kvType = options.activationType = config.dtype;
    if (!kvDtype.empty()) {
      auto type = parseFloatDtype(kvDtype);
      if (!type)
        return fail("--kv-dtype takes f32, f16 or bf16, got '" + kvDtype + "'");
      options.kvType = *type;
    }
    if (options.batch < 1 || options.batch > (int64_t(1) << 24))
      return fail("--stats-batch must be in [1, 2^24]");
    if (zeroStage.getNumOccurrences() && (zeroStage < 0 || zeroStage > 3))
      return fail("--zero takes a ZeRO stage 0, 1, 2 or 3, got " +
                  std::to_string(zeroStage));
    if (zeroRanks.getNumOccurrences() &&
        (zeroRanks < 1 || zeroRanks > (1 << 20)))
      return fail("--ranks must be in [1, 2^20], got " +
                  std::to_string(zeroRanks));
    if (zeroStage >= 0 && !zeroRanks.getNumOccurrences())
      return fail("--zero needs --ranks N (the ranks the state is split "
                  "over)");
    options.zeroStage = zeroStage;
    options.zeroRanks = zeroRanks;
    if (options.sequence < 0 || options.sequence > (int64_t(1) << 24))
      return fail("--stats-seq must be in [1, 2^24], or 0 for the model's "
                  "maximum");
  } else if (zeroStage.getNumOccurrences() || zeroRanks.getNumOccurrences()) {
    return fail("--zero and --ranks apply only with --stats (training "
                "runs take tessel-run train --zero)");
  } else if (kvDtype.getNumOccurrences() ||
             ((statsBatch.getNumOccurrences() ||
               statsSeq.getNumOccurrences()) &&
              !llvm::StringRef(recompute).starts_with("budget:"))) {
    return fail("--stats-batch, --stats-seq and --kv-dtype apply only with "
                "--stats (and the first two with --recompute=budget:BYTES)");
  }
  if (recompute != "none" && !train)
    return fail("--recompute applies to the training entry points: add "
                "--train");
  llvm::StringRef schedule(recompute);
  if (schedule.consume_front("budget:")) {
    double budget = 0;
    if (schedule.getAsDouble(budget) || !(budget > 0))
      return fail("--recompute=budget:BYTES takes a positive number of "
                  "bytes, got '" +
                  schedule.str() + "'");
    fe::StatsOptions at;
    at.batch = statsBatch;
    at.sequence = statsSeq;
    at.kvType = at.activationType = config.dtype;
    fe::ModelStats model;
    if (!fe::computeStats(config, at, model, error))
      return fail(inputFile + ": " + error);
    int64_t blocks = fe::blocksForBudget(config, model, budget);
    if (blocks < 0)
      return fail(llvm::formatv("--recompute=budget:{0}: recomputing every "
                                "block still keeps {1} bytes of activations "
                                "at batch {2} x sequence {3}",
                                schedule,
                                int64_t(model.recompute.back().savedBytes),
                                model.batch, model.sequence)
                      .str());
    recomputeSchedule = blocks ? "blocks:" + std::to_string(blocks) : "none";
  } else {
    std::optional<tessel::RecomputeSchedule> parsed =
        tessel::parseRecomputeSchedule(schedule);
    if (!parsed ||
        (parsed->layers != INT64_MAX && parsed->layers > config.numLayers))
      return fail("--recompute takes none, attention, blocks, blocks:K (K "
                  "in [0, " +
                  std::to_string(config.numLayers) +
                  "]) or budget:BYTES, got '" + recompute + "'");
    recomputeSchedule = recompute;
  }

  if (!printStages.empty()) {
    if (stats || artifact || emit.getNumOccurrences())
      return fail("--print-stages writes the stages into its directory; it "
                  "takes no -o FILE, --emit or --stats");
    MLIRContext context(registry());
    tessel::OneLineDiagnostics diagnostics(context, kTool);
    OwningOpRef<ModuleOp> module = fe::buildModel(context, config, source);
    return module ? printStagesOf(*module) : 1;
  }

  if (artifact) {
    if (stats)
      return fail("--stats prints; it does not write an artifact");
    MLIRContext context(registry());
    tessel::OneLineDiagnostics diagnostics(context, kTool);
    OwningOpRef<ModuleOp> module = fe::buildModel(context, config, source);
    if (!module || failed(runGraphPipeline(*module)) ||
        failed(writeTargetArtifact(*module, &config)))
      return 1;
    return 0;
  }

  if (stats) {
    fe::ModelStats result;
    if (!fe::computeStats(config, options, result, error))
      return fail(inputFile + ": " + error);
    if (config.peft()) {
      // The adapters' parameters, as the builder declares them.
      MLIRContext context(registry());
      tessel::OneLineDiagnostics diagnostics(context, kTool);
      OwningOpRef<ModuleOp> module = fe::buildModel(context, config, source);
      if (!module)
        return 1;
      for (auto p : module->getOps<tessel::ParameterOp>())
        if (!p.getFrozen() && !p.getSymName().starts_with("value_head."))
          result.adapterParameters += p.getType().getNumElements();
    }
    std::string text = *stats == "json" ? fe::formatStatsJson(config, result)
                                        : fe::formatStatsText(config, result);
    return writeOutput([&](llvm::raw_ostream &os) { os << text; });
  }

  if (emit == Stage::Config) {
    return writeOutput(
        [&](llvm::raw_ostream &os) { os << configJson(config); });
  }

  MLIRContext context(registry());
  tessel::OneLineDiagnostics diagnostics(context, kTool);
  OwningOpRef<ModuleOp> module = fe::buildModel(context, config, source);
  if (!module || failed(lowerTo(*module, emit)))
    return 1;
  return emit == Stage::PTX ? writePtx(*module) : writeModule(*module);
}
