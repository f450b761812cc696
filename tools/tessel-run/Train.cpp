//===- Train.cpp - tessel-run train ---------------------------------------===//
//
//   tessel-run train MODEL.tsl --data corpus.txt --steps 200 --batch 8
//       --seq 64 --optimizer adamw --lr 3e-3 --warmup 20 --schedule cosine
//       --clip 1.0 --save trained.safetensors --log metrics.jsonl
//
// Trains a model compiled with `tesselc --train`: each step runs the
// `grads` entry point on a batch (inputs, and targets shifted by one),
// decides whether to skip it, clips the gradients by their global norm and
// updates every parameter in place (runtime/train/Optimizer.h). The data is
// a text file (through the artifact's tokenizer when it carries one, else
// its bytes) read in consecutive windows, or a .npy of int64 [steps, B,
// S + 1] whose step i is used at step i (to replay a run exactly).
//
//===----------------------------------------------------------------------===//

#include "runtime/Files.h"
#include "runtime/Npy.h"
#include "runtime/Safetensors.h"
#include "runtime/train/Optimizer.h"
#include "tools/tessel-run/Commands.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace tessel;
using namespace tessel::train;

namespace {

constexpr const char *kTool = "tessel-run";

/// The token stream of a text file, or the steps of a .npy.
struct TrainingData {
  std::vector<int64_t> tokens; ///< Text: every token of the file.
  Tensor steps;                ///< .npy: [steps, B, S + 1].
  bool fromNpy = false;
  int64_t position = 0; ///< Text: where the next batch starts.
};

Status readText(const std::string &path, const Artifact &artifact,
                TrainingData &data) {
  std::string text;
  TESSEL_RETURN_IF_ERROR(readFile(path, text));
  std::string tokenizer = artifact.tokenizerPath();
  if (!tokenizer.empty()) {
#ifdef TESSEL_HAVE_TOKENIZERS
    std::unique_ptr<Tokenizer> t;
    TESSEL_RETURN_IF_ERROR(run::loadModelTokenizer(tokenizer, artifact, t));
    std::vector<int32_t> ids;
    TESSEL_RETURN_IF_ERROR(t->encode(text, ids));
    data.tokens.assign(ids.begin(), ids.end());
    return Status::ok();
#else
    return errorf(path, ": the model's tokenizer needs a tessel-run built "
                        "with tokenizers");
#endif
  }
  if (artifact.vocabSize() < 256)
    return errorf(path, ": the model has no tokenizer and a vocabulary of ",
                  artifact.vocabSize(),
                  ", too small for bytes; give a .npy of token ids");
  for (unsigned char c : text)
    data.tokens.push_back(c);
  return Status::ok();
}

/// The inputs and targets of step `step`: from the .npy, or B windows of
/// S + 1 consecutive tokens of the text, each starting S after the last
/// (wrapping around at the end).
void nextBatch(TrainingData &data, int64_t step, int64_t batch, int64_t seq,
               Tensor &inputs, Tensor &targets) {
  inputs = Tensor::zeros(DType::I64, {batch, seq});
  targets = Tensor::zeros(DType::I64, {batch, seq});
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t *row;
    if (data.fromNpy) {
      row = data.steps.ints.data() + (step * batch + b) * (seq + 1);
    } else {
      int64_t span = static_cast<int64_t>(data.tokens.size()) - seq;
      if (data.position >= span)
        data.position = 0;
      row = data.tokens.data() + data.position;
      data.position += seq;
    }
    for (int64_t i = 0; i < seq; ++i) {
      inputs.ints[b * seq + i] = row[i];
      targets.ints[b * seq + i] = row[i + 1];
    }
  }
}

struct Options {
  int64_t steps = 100, batch = 8, seq = 64, warmup = 0, logEvery = 0;
  double lr = 1e-3, clip = 0.0, skipSpikes = 0.0;
  ScheduleKind schedule = ScheduleKind::Constant;
  OptimizerOptions optimizer;
};

