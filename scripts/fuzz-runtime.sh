#!/usr/bin/env bash
# Builds the runtime fuzzer with clang (ASan + UBSan + libFuzzer; the
# runtime-only configuration, no MLIR) and runs it for a bounded time on
# what the runtime reads from users: .npy, safetensors, tokenizer.json,
# text and ids for a tokenizer.
#
#   scripts/fuzz-runtime.sh [SECONDS]     default 120
#
# Prints how long it ran and how many inputs it tried; exits non-zero, with
# the crashing input saved under build-fuzz-runtime/crashes/, if anything
# broke.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}

if ! command -v clang++-14 >/dev/null && ! command -v clang++ >/dev/null; then
  echo "fuzz: installing clang (libFuzzer and the sanitizer runtimes)"
  sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
cxx=$(command -v clang++-14 || command -v clang++)
cc=$(command -v clang-14 || command -v clang)

out=build-fuzz-runtime
cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" \
  -DTESSEL_ENABLE_COMPILER=OFF -DTESSEL_ENABLE_FUZZER=ON >/dev/null
cmake --build "$out" --target tessel-runtime-fuzzer

mkdir -p "$out/corpus" "$out/crashes"
start=$(date +%s)
status=0
"$out/bin/tessel-runtime-fuzzer" "$out/corpus" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=8192 \
  -dict=test/fuzz/json.dict -print_final_stats=1 \
  -artifact_prefix="$out/crashes/" 2>"$out/fuzz.log" || status=$?
end=$(date +%s)
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz.log" |
  grep -o '[0-9]*$' || echo "?")
echo "fuzz: ran $((end - start)) s, $runs inputs, exit status $status"
if [ "$status" -ne 0 ]; then
  tail -40 "$out/fuzz.log"
  echo "fuzz: crashing inputs are in $out/crashes/"
fi
exit "$status"
