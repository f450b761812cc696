#!/usr/bin/env bash
# Builds Tessel with AddressSanitizer and UndefinedBehaviorSanitizer and
# runs the test suite on it:
#
#   scripts/sanitize.sh full      the whole build (build-asan/: compiler,
#                                 tools, runtime) and every lit and unit
#                                 test on it (about 30 min on 2 cores)
#   scripts/sanitize.sh runtime   the runtime-only build (build-asan-runtime/)
#                                 and its unit tests, plus the runtime-only
#                                 runner and data-parallel training tests
#                                 on artifacts of build/ (what
#                                 CI runs: a few minutes)
#
# Compiled models (model.so) and MLIR itself are not instrumented; the
# runtime that loads and drives them, the tokenizers, the frontend, the
# passes and the tools are. A report fails its test. Ends with the line
# `N passed, N failed, N skipped`.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-}
case "$target" in
  full) out=build-asan; config=() ;;
  runtime) out=build-asan-runtime; config=(-DTESSEL_ENABLE_COMPILER=OFF) ;;
  *) echo "usage: scripts/sanitize.sh full|runtime" >&2; exit 2 ;;
esac

cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTESSEL_SANITIZE=ON "${config[@]}" >/dev/null
cmake --build "$out"

# LLVM's allocators poison and unpoison their slabs when the code that
# inlines them is instrumented; ours is and MLIR's is not, so the poison
# our code leaves is read by MLIR's (false use-after-poison reports):
# user poisoning is off. LeakSanitizer's tracer crashes in a process that
# runs a compiled model (its OpenMP threads), so leaks are checked only in
# the unit tests, which run none.
export ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

LIT=/usr/lib/llvm-22/bin/lit
results="$out/test-results.xml"
rm -f "$results"
status=0
units="$out/unit-results.xml"
rm -f "$units"
ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0:halt_on_error=1 \
  "$LIT" -sv --xunit-xml-output="$units" "$out/test/unit" || status=$?
if [ "$target" = full ]; then
  "$LIT" -sv --xunit-xml-output="$results" "$out/test" || status=$?
else
  [ -x build/bin/tesselc ] || cmake --build build --target tesselc
  "$LIT" -sv --xunit-xml-output="$results" \
    --param runtime_only_bin="$PWD/$out/bin" \
    build/test/tools/runtime-only-runner.test \
    build/test/tools/runtime-only-train-zero.test || status=$?
fi
python3 scripts/lit_summary.py "$units" "$results"
exit "$status"
