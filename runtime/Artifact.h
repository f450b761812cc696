//===- Artifact.h - compiled models and their execution ---------*- C++ -*-===//
//
// An artifact is a directory written by `tesselc MODEL.json -o model.tsl`:
//
//   manifest.json  the model, its parameters (names, shapes, dtypes,
//                  initializers) and its entry points (arguments, results,
//                  and the steps each calls, in order)
//   model.so       the compiled code
//   tokenizer/     the model's tokenizer, when its definition names one
//                  (manifest "tokenizer": the path inside the artifact)
//
// Each entry point has the signature `void entry(void **args)`: args[0]
// points at the descriptor the entry point fills with its result, args[1..]
// at the descriptors of the inputs then the parameters, in manifest order. A
// descriptor is MLIR's strided memref: {allocated, aligned, offset,
// sizes[rank], strides[rank]} in 64-bit words. Results are allocated by the
// compiled code with malloc and freed here.
//
// An entry point with a memory plan takes one more argument, last: its
// workspace, a byte buffer (memref<?xi8>) that holds every temporary, laid
// out by the compiler so that buffers whose lifetimes do not overlap share
// memory. Its size depends on the input shapes; the entry point's workspace
// function computes it from the same arguments and stores {bytes, bytes the
// temporaries would take without reuse} into a two-element i64 buffer.
// The runtime keeps the workspace across calls and grows it when needed.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_RUNTIME_ARTIFACT_H
#define TESSEL_RUNTIME_ARTIFACT_H

#include "runtime/Init.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tessel {

class SafetensorsFile;
namespace cuda {
class Device;
} // namespace cuda

/// The target of a position without a loss: tessel.cross_entropy's default
/// ignore index, which the frontend's loss uses.
constexpr int64_t kIgnoreIndex = -100;

/// The artifact format this runtime reads.
constexpr int kArtifactVersion = 5;

/// What the compiled code of the artifact `manifest` describes depends on:
/// each parameter's name, dtype and shape, and each entry point's symbol,
/// inputs, results (and the inputs they update in place), parameters and
/// workspace function; one line each, in a fixed order. The compiler
/// exports it from the library as the string `tessel_signature`, and the
/// loader compares it with the manifest's before calling anything: a
/// manifest edited by hand, or a library from another model, is an error.
std::string codeSignature(const nlohmann::json &manifest);

struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape; ///< -1 for a dynamic dimension.
  /// For a result: the input it is, updated in place (decode's caches); the
  /// compiled code writes that input's buffer and does not return it. -1:
  /// a result of its own.
  int64_t inPlace = -1;
};

struct ParameterSpec {
  TensorSpec tensor;
  InitSpec init;
};

/// One step of an entry point: the function its host code calls, the op it
/// came from and where in the model that op is.
struct StepSpec {
  std::string function, op, at;
};

struct EntryPoint {
  std::string name, symbol;
  /// The steps its host code calls, in order (the step number is the index).
  std::vector<StepSpec> steps;
  /// Per input: whether a result updates it in place.
  std::vector<bool> inPlaceInputs;
  /// What it does, when the model's frontend said (IR functions have none).
  std::optional<EntryPointKind> kind;
  std::vector<TensorSpec> inputs, results;
  std::vector<std::string> parameters; ///< Trailing arguments, in order.
  /// The workspace function's symbol; empty when there is no memory plan.
  std::string workspaceSymbol;
  int64_t plannedBuffers = 0, workspaceSlots = 0;
};

/// The workspace of the last run of an entry point.
struct WorkspaceUse {
  int64_t bytes = 0;     ///< With the memory plan.
  int64_t unplanned = 0; ///< Every temporary in its own buffer.
};

/// The index of a decode entry point's first cache input: 3 when its
/// third input is integer block tables [B, blocks] (a paged cache), else 2.
size_t firstCacheInput(const std::vector<TensorSpec> &inputs);

/// Checks that an entry point's inputs and results are what its kind
/// promises: forward takes ids [B, S] (i32 or i64) and returns logits
/// [B, S, V] first; decode takes ids [B, S], positions [B, S], with a paged
/// cache block tables [B, blocks], and its caches ([B, H, T, D] with T
/// their capacity, or pools [N, H, P, D] of N blocks of P positions), and
/// returns the logits and the caches, updated in place. The message says
/// what differs.
Status checkEntryPointKind(EntryPointKind kind,
                           const std::vector<TensorSpec> &inputs,
                           const std::vector<TensorSpec> &results);

/// LoRA as the artifact was compiled with it (tesselc --lora-targets): the
/// fields of PEFT's adapter_config.json, and the adapted modules (each has
/// MODULE.lora_A.weight [r, in] and MODULE.lora_B.weight [out, r]).
struct LoraSpec {
  int64_t rank = 0;
  double alpha = 0.0, dropout = 0.0;
  std::vector<std::string> targets, modules;
  /// The base weights are stored [in, out] (GPT-2's Conv1D).
  bool fanInFanOut = false;
  bool enabled() const { return rank > 0; }
};

