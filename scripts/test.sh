#!/usr/bin/env bash
# Sets up (scripts/setup.sh), builds both configurations, and runs every
# test: the full build (build/: compiler, tools, runtime) and the
# runtime-only build (build-runtime/: -DTESSEL_ENABLE_COMPILER=OFF, the
# runtime and an artifact runner with no MLIR or LLVM). lit runs the suite
# (dialect, passes, interpreter, tools, end to end; the runtime-only
# runner on artifacts the full build compiled; the tokenizers against
# tiktoken and spm_encode) and the gtest unit tests of both builds; then
# the runtime under ASan and UBSan (scripts/sanitize.sh runtime), and a
# 30 s libFuzzer run of the runtime's readers (scripts/fuzz.sh). Ends with
# the line `N passed, N failed, N skipped` over all of them; exits
# non-zero if any test failed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --build build --target TesselUnitTests tessel-interpret tessel-tokenize
cmake -S . -B build-runtime -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DTESSEL_ENABLE_COMPILER=OFF
cmake --build build-runtime

LIT=/usr/lib/llvm-22/bin/lit
results=build/test-results.xml
rm -f "$results"
status=0
"$LIT" -sv --xunit-xml-output="$results" \
  --param runtime_only_bin="$PWD/build-runtime/bin" \
  --param tokenizer_refs="$PWD/build/tokenizer-refs" \
  build/test build/test/unit build-runtime/test/unit || status=$?

# The runtime under ASan and UBSan: the part of scripts/sanitize.sh that
# fits the CI run (the runtime-only build with sanitizers, its unit tests
# with leak checks, the runtime-only runner on artifacts of build/).
scripts/sanitize.sh runtime || status=$?

# The runtime's readers (.npy, safetensors, tokenizer files, manifests,
# sharded checkpoint indexes, adapter configs) under libFuzzer, ASan and
# UBSan for a short while (scripts/fuzz.sh runtime; longer runs by hand).
fuzz_results=build-fuzz-runtime/fuzz-results.xml
failure=""
scripts/fuzz.sh runtime 30 || { failure="<failure/>"; status=1; }
mkdir -p build-fuzz-runtime
printf '<testsuites><testsuite name="fuzz"><testcase classname="fuzz" name="runtime readers, 30 s">%s</testcase></testsuite></testsuites>\n' \
  "$failure" > "$fuzz_results"

python3 scripts/lit_summary.py "$results" build-asan-runtime/unit-results.xml \
  build-asan-runtime/test-results.xml "$fuzz_results"
exit "$status"
