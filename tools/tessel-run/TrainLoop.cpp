//===- TrainLoop.cpp - what tessel-run train's objectives share -----------===//

#include "tools/tessel-run/TrainLoop.h"

#include "runtime/Files.h"
#include "runtime/Generator.h"
#include "runtime/train/Reft.h"
#include "tools/tessel-run/Commands.h"

#include <algorithm>
#include <cmath>
#include <iomanip>

namespace tessel::run {

Status makeEncoder(const std::string &tokenizer, const Artifact &artifact,
                   const std::string &where, Encoder &encode) {
  if (!tokenizer.empty()) {
#ifdef TESSEL_HAVE_TOKENIZERS
    std::shared_ptr<Tokenizer> t;
    {
      std::unique_ptr<Tokenizer> loaded;
      TESSEL_RETURN_IF_ERROR(loadModelTokenizer(tokenizer, artifact, loaded));
      t = std::move(loaded);
    }
    encode = [t](const std::string &text, std::vector<int64_t> &ids) {
      std::vector<int32_t> encoded;
      TESSEL_RETURN_IF_ERROR(t->encode(text, encoded));
      ids.assign(encoded.begin(), encoded.end());
      return Status::ok();
    };
    return Status::ok();
#else
    return errorf(where, ": the model's tokenizer needs a tessel-run built "
                         "with tokenizers");
#endif
  }
  if (artifact.vocabSize() != 256)
    return errorf(where, ": the model names no tokenizer and has ",
                  artifact.vocabSize(),
                  " tokens, not the 256 of bytes; give --tokenizer or a .npy "
                  "of token ids");
  encode = [](const std::string &text, std::vector<int64_t> &ids) {
    ids.assign(text.size(), 0);
    for (size_t i = 0; i < text.size(); ++i)
      ids[i] = static_cast<unsigned char>(text[i]);
    return Status::ok();
  };
  return Status::ok();
}

Status readLines(const std::string &path,
                 std::vector<std::pair<size_t, std::string>> &lines) {
  std::string text;
  TESSEL_RETURN_IF_ERROR(readFile(path, text));
  size_t number = 0, start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (line.find_first_not_of(" \t\r") != std::string::npos)
      lines.push_back({number, std::move(line)});
  }
  return Status::ok();
}

void responseTensors(const std::vector<int64_t> &all, size_t prompt,
                     Tensor &tokens, Tensor &targets) {
  int64_t n = int64_t(all.size()) - 1;
  tokens = Tensor::zeros(DType::I64, {1, n});
  targets = Tensor::zeros(DType::I64, {1, n});
  for (int64_t i = 0; i < n; ++i) {
    tokens.ints[i] = all[i];
    // Position i predicts token i + 1: only the response's count.
    targets.ints[i] = i + 1 >= int64_t(prompt) ? all[i + 1] : -100;
  }
}

Status openLog(const cli::ParsedArgs &args, bool append,
               std::unique_ptr<std::ofstream> &log) {
  if (!args.has("log"))
    return Status::ok();
  log = std::make_unique<std::ofstream>(
      args.get("log", ""), append ? std::ios::app : std::ios::trunc);
  if (!*log)
    return errorf(args.get("log", ""), ": cannot write the log");
  // Every digit of the f32 loss and of the rates: logs are compared.
  *log << std::setprecision(9);
  return Status::ok();
}

Status closeLog(const cli::ParsedArgs &args,
                const std::unique_ptr<std::ofstream> &log) {
  if (log && !log->flush())
    return errorf(args.get("log", ""), ": cannot write the log");
  return Status::ok();
}