/// Prefix tuning as the artifact was compiled with it (tesselc
/// --prefix-tokens): P learned keys and values per layer in the parameter
/// prefix.embedding [P, 2 L Hkv D] (layer l's keys at row block 2l, values
/// at 2l + 1, as PEFT's prompt embedding). A sequence's tokens start at
/// position P; decode finds the prefix in the first P slots of its caches.
struct PrefixSpec {
  int64_t tokens = 0, layers = 0, kvHeads = 0, headDim = 0;
  /// PEFT's reparametrization: the MLP's hidden size (0: none).
  int64_t projection = 0;
  bool enabled() const { return tokens > 0; }
};

/// LoReFT as the artifact was compiled with it (tesselc --reft-layers):
/// the intervened layers, the rank, the positions (the first `first` and
/// the last `last`) and the rotations R whose rows training keeps
/// orthonormal.
struct ReftSpec {
  std::vector<int64_t> layers;
  int64_t rank = 0, first = 0, last = 0;
  std::vector<std::string> rotations;
  bool enabled() const { return rank > 0; }
};

class Artifact {
public:
  Artifact();
  ~Artifact();
  /// Loads `directory`/manifest.json and the library it names; for a CUDA
  /// artifact (`"target": "cuda"`) also the NVIDIA driver, the GPU and the
  /// kernels, or says in one line why it cannot.
  Status load(const std::string &directory);
  /// The GPU a CUDA artifact runs on ("NVIDIA H100 ... (sm_90)"); empty
  /// for a CPU artifact.
  std::string deviceName() const;

  const std::string &modelName() const { return model; }
  /// The positions a sequence's tokens may take (after a prefix's).
  int64_t maxPositions() const {
    return maxPositionCount > 0 ? maxPositionCount - prefixSpec.tokens : 0;
  }
  int64_t vocabSize() const { return vocab; }
  /// LoRA's adapters, when compiled with them.
  const LoraSpec &lora() const { return loraSpec; }
  /// Prefix tuning's virtual tokens, when compiled with them.
  const PrefixSpec &prefix() const { return prefixSpec; }
  /// LoReFT's interventions, when compiled with them.
  const ReftSpec &reft() const { return reftSpec; }
  /// Checks that every token id is in the vocabulary; the message says
  /// which is not.
  Status checkTokenIds(const Tensor &ids) const;
  /// How many parameters the last loadParameters initialized from the seed.
  size_t seededParameters() const { return seeded; }
  size_t parameterCount() const { return params.size(); }
  /// The tokenizer the artifact carries (a file or directory path), or "".
  std::string tokenizerPath() const {
    return tokenizer.empty() ? "" : directory + "/" + tokenizer;
  }
  const std::vector<ParameterSpec> &parameters() const { return params; }
  /// The loaded value of f32 parameter `name`, to update in place between
  /// runs (a training step); null for another dtype or a parameter not
  /// loaded.
  Tensor *mutableParameter(const std::string &name);
  const Tensor *parameter(const std::string &name) const;
  const EntryPoint *entry(const std::string &name) const;
  /// The entry point of `kind`; null when there is none.
  const EntryPoint *entry(EntryPointKind kind) const;

  /// Fills every parameter: from `weights` (a safetensors file; empty for
  /// none), else, when `seed` is given, from its initializer. Names follow
  /// the checkpoint's; GPT-2 names are also found without "transformer.".
  Status loadParameters(const std::string &weights, const uint64_t *seed);
  /// The same from an open file (`weights` names it in messages);
  /// parameters named in `later`, which another source fills next (LoRA's
  /// adapters from --adapter), are zeros when the file lacks them.
  Status loadParameters(const SafetensorsFile &file, const std::string &weights,
                        const uint64_t *seed,
                        const std::set<std::string> &later = {});

  /// Runs `entry` on `inputs` (matching its input specs) into `results`,
  /// every result in manifest order; those updated in place are copies of
  /// their inputs, updated. Tensors already in `results` whose dtype and
  /// shape match are reused (a loop that calls `run` with the same vector
  /// allocates once).
  Status run(const std::string &entry, const std::vector<Tensor> &inputs,
             std::vector<Tensor> &results) const;
  /// Like run, but the inputs `entry` updates in place (decode's caches)
  /// are updated where they are, with no copy, and `results` receives only
  /// the other results, in order: what a decode loop calls.
  Status runUpdating(const std::string &entry, std::vector<Tensor> &inputs,
                     std::vector<Tensor> &results) const;
  /// For a CUDA artifact: from now on the f32 tensor `t`, an input that
  /// runUpdating updates in place (decode's caches), stays on the GPU
  /// between runUpdating calls, which neither upload nor download it: its
  /// host values are stale until `fetch`. Nothing for a CPU artifact.
  void keepOnDevice(const Tensor &t) const;
  /// Brings the host values of a tensor kept on the device up to date
  /// (before the host reads or changes it).
  Status fetch(Tensor &t) const;
  /// Says the host changed a tensor kept on the device: the next call
  /// uploads it.
  void changedOnHost(const Tensor &t) const;
  /// Ends keepOnDevice for `t` (before it is freed or reallocated).
  void release(const Tensor &t) const;