Status parseOptions(const cli::ParsedArgs &args, Options &o) {
  TESSEL_RETURN_IF_ERROR(args.getInt("steps", o.steps));
  TESSEL_RETURN_IF_ERROR(args.getInt("batch", o.batch));
  TESSEL_RETURN_IF_ERROR(args.getInt("seq", o.seq));
  TESSEL_RETURN_IF_ERROR(args.getInt("warmup", o.warmup));
  TESSEL_RETURN_IF_ERROR(args.getDouble("lr", o.lr));
  TESSEL_RETURN_IF_ERROR(args.getDouble("clip", o.clip));
  TESSEL_RETURN_IF_ERROR(args.getDouble("skip-spikes", o.skipSpikes));
  TESSEL_RETURN_IF_ERROR(args.getDouble("eps", o.optimizer.eps));
  TESSEL_RETURN_IF_ERROR(args.getDouble("momentum", o.optimizer.momentum));
  TESSEL_RETURN_IF_ERROR(
      args.getDouble("weight-decay", o.optimizer.weightDecay));
  TESSEL_RETURN_IF_ERROR(
      parseOptimizerKind(args.get("optimizer", "adamw"), o.optimizer.kind));
  TESSEL_RETURN_IF_ERROR(
      parseScheduleKind(args.get("schedule", "constant"), o.schedule));
  o.optimizer.nesterov = args.has("nesterov");
  if (args.has("betas")) {
    std::string betas = args.get("betas", "");
    char *end = nullptr;
    o.optimizer.beta1 = std::strtod(betas.c_str(), &end);
    if (!end || *end != ',')
      return errorf("--betas must be two numbers, B1,B2; got '", betas, "'");
    const char *second = end + 1;
    o.optimizer.beta2 = std::strtod(second, &end);
    if (end == second || *end)
      return errorf("--betas must be two numbers, B1,B2; got '", betas, "'");
  }
  if (o.steps < 1 || o.batch < 1 || o.seq < 1)
    return errorf("--steps, --batch and --seq must be positive, got ", o.steps,
                  ", ", o.batch, ", ", o.seq);
  if (!(o.lr > 0.0) || !std::isfinite(o.lr))
    return errorf("--lr must be positive, got ", o.lr);
  if (o.warmup < 0 || o.warmup > o.steps)
    return errorf("--warmup must be in [0, --steps], got ", o.warmup);
  if (!(o.clip >= 0.0) || !std::isfinite(o.clip))
    return errorf("--clip must be >= 0 (0: no clipping), got ", o.clip);
  if (!(o.skipSpikes == 0.0 || o.skipSpikes > 1.0) ||
      !std::isfinite(o.skipSpikes))
    return errorf("--skip-spikes must be above 1 (0: off), got ", o.skipSpikes);
  return checkOptions(o.optimizer);
}

/// One progress line: redrawn in place on a terminal, one line per step
/// (every --log-every) when stderr is a file or a pipe.
class Progress {
public:
  Progress() : terminal(isatty(fileno(stderr))) {}
  void show(const std::string &line, bool last) {
    if (terminal) {
      std::fprintf(stderr, "\r%-100s%s", line.c_str(), last ? "\n" : "");
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }

private:
  bool terminal;
};

} // namespace

