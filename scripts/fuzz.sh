#!/usr/bin/env bash
# Builds a fuzzer with clang (ASan + UBSan + libFuzzer) and runs it for a
# bounded time:
#
#   scripts/fuzz.sh frontend [SECONDS]   model definitions (default 300 s;
#                                        the full build, into build-fuzz/)
#   scripts/fuzz.sh runtime [SECONDS]    .npy, safetensors, tokenizer files,
#                                        text and ids through a tokenizer
#                                        (default 120 s; the runtime-only
#                                        build, into build-fuzz-runtime/)
#
# Prints how long it ran and how many inputs it tried; exits non-zero, with
# the crashing input saved under the build's crashes/, if anything broke.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-}
case "$target" in
  frontend) out=build-fuzz; seconds=${2:-300}; config=() ;;
  runtime) out=build-fuzz-runtime; seconds=${2:-120}
           config=(-DTESSEL_ENABLE_COMPILER=OFF) ;;
  *) echo "usage: scripts/fuzz.sh frontend|runtime [SECONDS]" >&2; exit 2 ;;
esac

if ! command -v clang++-14 >/dev/null && ! command -v clang++ >/dev/null; then
  echo "fuzz: installing clang (libFuzzer and the sanitizer runtimes)"
  sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
cxx=$(command -v clang++-14 || command -v clang++)
cc=$(command -v clang-14 || command -v clang)

cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" \
  -DTESSEL_ENABLE_FUZZER=ON "${config[@]}" >/dev/null
cmake --build "$out" --target "tessel-$target-fuzzer"

mkdir -p "$out/corpus" "$out/crashes"
if [ "$target" = frontend ]; then
  cp test/fuzz/corpus/*.json "$out/corpus/"
fi
start=$(date +%s)
status=0
"$out/bin/tessel-$target-fuzzer" "$out/corpus" \
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