  /// The workspace `entry` needed in its last run (zeros before any).
  WorkspaceUse workspaceUse(const std::string &entry) const;

  /// From now on, times each step of every run (wall time, through the
  /// compiled code's `tessel_step_hook`); an error when the library has no
  /// hook (an artifact compiled before it existed).
  Status startProfile();
  /// A CUDA artifact's kernels since startProfile (times from CUDA events
  /// around each launch), those launched only, in manifest order.
  struct KernelProfile {
    std::string name;
    int64_t launches = 0;
    double seconds = 0;
  };
  std::vector<KernelProfile> kernelProfile() const;
  /// The seconds each step of `entry` took, summed over the runs since
  /// startProfile, indexed by step number; and how many runs that was.
  const std::vector<double> &stepSeconds(const std::string &entry) const;
  int64_t profiledRuns(const std::string &entry) const;

private:
  /// What compiled code takes on trust: ids in the vocabulary; for
  /// decode, positions that follow one another and fit caches of one batch
  /// and one capacity.
  Status checkInputs(const EntryPoint &e,
                     const std::vector<const Tensor *> &inputs) const;
  /// The entry point `name`, checked to take `inputs` inputs.
  Status entryFor(const std::string &name, size_t inputs,
                  const EntryPoint *&point) const;
  /// Runs `point` on `inputs` (as many as it takes); `updated[i]`, when set, is
  /// the tensor of input i (the same as `inputs[i]`) that the entry point
  /// updates in place. `results` receives the results returned (not updated in
  /// place).
  Status call(const EntryPoint &point,
              const std::vector<const Tensor *> &inputs,
              const std::vector<Tensor *> &updated,
              std::vector<Tensor> &results) const;
  /// Reads the manifest's "cuda" section and opens the GPU.
  Status openDevice(const nlohmann::json &manifest);
  /// `call` on the GPU: `hostData[i]` is input i in its compiled element
  /// type. Integer inputs go to pinned host memory mapped into the device
  /// (host code reads them), the others and the parameters to device
  /// memory; results and inputs updated in place come back to the host.
  Status callOnDevice(const EntryPoint &point,
                      const std::vector<const Tensor *> &inputs,
                      const std::vector<const void *> &hostData,
                      const std::vector<Tensor *> &updated,
                      std::vector<Tensor> &results) const;
  std::string directory, model, tokenizer;
  size_t seeded = 0;
  int64_t maxPositionCount = 0, vocab = 0;
  LoraSpec loraSpec;
  PrefixSpec prefixSpec;
  ReftSpec reftSpec;
  std::vector<ParameterSpec> params;
  std::map<std::string, EntryPoint> entries;
  std::map<std::string, Tensor> values; ///< Loaded parameters.
  /// The bits of the f16 and bf16 parameters, as compiled code reads them.
  std::map<std::string, std::vector<uint16_t>> halfValues;
  void *library = nullptr;
  /// `tessel_step_hook` in the library, when it has one.
  void **stepHook = nullptr;
  bool profiling = false;
  mutable std::map<std::string, std::vector<double>> stepTimes;
  mutable std::map<std::string, int64_t> runs;
  std::map<std::string, void *> symbols, workspaceSymbols;
  /// The workspace, 64-byte aligned, kept across runs.
  struct Free {
    void operator()(void *p) const { std::free(p); }
  };
  mutable std::unique_ptr<void, Free> workspace;
  mutable size_t workspaceCapacity = 0;
  mutable std::map<std::string, WorkspaceUse> workspaceUses;
  /// A CUDA artifact's GPU, kernels and launch interface.
  std::unique_ptr<cuda::Device> device;
  /// The parameters' device copies, uploaded at the first call after they
  /// were loaded or handed out for update (mutableParameter).
  mutable std::map<std::string, uint64_t> deviceParameters;
  mutable bool parametersOnDevice = false;
  /// Tensors kept on the device (keepOnDevice), by host data address.
  struct Resident {
    uint64_t ptr = 0;
    size_t bytes = 0;
    bool uploaded = false;    ///< The device copy holds the host's values.
    bool deviceNewer = false; ///< A call changed it since the last fetch.
  };
  mutable std::map<const void *, Resident> resident;
  mutable uint64_t deviceWorkspace = 0;
  mutable size_t deviceWorkspaceCapacity = 0;
};

} // namespace tessel

#endif // TESSEL_RUNTIME_ARTIFACT_H