cli::CommandSpec run::trainCommand() {
  return {"train",
          "Train a model compiled with tesselc --train (its grads entry point)",
          "MODEL.tsl",
          {{"data", "FILE",
            "A text file (through the artifact's tokenizer, else its bytes) "
            "or a .npy of int64 [steps, B, S + 1] used in order",
            true},
           {"steps", "N", "Optimizer steps (default 100)"},
           {"batch", "B", "Sequences per step (default 8; a .npy sets it)"},
           {"seq", "S", "Tokens per sequence (default 64; a .npy sets it)"},
           {"optimizer", "NAME", "sgd, adam or adamw (default adamw)"},
           {"lr", "X", "Peak learning rate (default 1e-3)"},
           {"betas", "B1,B2", "Adam's betas (default 0.9,0.999)"},
           {"eps", "X", "Adam's epsilon (default 1e-8)"},
           {"momentum", "X", "SGD's momentum (default 0)"},
           {"nesterov", "", "SGD with Nesterov momentum"},
           {"weight-decay", "X",
            "Weight decay of the parameters of rank >= 2 (default 0; "
            "decoupled for adamw)"},
           {"warmup", "N", "Steps of linear warmup (default 0)"},
           {"schedule", "NAME",
            "After warmup: constant, linear or cosine (default constant)"},
           {"clip", "X", "Clip the global gradient norm to X (default: off)"},
           {"skip-spikes", "K",
            "Skip a step whose loss is above K x the mean of the last 20 "
            "(default: off; non-finite losses and gradients always skip)"},
           {"save", "FILE.safetensors",
            "Write the trained parameters (by their checkpoint names)"},
           {"log", "FILE.jsonl", "One JSON object per step"},
           {"log-every", "N",
            "Progress line every N steps when stderr is not a terminal "
            "(default: about 20 lines)"},
           {"weights", "FILE.safetensors", "Initial parameters"},
           {"seed", "N", "Initialize parameters missing from --weights"}}};
}