Status Rollouts::read(const cli::ParsedArgs &args, const Artifact &artifact,
                      const char *objective) {
  TESSEL_RETURN_IF_ERROR(args.getInt("group", group));
  TESSEL_RETURN_IF_ERROR(args.getInt("max-new-tokens", maxNew));
  TESSEL_RETURN_IF_ERROR(args.getDouble("beta", beta));
  TESSEL_RETURN_IF_ERROR(args.getDouble("temperature", temperature));
  TESSEL_RETURN_IF_ERROR(args.getUnsigned("sample-seed", sampleSeed));
  if (group < 1 || group > 4096)
    return errorf("--group must be in [1, 4096], got ", group);
  if (maxNew < 1 || maxNew > 65536)
    return errorf("--max-new-tokens must be in [1, 65536], got ", maxNew);
  if (!(beta >= 0) || !std::isfinite(beta))
    return errorf("--beta must be >= 0, got ", beta);
  if (!(temperature > 0) || !std::isfinite(temperature))
    return errorf("--temperature must be positive for sampling, got ",
                  temperature);
  if (!args.has("reward-tokens"))
    return errorf("--objective ", objective,
                  " needs --reward-tokens TEXT (the reward: the share of a "
                  "completion's tokens among TEXT's)");

  std::string path = args.get("data", "");
  std::vector<std::pair<size_t, std::string>> lines;
  TESSEL_RETURN_IF_ERROR(readLines(path, lines));
  Encoder encode;
  TESSEL_RETURN_IF_ERROR(makeEncoder(
      args.get("tokenizer", artifact.tokenizerPath()), artifact, path, encode));
  for (const auto &[number, line] : lines) {
    std::vector<int64_t> ids;
    TESSEL_RETURN_IF_ERROR(encode(line, ids));
    if (artifact.maxPositions() &&
        int64_t(ids.size()) + maxNew > artifact.maxPositions())
      return errorf(path, ":", number, ": a prompt of ", ids.size(),
                    " tokens plus ", maxNew,
                    " new ones is longer than the model's ",
                    artifact.maxPositions(), " positions");
    Tensor check = Tensor::zeros(DType::I64, {int64_t(ids.size())});
    check.ints = ids;
    if (Status s = artifact.checkTokenIds(check); !s.isOk())
      return errorf(path, ":", number, ": ", s.message());
    prompts.push_back(std::move(ids));
  }
  if (prompts.empty())
    return errorf(path, ": no prompts (one per line)");
  TESSEL_RETURN_IF_ERROR(encode(args.get("reward-tokens", ""), rewarded));
  std::sort(rewarded.begin(), rewarded.end());
  if (rewarded.empty())
    return errorf("--reward-tokens is empty");
  return Status::ok();
}

double Rollouts::reward(const std::vector<int64_t> &all, size_t prompt) const {
  if (all.size() <= prompt)
    return 0.0;
  double hits = 0;
  for (size_t t = prompt; t < all.size(); ++t)
    hits += std::binary_search(rewarded.begin(), rewarded.end(), all[t]);
  return hits / double(all.size() - prompt);
}

Status Rollouts::sample(Artifact &artifact, const std::vector<int64_t> &prompt,
                        uint64_t seed,
                        std::vector<std::vector<int64_t>> &sequences) const {
  GenerateOptions generate;
  generate.maxNewTokens = maxNew;
  generate.sampling.temperature = temperature;
  generate.vocabLimit = artifact.vocabSize();
  generate.seed = seed;
  Tensor rows = Tensor::zeros(DType::I64, {group, int64_t(prompt.size())});
  for (int64_t g = 0; g < group; ++g)
    std::copy(prompt.begin(), prompt.end(),
              rows.ints.begin() + g * prompt.size());
  Generator generator(artifact, nullptr, generate);
  TESSEL_RETURN_IF_ERROR(generator.run(
      rows, [](int64_t, int64_t, bool &) { return Status::ok(); }));
  sequences = generator.sequences();
  return Status::ok();
}

Status Updater::init(Artifact &artifact, const std::vector<Tensor *> &trained,
                     const train::OptimizerOptions &options,
                     bool keepReference) {
  params = trained;
  std::vector<const Tensor *> constParams(params.begin(), params.end());
  optimizer = std::make_unique<train::Optimizer>(options, constParams);
  TESSEL_RETURN_IF_ERROR(train::reftRotations(artifact, rotations));
  reference.clear();
  if (keepReference)
    for (const Tensor *p : params)
      reference.push_back(p->floats);
  return Status::ok();
}

Status Updater::step(const std::vector<const Tensor *> &grads, double lr,
                     double scale) {
  TESSEL_RETURN_IF_ERROR(optimizer->step(params, grads, lr, scale));
  return train::retractRotations(rotations);
}

void Updater::swapReference() {
  for (size_t k = 0; k < params.size() && k < reference.size(); ++k)
    params[k]->floats.swap(reference[k]);
}

Status Updater::withReference(const std::function<Status()> &body) {
  swapReference();
  Status s = body();
  swapReference();
  return s;
}

GradientSum::GradientSum(const std::vector<Tensor *> &params,
                         const std::vector<size_t> &gradientAt)
    : gradientAt(gradientAt) {
  for (const Tensor *p : params)
    sums.push_back(Tensor::zeros(DType::F32, p->shape));
  for (const Tensor &g : sums)
    pointers.push_back(&g);
}

void GradientSum::clear() {
  for (Tensor &g : sums)
    std::fill(g.floats.begin(), g.floats.end(), 0.0f);
}

void GradientSum::add(const std::vector<Tensor> &results, double weight) {
  for (size_t k = 0; k < gradientAt.size(); ++k) {
    const std::vector<float> &from = results[gradientAt[k]].floats;
    std::vector<float> &into = sums[k].floats;
    for (size_t e = 0; e < from.size(); ++e)
      into[e] += static_cast<float>(weight * from[e]);
  }
}

} // namespace tessel::run
