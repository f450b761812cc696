# -*- Python -*-
"""lit configuration of the Tessel test suite."""

import os
import shutil
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "Tessel"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lib", "unit", "fakecuda", "CMakeLists.txt",
                   "lit.cfg.py",
                   "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tessel_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

python = sys.executable
oracle = os.path.join(config.tessel_src_root, "test", "lib", "oracle.py")
interpret = os.path.join(config.tessel_tools_dir, "tessel-interpret")
config.substitutions.append(("%python", python))
# `%oracle check %s CASE` makes the inputs of CASE, runs the interpreter on
# them and compares with NumPy's answer; see test/lib/oracle.py.
config.substitutions.append(
    ("%oracle",
     f"{python} {oracle} --tessel-interpret {interpret} --tmp %t"))

# The runner of the runtime-only build (-DTESSEL_ENABLE_COMPILER=OFF), when
# lit is given it: `lit --param runtime_only_bin=build-runtime/bin ...`
# (scripts/test.sh does). Tests that use it require `runtime-only-build`.
runtime_only_bin = lit_config.params.get("runtime_only_bin")
if runtime_only_bin:
    config.available_features.add("runtime-only-build")
    config.substitutions.append(
        ("%runtime_only_run",
         os.path.join(os.path.abspath(runtime_only_bin), "tessel-run")))

# The reference tokenizers scripts/fetch-tokenizer-refs.sh fetches, when lit
# is given their directory: `lit --param tokenizer_refs=DIR ...`. Tests
# that compare with them require `tokenizer-refs` (which needs node too).
node = shutil.which("node")
if node:
    config.available_features.add("node")
    config.substitutions.append(("%node", node))
tokenizer_refs = lit_config.params.get("tokenizer_refs")
if tokenizer_refs:
    if os.path.isdir(tokenizer_refs) and node:
        config.available_features.add("tokenizer-refs")
        config.substitutions.append(
            ("%tokenizer_refs", os.path.abspath(tokenizer_refs)))
    else:
        lit_config.warning(f"tokenizer_refs={tokenizer_refs}: no such "
                           "directory, or no node; tokenizer reference "
                           "tests skipped")
# Open MPI's launcher, for the data-parallel training tests (as root it
# needs its two allow-run-as-root variables; the tests set them).
mpirun = shutil.which("mpirun")
if mpirun:
    config.available_features.add("mpi")
    config.substitutions.append(("%mpirun", mpirun))
# SentencePiece's command-line tools (Debian's `sentencepiece`).
if all(shutil.which(t) for t in ("spm_train", "spm_encode", "spm_decode")):
    config.available_features.add("sentencepiece-tools")

# The CUDA toolkit tesselc --target=cuda needs (ptxas, libdevice): the
# GPU compile tests require `ptxas`. An NVIDIA driver (libcuda.so.1) makes
# `cuda-driver` available: the driverless tests are unsupported there.
cuda_home = os.environ.get("CUDA_HOME") or "/usr/local/cuda"
if os.access(os.path.join(cuda_home, "bin", "ptxas"), os.X_OK) and \
        os.path.exists(os.path.join(cuda_home, "nvvm", "libdevice",
                                    "libdevice.10.bc")):
    config.available_features.add("ptxas")
    config.substitutions.append(("%cuda_home", cuda_home))
    config.environment["CUDA_HOME"] = cuda_home
    stub = os.path.join(cuda_home, "lib64", "stubs", "libcuda.so")
    if os.path.exists(stub):
        config.available_features.add("cuda-stub")
        config.substitutions.append(("%cuda_stub", stub))
# The stand-in driver (test/fakecuda): runs emulated CUDA artifacts on the
# CPU (tesselc --cuda-emulate), through the real runtime path.
config.substitutions.append(
    ("%fakecuda", os.path.join(config.tessel_obj_root, "test", "fakecuda")))
try:
    import ctypes
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass

tools = ["tessel-opt", "tessel-run", "tessel-interpret", "tesselc",
         "tessel-tokenize"]
llvm_config.add_tool_substitutions(
    [ToolSubst(t, unresolved="fatal") for t in tools],
    [config.tessel_tools_dir])
