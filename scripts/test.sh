#!/usr/bin/env bash
# Sets up (scripts/setup.sh), builds both configurations, and runs every
# test: the full build (build/: compiler, tools, runtime) and the
# runtime-only build (build-runtime/: -DTESSEL_ENABLE_COMPILER=OFF, the
# runtime and an artifact runner with no MLIR or LLVM). lit runs the suite
# (dialect, passes, interpreter, tools, end to end; the runtime-only
# runner on artifacts the full build compiled; the tokenizers against
# tiktoken and spm_encode) and the gtest unit tests of both builds. Ends with the line `N passed, N failed, N skipped`; exits
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

python3 - "$results" <<'PY'
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError) as error:
    print(f"test: error: no lit results: {error}", file=sys.stderr)
    print("0 passed, 1 failed")
    sys.exit(0)
for testcase in root.iter("testcase"):
    if testcase.find("failure") is not None or testcase.find("error") is not None:
        failed += 1
    elif testcase.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"