Status run::runTrain(const cli::ParsedArgs &args) {
  Options o;
  TESSEL_RETURN_IF_ERROR(parseOptions(args, o));
  TESSEL_RETURN_IF_ERROR(args.getInt("log-every", o.logEvery));
  if (o.logEvery < 0)
    return errorf("--log-every must be positive, got ", o.logEvery);

  Artifact artifact;
  TESSEL_RETURN_IF_ERROR(loadArtifact(args, artifact));
  const EntryPoint *grads = artifact.entry(EntryPointKind::Grads);
  if (!grads)
    return errorf(args.positional(),
                  ": has no grads entry point; compile the model with "
                  "tesselc --train");

  // The parameters, in the order of the gradients grads returns.
  std::vector<Tensor *> params;
  for (size_t i = 1; i < grads->results.size(); ++i) {
    const std::string &name = grads->results[i].name;
    if (name.rfind("grad.", 0) != 0)
      return errorf(args.positional(), ": grads result ", i, " (", name,
                    ") is not a gradient");
    Tensor *p = artifact.mutableParameter(name.substr(5));
    if (!p)
      return errorf(args.positional(), ": parameter ", name.substr(5),
                    " is not f32; training needs f32 parameters");
    params.push_back(p);
  }

  TrainingData data;
  std::string dataPath = args.get("data", "");
  if (dataPath.size() > 4 && dataPath.substr(dataPath.size() - 4) == ".npy") {
    TESSEL_RETURN_IF_ERROR(readNpy(dataPath, data.steps));
    if (data.steps.dtype != DType::I64 || data.steps.rank() != 3 ||
        data.steps.dim(2) < 2)
      return errorf(dataPath, ": expected int64 [steps, B, S + 1], got ",
                    name(data.steps.dtype), " ", formatShape(data.steps.shape));
    if (data.steps.dim(0) < o.steps)
      return errorf(dataPath, ": holds ", data.steps.dim(0),
                    " steps, fewer than --steps ", o.steps);
    data.fromNpy = true;
    o.batch = data.steps.dim(1);
    o.seq = data.steps.dim(2) - 1;
  } else {
    TESSEL_RETURN_IF_ERROR(readText(dataPath, artifact, data));
    if (static_cast<int64_t>(data.tokens.size()) < o.seq + 1)
      return errorf(dataPath, ": ", data.tokens.size(),
                    " tokens, too short for one sequence of --seq ", o.seq,
                    " plus its next token");
  }
  if (artifact.maxPositions() && o.seq > artifact.maxPositions())
    return errorf("--seq ", o.seq, " is longer than the model's ",
                  artifact.maxPositions(), " positions");
  // Every id is checked before the first step.
  Tensor all = data.steps;
  if (!data.fromNpy) {
    all = Tensor::zeros(DType::I64, {int64_t(data.tokens.size())});
    all.ints = data.tokens;
  }
  if (Status ids = artifact.checkTokenIds(all); !ids.isOk())
    return errorf(dataPath, ": ", ids.message());

  std::unique_ptr<std::ofstream> log;
  if (args.has("log")) {
    log = std::make_unique<std::ofstream>(args.get("log", ""));
    if (!*log)
      return errorf(args.get("log", ""), ": cannot write the log");
  }

  std::vector<const Tensor *> constParams(params.begin(), params.end());
  Optimizer optimizer(o.optimizer, constParams);
  SkipPolicy skip(o.skipSpikes);
  Progress progress;
  int64_t every = o.logEvery ? o.logEvery : std::max<int64_t>(1, o.steps / 20);
  int64_t skipped = 0;
  std::vector<Tensor> results;
  std::vector<Tensor> inputs(2);
  double firstLoss = NAN, lastLoss = NAN;
  auto start = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < o.steps; ++step) {
    auto stepStart = std::chrono::steady_clock::now();
    nextBatch(data, step, o.batch, o.seq, inputs[0], inputs[1]);
    TESSEL_RETURN_IF_ERROR(artifact.run(grads->name, inputs, results));
    double loss = results[0].floats[0];
    std::vector<const Tensor *> gradients;
    for (size_t i = 1; i < results.size(); ++i)
      gradients.push_back(&results[i]);
    double norm = globalNorm(gradients);
    std::string reason = skip.check(loss, norm);
    double lr = learningRate(o.schedule, o.lr, o.warmup, o.steps, step);
    if (reason.empty()) {
      TESSEL_RETURN_IF_ERROR(
          optimizer.step(params, gradients, lr, clipScale(norm, o.clip)));
      skip.applied(loss);
    } else {
      ++skipped;
      std::fprintf(stderr, "%s%s: step %lld skipped: %s\n",
                   isatty(fileno(stderr)) ? "\n" : "", kTool,
                   static_cast<long long>(step + 1), reason.c_str());
    }
    if (step == 0)
      firstLoss = loss;
    lastLoss = loss;
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - stepStart)
                         .count();
    if (log)
      *log << "{\"step\": " << step + 1 << ", \"loss\": " << loss
           << ", \"lr\": " << lr << ", \"grad_norm\": " << norm
           << ", \"skipped\": " << (reason.empty() ? "false" : "true") << "}\n";
    bool last = step + 1 == o.steps;
    if (last || (step + 1) % every == 0 || isatty(fileno(stderr))) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "step %lld/%lld  loss %.4f  lr %.2e  grad norm %.3f  "
                    "%.0f tokens/s  skipped %lld",
                    static_cast<long long>(step + 1),
                    static_cast<long long>(o.steps), loss, lr, norm,
                    double(o.batch * o.seq) / seconds,
                    static_cast<long long>(skipped));
      progress.show(line, last);
    }
  }
  double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (log && !log->flush())
    return errorf(args.get("log", ""), ": cannot write the log");
  std::fprintf(stderr,
               "%s: %lld steps in %.1f s (%lld skipped); loss %.4f -> %.4f\n",
               kTool, static_cast<long long>(o.steps), total,
               static_cast<long long>(skipped), firstLoss, lastLoss);
  if (args.has("save")) {
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (const ParameterSpec &p : artifact.parameters())
      if (Tensor *t = artifact.mutableParameter(p.tensor.name))
        tensors.push_back({p.tensor.name, *t});
    TESSEL_RETURN_IF_ERROR(writeSafetensors(args.get("save", ""), tensors));
    std::fprintf(stderr, "%s: wrote %s\n", kTool, args.get("save", "").c_str());
  }
  return Status::ok();
}
