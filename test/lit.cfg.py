# -*- Python -*-
"""lit configuration of the Tessel test suite."""

import os
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "Tessel"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lib", "unit", "CMakeLists.txt", "lit.cfg.py",
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

tools = ["tessel-opt", "tessel-run", "tessel-interpret", "tesselc"]
llvm_config.add_tool_substitutions(
    [ToolSubst(t, unresolved="fatal") for t in tools],
    [config.tessel_tools_dir])
